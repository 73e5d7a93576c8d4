"""LLM-judge filters: ask a model yes/no questions about each problem (GPU, ``device = "gpu"``).

Big-Math (Albalak et al. 2025, arXiv 2502.17387, section 3) removes multiple-choice, proof,
yes/no, true/false and multi-part problems with model-based filters (Llama-3.1-70B-Instruct,
temperature 0.2, at most 5 tokens). These five judges do the same with our own prompt wording
and few-shot examples from the shared sample data (``filters/prompts/judge_*.txt``, sources
cited in each file's header); those Big-Math settings are the defaults.

Each judge writes one struct column ``judge_<family>_<alias>`` (``alias`` names the model):
``label`` (``yes``, ``no``, ``unparseable`` or ``tie``), ``raw`` (every reply, one per sample)
and ``sample_labels``. ``label`` is the majority over ``samples`` replies (default 1).
Reasons: ``judge_<family>:yes`` (the model says the problem is of that kind) and, only with
``on_unparseable: drop``, ``judge_<family>:undecided`` (label unparseable or tie). Unparseable
replies are never read as ``no``.

Judges normally run inside the ``llm_judges`` stage, which binds them to its backend and the
build's request cache. Used on their own (e.g. in a ``filters`` stage) they need ``backend``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Literal

import pyarrow as pa
from pydantic import Field, PrivateAttr

from bigmath.filter import Batch, Filter, Verdicts
from bigmath.llm.base import SamplingParams
from bigmath.llm.config import BackendConfig
from bigmath.llm.labels import UNPARSEABLE, YES_NO, majority, parse_label
from bigmath.llm.prompts import PromptTemplate, load_template
from bigmath.registry import register_filter

#: Arrow type of a judge column.
JUDGE_TYPE = pa.struct(
    [("label", pa.string()), ("raw", pa.list_(pa.string())), ("sample_labels", pa.list_(pa.string()))]
)


def default_cache_path() -> Path:
    """Request cache of judges used outside a build: ``$BIGMATH_CACHE_DIR/llm/requests.sqlite``
    (default ``.bigmath-cache/``)."""
    return Path(os.environ.get("BIGMATH_CACHE_DIR", ".bigmath-cache")) / "llm" / "requests.sqlite"


class JudgeFilter(Filter):
    """Base of the five judges; subclasses set ``name``, ``family`` and ``reasons``.

    Fields:
        backend: model to ask when used outside the ``llm_judges`` stage (which sets its own).
        samples: replies per problem; the label is their majority (``tie`` when split evenly).
        temperature, top_p, max_tokens, seed: sampling (defaults: Big-Math's 0.2 and 5 tokens).
        constrained: ask backends that support it (vLLM) to emit exactly ``yes`` or ``no``.
        on_unparseable: ``keep`` (default; the row stays and its label says ``unparseable``)
            or ``drop`` (reason ``judge_<family>:undecided``).
        prompt: path of a template file replacing the bundled ``judge_<family>.txt``.
    """

    family: ClassVar[str] = ""
    columns: ClassVar[tuple[str, ...]] = ("id", "problem")
    device: ClassVar[str] = "gpu"

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.family:  # each judge writes judge_<family>_<alias> (label, raw reply, sample labels)
            cls.extra_signals = (f"judge_{cls.family}_<alias>",)

    backend: BackendConfig | None = None
    samples: int = Field(1, ge=1)
    temperature: float = Field(0.2, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    max_tokens: int = Field(5, ge=1)
    seed: int = 0
    constrained: bool = True
    on_unparseable: Literal["keep", "drop"] = "keep"
    prompt: str | None = None

    _generator: Any = PrivateAttr(default=None)
    _alias: str | None = PrivateAttr(default=None)
    _owned: Any = PrivateAttr(default=None)

    def template(self) -> PromptTemplate:
        """The prompt template (``prompt`` file, or the bundled ``judge_<family>.txt``)."""
        return load_template(self.prompt or f"judge_{self.family}")

    def sampling(self) -> SamplingParams:
        """The sampling params of one judge request batch."""
        return SamplingParams(n=self.samples, temperature=self.temperature, top_p=self.top_p,
                              max_tokens=self.max_tokens, seed=self.seed,
                              choices=YES_NO if self.constrained else ())

    def column(self, alias: str) -> str:
        """Output column name, ``judge_<family>_<alias>``."""
        return f"judge_{self.family}_{alias}"

    def config(self) -> dict[str, Any]:
        """Fingerprint config: fields plus the prompt template hash."""
        return {**super().config(), "prompt_sha256": self.template().sha256}

    def bind(self, generator: Any, alias: str) -> None:
        """Use ``generator`` (a :class:`~bigmath.llm.generate.CachedGenerator`) and column alias ``alias``."""
        self._generator = generator
        self._alias = alias

    def unavailable_reason(self, gpu_available: bool) -> str | None:
        """Why this judge cannot run here: no backend, or its backend needs a missing GPU/package."""
        if self.backend is None:
            return f"filter {self.name!r} has no backend (set backend: ..., or use the llm_judges stage)"
        return self.backend.unavailable_reason(gpu_available)

    def setup(self) -> None:
        """Build the backend from ``backend`` and open the default cache, unless already bound."""
        if self._generator is not None:
            return
        if self.backend is None:
            raise ValueError(f"filter {self.name!r} needs a backend (or run it in the llm_judges stage)")
        from bigmath.llm.cache import RequestCache
        from bigmath.llm.generate import CachedGenerator

        backend = self.backend.build()
        cache = RequestCache(default_cache_path())
        self._owned = (backend, cache)
        self.bind(CachedGenerator(backend, cache), self.backend.alias or "model")

    def teardown(self) -> None:
        """Close a backend and cache that :meth:`setup` opened."""
        if self._owned is not None:
            backend, cache = self._owned
            backend.close()
            cache.close()
            self._owned = None
            self._generator = None

    def judge(self, ids: list[str], problems: list[str]) -> list[dict[str, Any]]:
        """Ask the model about each problem; return the judge column's rows (``label``, ``raw``,
        ``sample_labels``)."""
        if self._generator is None:
            self.setup()
        replies = self._generator.run(self.template(), list(zip(ids, problems)), self.sampling(),
                                      description=f"judge {self.family}")
        rows = []
        for texts in replies:
            labels = [parse_label(t) for t in texts]
            label, _ = majority(labels)
            rows.append({"label": label, "raw": texts, "sample_labels": labels})
        return rows

    def apply(self, batch: Batch) -> Verdicts:
        """One verdict per row; the judge column goes in ``signals``."""
        ids = [str(v) for v in batch.column("id").to_pylist()]
        problems = [v or "" for v in batch.column("problem").to_pylist()]
        rows = self.judge(ids, problems)
        reasons: list[str | None] = []
        for row in rows:
            if row["label"] == "yes":
                reasons.append(f"judge_{self.family}:yes")
            elif row["label"] in (UNPARSEABLE, "tie") and self.on_unparseable == "drop":
                reasons.append(f"judge_{self.family}:undecided")
            else:
                reasons.append(None)
        column = self.column(self._alias or "model")
        return Verdicts(reasons, signals={column: pa.array(rows, JUDGE_TYPE)})


def _reasons(family: str) -> tuple[str, ...]:
    return (f"judge_{family}:yes", f"judge_{family}:undecided")


@register_filter("judge_multiple_choice")
class JudgeMultipleChoice(JudgeFilter):
    """LLM judge: is the problem multiple choice (answer options to pick from)?

    Reasons: ``judge_multiple_choice:yes``, ``judge_multiple_choice:undecided``.
    Rule source: Big-Math (arXiv 2502.17387) model-based multiple-choice filter.
    """

    name: ClassVar[str] = "judge_multiple_choice"
    family: ClassVar[str] = "multiple_choice"
    reasons: ClassVar[tuple[str, ...]] = _reasons("multiple_choice")


@register_filter("judge_proof")
class JudgeProof(JudgeFilter):
    """LLM judge: does the problem ask for a proof?

    Reasons: ``judge_proof:yes``, ``judge_proof:undecided``.
    Rule source: Big-Math (arXiv 2502.17387) model-based proof filter.
    """

    name: ClassVar[str] = "judge_proof"
    family: ClassVar[str] = "proof"
    reasons: ClassVar[tuple[str, ...]] = _reasons("proof")


@register_filter("judge_yes_no")
class JudgeYesNo(JudgeFilter):
    """LLM judge: is the answer just yes or no (guessable half the time)?

    Reasons: ``judge_yes_no:yes``, ``judge_yes_no:undecided``.
    Rule source: Big-Math (arXiv 2502.17387) model-based yes/no filter.
    """

    name: ClassVar[str] = "judge_yes_no"
    family: ClassVar[str] = "yes_no"
    reasons: ClassVar[tuple[str, ...]] = _reasons("yes_no")


@register_filter("judge_true_false")
class JudgeTrueFalse(JudgeFilter):
    """LLM judge: is the answer just true or false?

    Reasons: ``judge_true_false:yes``, ``judge_true_false:undecided``.
    Rule source: Big-Math (arXiv 2502.17387) model-based true/false filter.
    """

    name: ClassVar[str] = "judge_true_false"
    family: ClassVar[str] = "true_false"
    reasons: ClassVar[tuple[str, ...]] = _reasons("true_false")


@register_filter("judge_multi_part")
class JudgeMultiPart(JudgeFilter):
    """LLM judge: does the problem ask several questions, each needing its own answer?

    Reasons: ``judge_multi_part:yes``, ``judge_multi_part:undecided``.
    Rule source: Big-Math (arXiv 2502.17387) model-based multi-part filter.
    """

    name: ClassVar[str] = "judge_multi_part"
    family: ClassVar[str] = "multi_part"
    reasons: ClassVar[tuple[str, ...]] = _reasons("multi_part")


#: Registry names of the five judges, in Big-Math's order.
JUDGE_NAMES = ("judge_multiple_choice", "judge_proof", "judge_yes_no", "judge_true_false", "judge_multi_part")

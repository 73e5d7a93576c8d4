"""LLM-judge filters: ask a model yes/no questions about each problem (GPU, ``device = "gpu"``).

Big-Math (Albalak et al. 2025, arXiv 2502.17387, section 3) removes multiple-choice, proof,
yes/no, true/false and multi-part problems with model-based filters (Llama-3.1-70B-Instruct,
temperature 0.2, at most 5 tokens). These five judges do the same with our own prompt wording
and few-shot examples from the shared sample data (``filters/prompts/judge_*.txt``, sources
cited in each file's header); those Big-Math settings are the defaults.

Two ways to ask (``mode``; ``auto``, the default, scores wherever the backend can):

* ``score``: one forward pass per problem, no sampling. ``p_yes`` = P(yes) / (P(yes) + P(no))
  from the next-token probabilities of the answer words after the judge prompt
  (:meth:`bigmath.llm.base.Backend.score`); the label is ``yes`` when ``p_yes >= threshold``
  (default 0.5: the model finds "yes" at least as likely as "no"), else ``no``. Deterministic
  and always readable; raise ``threshold`` for precision, lower it for recall
  (``benchmarks/judge_quality.py`` prints the threshold reaching a target precision).
  Reason: ``judge_<family>:p_yes>=threshold``.
* ``sample``: Big-Math's way, for backends without log-probabilities (``transformers serve``):
  ``sampling.samples`` replies (temperature 0.2, at most 5 tokens), each read by
  :func:`~bigmath.llm.labels.parse_label`; the label is their majority (``tie`` when split
  evenly, ``unparseable`` never read as ``no``) and ``p_yes`` the share of ``yes`` replies.
  Reason: ``judge_<family>:yes``.

Each judge writes one struct column ``judge_<family>_<alias>`` (``alias`` names the model):
``label`` (``yes``, ``no``, ``unparseable`` or ``tie``), ``p_yes`` (float in [0, 1]; null only
when a top-k backend returned neither word), ``mass`` (P(yes) + P(no), score mode), ``threshold``
(score mode), ``mode``, ``raw`` (every reply, sample mode) and ``sample_labels``. With
``on_unparseable: drop``, rows labelled ``unparseable`` or ``tie`` leave with
``judge_<family>:undecided``. Scores and replies are cached, so changing ``threshold`` reruns
the stage without a model call.

Judges normally run inside the ``llm_judges`` stage, which binds them to its backend and the
build's request cache. Used on their own (e.g. in a ``filters`` stage) they need ``backend``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Literal

import pyarrow as pa
from pydantic import Field, PrivateAttr, model_validator

from bigmath.filter import Batch, Filter, Verdicts
from bigmath.llm.base import BackendError, SamplingParams, ScoresUnavailable
from bigmath.llm.config import BackendConfig, SamplingConfig, reject_flat_sampling
from bigmath.llm.labels import UNPARSEABLE, YES_NO, majority, parse_label
from bigmath.llm.prompts import PromptTemplate, load_template, resolve_template
from bigmath.llm.scores import MAX_TOP_LOGPROBS, ScoreParams
from bigmath.registry import register_filter

#: Folder of the bundled judge prompts (``judge_<family>.txt``), beside this module.
PROMPTS_DIR = Path(__file__).parent / "prompts"
#: The judge families, in Big-Math's order; each is a filter ``judge_<family>``.
JUDGE_FAMILIES = ("multiple_choice", "proof", "yes_no", "true_false", "multi_part")
#: Registry names of the five judges (the one list every stage and command uses).
JUDGE_NAMES = tuple(f"judge_{family}" for family in JUDGE_FAMILIES)

#: Default ``threshold``: label ``yes`` when the model finds "yes" at least as likely as "no".
DEFAULT_THRESHOLD = 0.5

#: Arrow type of a judge column (see the module docstring).
JUDGE_TYPE = pa.struct([
    ("label", pa.string()), ("p_yes", pa.float64()), ("mass", pa.float64()), ("threshold", pa.float64()),
    ("mode", pa.string()), ("raw", pa.list_(pa.string())), ("sample_labels", pa.list_(pa.string())),
])


def default_cache_path() -> Path:
    """Request cache of judges used outside a build: ``$BIGMATH_CACHE_DIR/llm/requests.sqlite``
    (default ``.bigmath-cache/``)."""
    return Path(os.environ.get("BIGMATH_CACHE_DIR", ".bigmath-cache")) / "llm" / "requests.sqlite"


class JudgeSampling(SamplingConfig):
    """Judge replies: Big-Math's temperature 0.2 and at most 5 tokens (arXiv 2502.17387,
    section 3); one reply per problem (``samples`` > 1 takes the majority label)."""

    temperature: float = Field(0.2, ge=0, description="softmax temperature (0 = greedy)")
    max_tokens: int = Field(5, ge=1, description="most tokens per reply")


class JudgeFilter(Filter):
    """Base of the five judges; subclasses set ``name``, ``family`` and ``reasons``.

    Attributes:
        backend: model to ask when used outside the ``llm_judges`` stage (which sets its own).
        mode: ``auto`` (score where the backend returns log-probabilities, else sample),
            ``score`` or ``sample`` (see the module docstring).
        threshold: score mode: ``p_yes`` at or above which the label is ``yes``.
        top_logprobs: score mode on vLLM / OpenAI-compatible servers: next tokens requested.
        sampling: sample mode: :class:`JudgeSampling`; with ``samples`` > 1 the label is the
            majority of the replies (``tie`` when split evenly).
        constrained: ask backends that support it (vLLM) to emit exactly ``yes`` or ``no``.
        on_unparseable: ``keep`` (default; the row stays and its label says ``unparseable``)
            or ``drop`` (reason ``judge_<family>:undecided``).
        prompt: path of a template file replacing the bundled ``judge_<family>.txt``.

    Raises:
        ValueError: a sampling key (``samples``, ``temperature``...) given outside ``sampling``.
    """

    family: ClassVar[str] = ""
    columns: ClassVar[tuple[str, ...]] = ("id", "problem")
    device: ClassVar[str] = "gpu"

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.family:  # each judge writes judge_<family>_<alias> (label, raw reply, sample labels)
            cls.extra_signals = (f"judge_{cls.family}_<alias>",)

    backend: BackendConfig | None = Field(None, description="model when used outside the llm_judges stage")
    mode: Literal["auto", "score", "sample"] = Field(
        "auto", description="score (next-token p_yes, one forward pass), sample (parsed replies) or auto")
    threshold: float = Field(DEFAULT_THRESHOLD, ge=0, le=1,
                             description="score mode: p_yes at or above which the label is yes")
    top_logprobs: int = Field(MAX_TOP_LOGPROBS, ge=1, le=MAX_TOP_LOGPROBS,
                              description="score mode on vllm/openai: top next tokens requested")
    sampling: JudgeSampling = Field(default_factory=JudgeSampling, description="judge reply sampling")
    constrained: bool = Field(True, description="ask backends that can (vLLM) to emit exactly yes or no")
    on_unparseable: Literal["keep", "drop"] = Field("keep", description="keep or drop rows whose label is unreadable")
    prompt: str | None = Field(None, description="template file replacing the bundled judge_<family>.txt")

    @model_validator(mode="before")
    @classmethod
    def _sampling_is_nested(cls, data: Any) -> Any:
        return reject_flat_sampling(data)

    _generator: Any = PrivateAttr(default=None)
    _alias: str | None = PrivateAttr(default=None)
    _owned: Any = PrivateAttr(default=None)

    def template(self) -> PromptTemplate:
        """The prompt template (``prompt`` file, or the bundled ``judge_<family>.txt``)."""
        return load_template(resolve_template(self.prompt or f"judge_{self.family}", PROMPTS_DIR))

    def sampling_params(self) -> SamplingParams:
        """The backend-level sampling params of one judge request batch."""
        return self.sampling.params(choices=YES_NO if self.constrained else ())

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

    def resolved_mode(self) -> str:
        """``score`` or ``sample``: ``mode``, with ``auto`` decided by the bound backend."""
        if self.mode != "auto":
            return self.mode
        return "score" if self._generator.backend.supports_scores else "sample"

    def judge(self, ids: list[str], problems: list[str]) -> list[dict[str, Any]]:
        """Ask the model about each problem; return the judge column's rows (see the module docstring).

        Raises:
            BackendError: the backend failed, or ``mode: score`` on a backend without
                log-probabilities.
        """
        if self._generator is None:
            self.setup()
        problems_ = list(zip(ids, problems))
        if self.resolved_mode() == "score":
            try:
                scores = self._generator.score(self.template(), problems_, ScoreParams(top_logprobs=self.top_logprobs),
                                               description=f"judge {self.family}")
            except ScoresUnavailable as exc:
                raise BackendError(f"{self.name}: mode score needs log-probabilities ({exc}); "
                                   "use mode: sample or auto") from exc
            return [{"label": UNPARSEABLE if s.p_yes is None else ("yes" if s.p_yes >= self.threshold else "no"),
                     "p_yes": s.p_yes, "mass": s.mass, "threshold": self.threshold, "mode": "score",
                     "raw": [], "sample_labels": []} for s in scores]
        replies = self._generator.run(self.template(), problems_, self.sampling_params(),
                                      description=f"judge {self.family}")
        rows = []
        for texts in replies:
            labels = [parse_label(t) for t in texts]
            label, _ = majority(labels)
            rows.append({"label": label, "p_yes": labels.count("yes") / len(labels), "mass": None,
                         "threshold": None, "mode": "sample", "raw": texts, "sample_labels": labels})
        return rows

    def reason(self, row: dict[str, Any]) -> str | None:
        """The reason a judge row gives (None = keep), see the module docstring."""
        if row["label"] == "yes":
            return f"judge_{self.family}:p_yes>=threshold" if row["mode"] == "score" else f"judge_{self.family}:yes"
        if row["label"] in (UNPARSEABLE, "tie") and self.on_unparseable == "drop":
            return f"judge_{self.family}:undecided"
        return None

    def apply(self, batch: Batch) -> Verdicts:
        """One verdict per row; the judge column (label, p_yes, ...) goes in ``signals``."""
        ids = [str(v) for v in batch.column("id").to_pylist()]
        problems = [v or "" for v in batch.column("problem").to_pylist()]
        rows = self.judge(ids, problems)
        column = self.column(self._alias or "model")
        return Verdicts([self.reason(row) for row in rows], signals={column: pa.array(rows, JUDGE_TYPE)})


def _reasons(family: str) -> tuple[str, ...]:
    return (f"judge_{family}:p_yes>=threshold", f"judge_{family}:yes", f"judge_{family}:undecided")


@register_filter("judge_multiple_choice")
class JudgeMultipleChoice(JudgeFilter):
    """LLM judge: is the problem multiple choice (answer options to pick from)?

    Reasons: ``judge_multiple_choice:p_yes>=threshold`` (score mode),
    ``judge_multiple_choice:yes`` (sample mode), ``judge_multiple_choice:undecided``.
    Rule source: Big-Math (arXiv 2502.17387) model-based multiple-choice filter.
    """

    name: ClassVar[str] = "judge_multiple_choice"
    family: ClassVar[str] = "multiple_choice"
    reasons: ClassVar[tuple[str, ...]] = _reasons("multiple_choice")


@register_filter("judge_proof")
class JudgeProof(JudgeFilter):
    """LLM judge: does the problem ask for a proof?

    Reasons: ``judge_proof:p_yes>=threshold`` (score mode),
    ``judge_proof:yes`` (sample mode), ``judge_proof:undecided``.
    Rule source: Big-Math (arXiv 2502.17387) model-based proof filter.
    """

    name: ClassVar[str] = "judge_proof"
    family: ClassVar[str] = "proof"
    reasons: ClassVar[tuple[str, ...]] = _reasons("proof")


@register_filter("judge_yes_no")
class JudgeYesNo(JudgeFilter):
    """LLM judge: is the answer just yes or no (guessable half the time)?

    Reasons: ``judge_yes_no:p_yes>=threshold`` (score mode),
    ``judge_yes_no:yes`` (sample mode), ``judge_yes_no:undecided``.
    Rule source: Big-Math (arXiv 2502.17387) model-based yes/no filter.
    """

    name: ClassVar[str] = "judge_yes_no"
    family: ClassVar[str] = "yes_no"
    reasons: ClassVar[tuple[str, ...]] = _reasons("yes_no")


@register_filter("judge_true_false")
class JudgeTrueFalse(JudgeFilter):
    """LLM judge: is the answer just true or false?

    Reasons: ``judge_true_false:p_yes>=threshold`` (score mode),
    ``judge_true_false:yes`` (sample mode), ``judge_true_false:undecided``.
    Rule source: Big-Math (arXiv 2502.17387) model-based true/false filter.
    """

    name: ClassVar[str] = "judge_true_false"
    family: ClassVar[str] = "true_false"
    reasons: ClassVar[tuple[str, ...]] = _reasons("true_false")


@register_filter("judge_multi_part")
class JudgeMultiPart(JudgeFilter):
    """LLM judge: does the problem ask several questions, each needing its own answer?

    Reasons: ``judge_multi_part:p_yes>=threshold`` (score mode),
    ``judge_multi_part:yes`` (sample mode), ``judge_multi_part:undecided``.
    Rule source: Big-Math (arXiv 2502.17387) model-based multi-part filter.
    """

    name: ClassVar[str] = "judge_multi_part"
    family: ClassVar[str] = "multi_part"
    reasons: ClassVar[tuple[str, ...]] = _reasons("multi_part")


"""The backend interface: chat conversations -> sampled replies, or yes/no next-token scores.

Generation: every backend (``vllm``, ``openai``, ``transformers``, ...) implements
:meth:`Backend._generate` over *flat* requests: one conversation and one sample index each.
:meth:`Backend.generate` turns a batch of conversations into those requests (``n`` per
conversation, or only the sample indices the request cache lacks) and regroups the texts.
Each sample index gets its own seed (:meth:`SamplingParams.sample_seed`), so sample ``i`` of a
problem does not depend on how many samples are asked for or which ones were cached; backends
that honour per-request seeds (vLLM, OpenAI-compatible servers) regenerate exactly the same text.

Scoring (judges): :meth:`Backend.score` reads, in one forward pass per conversation and without
sampling, the next-token distribution after the generation prompt and returns
:class:`YesNoScore` ``p_yes = P(yes) / (P(yes) + P(no))``, where P(word) sums the probabilities
of the first tokens of the word's spellings (:meth:`ScoreParams.variants`). Backends that
cannot return log-probabilities say so with :attr:`Backend.supports_scores` (False), and a
judge falls back to sampled replies. The probability helpers live in :mod:`bigmath.llm.scores`.
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
import time
from collections.abc import Sequence
from typing import Any, ClassVar

from bigmath.llm.scores import ScoreParams, YesNoScore
from bigmath.llm.throughput import Throughput

#: One chat conversation: ``[{"role": "system"|"user"|"assistant", "content": str}, ...]``.
Conversation = list[dict[str, str]]

_ROLES = ("system", "user", "assistant")


class BackendError(RuntimeError):
    """A backend failed to generate (server unreachable after retries, model failed to load, ...)."""


class ScoresUnavailable(BackendError):
    """The backend cannot return next-token log-probabilities (use sampled replies instead)."""


@dataclasses.dataclass(frozen=True)
class SamplingParams:
    """How to sample replies. Field names follow vLLM's ``SamplingParams``.

    Attributes:
        n: replies per conversation (sample indices ``0..n-1``).
        temperature: softmax temperature; 0 means greedy decoding.
        top_p: nucleus-sampling mass in (0, 1].
        max_tokens: maximum number of generated tokens per reply.
        seed: base seed; sample ``i`` uses :meth:`sample_seed` ``(i)``.
        choices: when not empty, constrain the reply to one of these strings on backends that
            support constrained choice (vLLM structured outputs); others ignore it and the label
            parser reads the free text.

    Raises:
        ValueError: a value is out of range.
    """

    n: int = 1
    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 16
    seed: int = 0
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n must be >= 1, got {self.n}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")
        object.__setattr__(self, "choices", tuple(self.choices))

    def cache_key(self) -> str:
        """Canonical JSON of every field that changes a single reply (all but ``n``).

        ``n`` only says how many sample indices to draw; sample ``i`` is the same draw whatever
        ``n`` is, so raising ``n`` from 16 to 64 reuses the 16 cached replies.
        """
        fields = dataclasses.asdict(self)
        fields.pop("n")
        fields["choices"] = list(self.choices)
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))

    def sample_seed(self, index: int) -> int:
        """Seed of sample ``index``: a 31-bit hash of (``seed``, ``index``), stable across runs."""
        digest = hashlib.sha256(f"{self.seed}:{index}".encode()).digest()
        return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF

    def without_choices(self) -> "SamplingParams":
        """The same params with no constrained choice."""
        return dataclasses.replace(self, choices=())


@dataclasses.dataclass(frozen=True)
class GenerationRequest:
    """One reply to generate: a conversation, its sample index and that sample's seed."""

    conversation: Conversation
    sample_index: int
    seed: int


def validate_conversation(conversation: Any, where: str = "conversation") -> Conversation:
    """Check that ``conversation`` is a non-empty list of ``{role, content}`` dicts ending with a user turn.

    Raises:
        ValueError: the message names ``where`` and the bad message index/field.
    """
    if not isinstance(conversation, list) or not conversation:
        raise ValueError(f"{where}: expected a non-empty list of messages, got {type(conversation).__name__}")
    for i, message in enumerate(conversation):
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            raise ValueError(f"{where}[{i}]: role must be one of {_ROLES}, got {message!r:.80}")
        if not isinstance(message.get("content"), str):
            raise ValueError(f"{where}[{i}].content: expected a string")
    if conversation[-1]["role"] != "user":
        raise ValueError(f"{where}: the last message must be a user turn, got {conversation[-1]['role']!r}")
    return conversation


class Backend(abc.ABC):
    """A text generator behind the common interface.

    Subclasses set :attr:`type` and implement :meth:`_generate` (and :meth:`_score` when they
    can read next-token log-probabilities, with :attr:`supports_scores` True); they import their
    heavy library (torch, vllm, openai) lazily, in ``__init__`` or on first use.

    Attributes:
        model: model name or path, as given.
        revision: model revision (commit, tag) or None; part of the request-cache key.
        supports_choices: True when :attr:`SamplingParams.choices` is enforced by the backend.
        requests_generated: number of replies this backend generated (for tests and benchmarks).
        calls: number of :meth:`generate` / :meth:`score` calls that did any work.
        throughput: :class:`Throughput` counters (problems, replies, tokens, seconds).
    """

    type: ClassVar[str] = ""
    #: True when the backend can only run on a CUDA GPU.
    needs_gpu: ClassVar[bool] = False
    #: True when :meth:`score` reads the whole next-token distribution (scores do not depend
    #: on ``ScoreParams.top_logprobs``).
    full_distribution: ClassVar[bool] = False

    def __init__(self, model: str, revision: str | None = None):
        self.model = model
        self.revision = revision
        self.supports_choices = False
        self.requests_generated = 0
        self.calls = 0
        self.throughput = Throughput()

    @property
    def supports_scores(self) -> bool:
        """True when :meth:`score` works on this backend (it returns next-token log-probabilities).

        The judges read this flag and fall back to sampled replies when it is False.
        """
        return False

    def describe(self) -> dict[str, Any]:
        """JSON-able identity of the backend: ``type``, ``model``, ``revision``."""
        return {"type": self.type, "model": self.model, "revision": self.revision}

    def effective(self, params: SamplingParams) -> SamplingParams:
        """The params this backend really applies (``choices`` dropped where unsupported).

        The request cache keys replies by these, so a constrained reply is never served for an
        unconstrained request or the other way round.
        """
        return params if self.supports_choices or not params.choices else params.without_choices()

    def score_key(self, params: ScoreParams) -> str:
        """Request-cache key of scores made with ``params`` on this backend (see
        :meth:`ScoreParams.cache_key`)."""
        return params.cache_key(self.full_distribution)

    def generate(
        self,
        conversations: Sequence[Conversation],
        params: SamplingParams,
        sample_indices: Sequence[Sequence[int]] | None = None,
    ) -> list[list[str]]:
        """Generate replies for a batch of conversations.

        Args:
            conversations: chat conversations (see :data:`Conversation`), each ending with a user turn.
            params: sampling parameters; ``params.n`` replies per conversation by default.
            sample_indices: per conversation, which sample indices to generate (default
                ``range(params.n)`` for every conversation); used to fill request-cache gaps.

        Returns:
            One list of texts per conversation, one text per requested sample index, in order.

        Raises:
            ValueError: a conversation is malformed or ``sample_indices`` has the wrong length.
            BackendError: the backend failed.
        """
        if sample_indices is None:
            sample_indices = [range(params.n)] * len(conversations)
        if len(sample_indices) != len(conversations):
            raise ValueError(f"sample_indices has {len(sample_indices)} entries for {len(conversations)} conversations")
        params = self.effective(params)
        requests = []
        for c, (conversation, indices) in enumerate(zip(conversations, sample_indices)):
            validate_conversation(conversation, f"conversations[{c}]")
            requests.extend(GenerationRequest(conversation, i, params.sample_seed(i)) for i in indices)
        if not requests:
            return [[] for _ in conversations]
        start = time.perf_counter()
        texts = self._generate(requests, params)
        self.throughput.seconds += time.perf_counter() - start
        if len(texts) != len(requests):
            raise BackendError(f"{self.type} backend returned {len(texts)} texts for {len(requests)} requests")
        self.calls += 1
        self.requests_generated += len(requests)
        self.throughput.replies += len(requests)
        self.throughput.problems += sum(1 for indices in sample_indices if len(indices))
        out: list[list[str]] = []
        position = 0
        for indices in sample_indices:
            out.append([str(t) for t in texts[position : position + len(indices)]])
            position += len(indices)
        return out

    def score(self, conversations: Sequence[Conversation], params: ScoreParams | None = None) -> list[YesNoScore]:
        """Yes/no scores of a batch of conversations: one forward pass each, no sampling.

        Args:
            conversations: judge conversations, each ending with the user turn the model answers.
            params: answer words and top-k size (default ``yes``/``no``, 20).

        Returns:
            One :class:`YesNoScore` per conversation, in order.

        Raises:
            ScoresUnavailable: this backend returns no log-probabilities (:attr:`supports_scores`).
            ValueError: a conversation is malformed.
            BackendError: the backend failed.
        """
        params = params or ScoreParams()
        for c, conversation in enumerate(conversations):
            validate_conversation(conversation, f"conversations[{c}]")
        if not conversations:
            return []
        if not self.supports_scores:
            raise ScoresUnavailable(f"{self.type} backend ({self.model}) returns no next-token log-probabilities; "
                                    "judge with sampled replies instead")
        start = time.perf_counter()
        scores = self._score(list(conversations), params)
        self.throughput.seconds += time.perf_counter() - start
        if len(scores) != len(conversations):
            raise BackendError(f"{self.type} backend returned {len(scores)} scores for {len(conversations)} conversations")
        self.calls += 1
        self.throughput.scored += len(scores)
        self.throughput.problems += len(scores)
        return scores

    @abc.abstractmethod
    def _generate(self, requests: list[GenerationRequest], params: SamplingParams) -> list[str]:
        """Return one text per request, in order (``params.n`` is already expanded into requests).

        Implementations add the tokens they generated to ``self.throughput.generated_tokens``.
        """

    def _score(self, conversations: list[Conversation], params: ScoreParams) -> list[YesNoScore]:
        """Return one score per conversation, in order (only called when :attr:`supports_scores`)."""
        raise ScoresUnavailable(f"{self.type} backend has no scoring implementation")

    def close(self) -> None:
        """Release the model / client. Default: nothing."""

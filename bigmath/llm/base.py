"""The generation-backend interface: a batch of chat conversations + sampling params -> n texts each.

Every backend (``vllm``, ``openai``, ``transformers``) implements one method,
:meth:`Backend._generate`, over *flat* requests: one conversation and one sample index each.
:meth:`Backend.generate` turns a batch of conversations into those requests (``n`` per
conversation, or only the sample indices the request cache lacks) and regroups the texts.

Each sample index gets its own seed (:meth:`SamplingParams.sample_seed`), so sample ``i`` of a
problem does not depend on how many samples are asked for or which ones were cached; backends
that honour per-request seeds (vLLM, OpenAI-compatible servers) regenerate exactly the same text.
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import Any, ClassVar

#: One chat conversation: ``[{"role": "system"|"user"|"assistant", "content": str}, ...]``.
Conversation = list[dict[str, str]]

_ROLES = ("system", "user", "assistant")


class BackendError(RuntimeError):
    """A backend failed to generate (server unreachable after retries, model failed to load, ...)."""


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

    Subclasses set :attr:`type` and implement :meth:`_generate`; they import their heavy
    library (torch, vllm, openai) lazily, in ``__init__`` or on first use.

    Attributes:
        model: model name or path, as given.
        revision: model revision (commit, tag) or None; part of the request-cache key.
        supports_choices: True when :attr:`SamplingParams.choices` is enforced by the backend.
        requests_generated: number of replies this backend generated (for tests and benchmarks).
        calls: number of :meth:`generate` calls that generated at least one reply.
    """

    type: ClassVar[str] = ""
    #: True when the backend can only run on a CUDA GPU.
    needs_gpu: ClassVar[bool] = False

    def __init__(self, model: str, revision: str | None = None):
        self.model = model
        self.revision = revision
        self.supports_choices = False
        self.requests_generated = 0
        self.calls = 0

    def describe(self) -> dict[str, Any]:
        """JSON-able identity of the backend: ``type``, ``model``, ``revision``."""
        return {"type": self.type, "model": self.model, "revision": self.revision}

    def effective(self, params: SamplingParams) -> SamplingParams:
        """The params this backend really applies (``choices`` dropped where unsupported).

        The request cache keys replies by these, so a constrained reply is never served for an
        unconstrained request or the other way round.
        """
        return params if self.supports_choices or not params.choices else params.without_choices()

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
        texts = self._generate(requests, params)
        if len(texts) != len(requests):
            raise BackendError(f"{self.type} backend returned {len(texts)} texts for {len(requests)} requests")
        self.calls += 1
        self.requests_generated += len(requests)
        out: list[list[str]] = []
        position = 0
        for indices in sample_indices:
            out.append([str(t) for t in texts[position : position + len(indices)]])
            position += len(indices)
        return out

    @abc.abstractmethod
    def _generate(self, requests: list[GenerationRequest], params: SamplingParams) -> list[str]:
        """Return one text per request, in order (``params.n`` is already expanded into requests)."""

    def close(self) -> None:
        """Release the model / client. Default: nothing."""

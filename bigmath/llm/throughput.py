"""Work counters of a backend (:attr:`bigmath.llm.base.Backend.throughput`): how many problems,
replies and generated tokens, in how many seconds inside the backend. The LLM stages copy them
into their stats; benchmarks print the rates."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class Throughput:
    """What a backend did, for stage summaries and benchmarks (counters only grow).

    Attributes:
        problems: conversations that got at least one reply or a score.
        replies: replies generated (one per conversation and sample index).
        generated_tokens: tokens in those replies (as the backend counts them; 0 where a server
            does not report usage).
        scored: conversations scored (:meth:`Backend.score`).
        seconds: wall time spent inside the backend's generate / score calls.
    """

    problems: int = 0
    replies: int = 0
    generated_tokens: int = 0
    scored: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, float]:
        """Counters plus rates: ``problems_per_s``, ``replies_per_s``, ``generated_tokens_per_s``
        (0.0 before any timed call)."""
        rate = (lambda n: n / self.seconds) if self.seconds > 0 else (lambda n: 0.0)
        return {**dataclasses.asdict(self), "problems_per_s": rate(self.problems),
                "replies_per_s": rate(self.replies), "generated_tokens_per_s": rate(self.generated_tokens)}

    def since(self, before: "Throughput") -> "Throughput":
        """The work done after snapshot ``before`` (take one with ``dataclasses.replace(t)``)."""
        return Throughput(**{f.name: getattr(self, f.name) - getattr(before, f.name)
                             for f in dataclasses.fields(self)})

"""Yes/no scores from next-token probabilities: what a judge's answer word would be, as a number.

A judge prompt ends with the generation prompt (``<|im_start|>assistant\\n``); the model's next
token says how it would answer. P(yes) is the total probability of the first tokens of the
spellings of "yes" (:meth:`ScoreParams.variants`: ``yes``, ``Yes``, `` yes``, `` Yes``,
``YES``), P(no) the same for "no"; a token that starts a spelling of both words counts for
neither. The score is ``p_yes = P(yes) / (P(yes) + P(no))`` in [0, 1], with ``mass =
P(yes) + P(no)`` saying how much of the distribution the two words hold (a low mass means the
model wanted to say something else).

How each backend reads the distribution:

- ``transformers``: the whole softmax of the last position's logits (exact).
- ``vllm``: the top ``top_logprobs`` tokens by id, matched against the tokenizer's first
  tokens; a word outside the top k contributes nothing.
- ``openai``: the top ``top_logprobs`` tokens as *strings* (no tokenizer at hand): a token
  counts for a word when its text is a non-blank prefix of one of the word's spellings
  (:func:`label_of_token`), a slightly wider net than the first tokens.

With top-k backends, neither word among the top k leaves ``p_yes`` None (``mass`` 0).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterable

#: Most top log-probabilities an OpenAI-compatible server returns (OpenAI API limit; also
#: vLLM's default ``max_logprobs``).
MAX_TOP_LOGPROBS = 20


@dataclasses.dataclass(frozen=True)
class ScoreParams:
    """Which answer words to score and how many top tokens to ask top-k backends for.

    Attributes:
        yes: the positive answer word (lower case).
        no: the negative answer word (lower case).
        top_logprobs: top next tokens requested from vLLM / OpenAI-compatible servers (1..20);
            the ``transformers`` backend reads the whole distribution and ignores it.

    Raises:
        ValueError: empty or equal words, or ``top_logprobs`` outside 1..20.
    """

    yes: str = "yes"
    no: str = "no"
    top_logprobs: int = MAX_TOP_LOGPROBS

    def __post_init__(self) -> None:
        if not self.yes.strip() or not self.no.strip() or self.yes.lower() == self.no.lower():
            raise ValueError(f"yes/no words must be two different non-empty words, got {self.yes!r}, {self.no!r}")
        if not 1 <= self.top_logprobs <= MAX_TOP_LOGPROBS:
            raise ValueError(f"top_logprobs must be in 1..{MAX_TOP_LOGPROBS}, got {self.top_logprobs}")

    @staticmethod
    def variants(word: str) -> tuple[str, ...]:
        """Spellings of ``word`` whose first token counts for it: ``yes``, ``Yes``, `` yes``,
        `` Yes``, ``YES`` (lower, capitalised, each with a leading space, upper)."""
        lower = word.lower()
        return (lower, lower.capitalize(), " " + lower, " " + lower.capitalize(), lower.upper())

    def cache_key(self, full_distribution: bool) -> str:
        """Canonical JSON of everything that can change a score: the scoring method, both
        words' spellings, and ``top_logprobs`` unless the backend reads the whole distribution."""
        return json.dumps({"kind": "next_token_yes_no", "yes": list(self.variants(self.yes)),
                           "no": list(self.variants(self.no)),
                           "top_logprobs": None if full_distribution else self.top_logprobs},
                          sort_keys=True, separators=(",", ":"))


@dataclasses.dataclass(frozen=True)
class YesNoScore:
    """A judge's answer as probabilities.

    Attributes:
        p_yes: ``P(yes) / (P(yes) + P(no))`` in [0, 1]; None when neither word was among the
            tokens the backend returned (top-k backends only).
        mass: ``P(yes) + P(no)`` in [0, 1]: the share of the next-token distribution the two
            answer words hold.
    """

    p_yes: float | None
    mass: float

    @classmethod
    def from_probs(cls, p_yes_word: float, p_no_word: float) -> "YesNoScore":
        """Score from the summed probabilities of the two words (each in [0, 1])."""
        mass = p_yes_word + p_no_word
        return cls(p_yes_word / mass if mass > 0 else None, min(mass, 1.0))

    def to_json(self) -> str:
        """Canonical JSON (the request cache stores scores as text; floats round-trip exactly)."""
        return json.dumps({"mass": self.mass, "p_yes": self.p_yes}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "YesNoScore":
        """Inverse of :meth:`to_json`.

        Raises:
            ValueError: ``text`` is not a stored score.
        """
        try:
            data = json.loads(text)
            return cls(None if data["p_yes"] is None else float(data["p_yes"]), float(data["mass"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not a stored yes/no score: {text[:80]!r}") from exc


def first_token_ids(encode: Callable[[str], list[int]], params: ScoreParams) -> tuple[list[int], list[int]]:
    """Token ids that start each word's spellings: ``(yes_ids, no_ids)``, sorted, disjoint.

    Args:
        encode: text -> token ids without special tokens (the model's tokenizer).
        params: the answer words.

    Raises:
        ValueError: a word has no token left (every first token is shared with the other word).
    """
    def firsts(word: str) -> set[int]:
        return {ids[0] for ids in (encode(v) for v in params.variants(word)) if ids}

    yes, no = firsts(params.yes), firsts(params.no)
    shared = yes & no
    if not yes - shared or not no - shared:
        raise ValueError(f"the tokenizer gives {params.yes!r} and {params.no!r} the same first tokens")
    return sorted(yes - shared), sorted(no - shared)


def label_of_token(text: str, params: ScoreParams) -> str | None:
    """``params.yes``/``params.no`` when token ``text`` is a non-blank prefix of a spelling of
    exactly one of the words (``"Y"``, ``" yes"``, ``"No"``), else None (``" "``, ``"the"``)."""
    if not text.strip():
        return None
    hits = {word for word in (params.yes, params.no) if any(v.startswith(text) for v in params.variants(word))}
    return hits.pop() if len(hits) == 1 else None


def score_top_logprobs(top: Iterable[tuple[str | int, float]], match: Callable[[str | int], str | None],
                       params: ScoreParams) -> YesNoScore:
    """Score from a top-k list of ``(token, logprob)`` pairs; ``match`` maps a token to its word.

    Each distinct token counts once (a server may repeat the sampled token).
    """
    seen: dict[str | int, float] = {}
    for token, logprob in top:
        seen.setdefault(token, logprob)
    totals = {params.yes: 0.0, params.no: 0.0}
    for token, logprob in seen.items():
        word = match(token)
        if word is not None and logprob is not None and math.isfinite(logprob):
            totals[word] += math.exp(logprob)
    return YesNoScore.from_probs(totals[params.yes], totals[params.no])

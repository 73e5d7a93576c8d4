"""Read a judge's label (``yes`` / ``no``) out of a free-text reply, robustly.

Models asked for one word still answer ``Yes.``, ``**No**``, ``Answer: YES``, ``\\boxed{no}`` or
``No, the problem has no options``. :func:`parse_label` accepts all of these; a reply that names
no label, or names both without leading with one, is :data:`UNPARSEABLE` -- never silently
``no``. :func:`majority` votes over several samples of the same judge.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

#: Label of a reply that names no allowed label, or is ambiguous.
UNPARSEABLE = "unparseable"
#: Majority label when the top labels of several samples have equal votes.
TIE = "tie"
#: The judges' label set.
YES_NO = ("yes", "no")
#: Whole words read as a label (beyond the label itself). Single letters count only when they
#: are the whole reply (``n`` is too common a variable name to count inside a sentence).
DEFAULT_SYNONYMS: Mapping[str, tuple[str, ...]] = {"yes": ("yeah", "yep"), "no": ("nope",)}
_LETTERS = {"y": "yes", "n": "no"}

_WRAPPERS = re.compile(r"\\(?:boxed|text|textbf|mathrm|mathbf|fbox)\s*\{([^{}]*)\}")
_NON_WORD = re.compile(r"[^0-9a-z]+")
# a reply that is one letter, bare or in markdown/punctuation ("y", "**N**", "y."); garbage around a
# letter ("\x0e\ufffd y") is not a label
_LONE_LETTER = re.compile(r"[*_`\"'(\[\s]*([yn])[*_`\"')\].!\s]*")


def words(reply: str) -> list[str]:
    """Lower-case words of ``reply`` with LaTeX wrappers (``\\boxed{}``, ``\\text{}``), markdown
    and punctuation removed: ``'**Answer:** \\boxed{Yes}.'`` -> ``['answer', 'yes']``."""
    text = reply
    for _ in range(3):  # nested wrappers: \boxed{\text{yes}}
        text = _WRAPPERS.sub(r" \1 ", text)
    return _NON_WORD.sub(" ", text.lower()).split()


def parse_label(
    reply: str | None,
    labels: Sequence[str] = YES_NO,
    synonyms: Mapping[str, Sequence[str]] = DEFAULT_SYNONYMS,
) -> str:
    """Return the label a reply gives, or :data:`UNPARSEABLE`.

    Rules, in order: an empty reply is unparseable; a reply whose first word is a label (or a
    synonym) gives that label (``No, it has no options`` -> ``no``); otherwise a reply that
    names exactly one distinct label gives it (``The answer is yes.`` -> ``yes``); a reply that is
    just the letter ``y``/``n`` (markdown and punctuation allowed) gives yes/no; anything else (no
    label, both, a letter inside garbage) is unparseable.

    Args:
        reply: the model's text (None counts as empty).
        labels: allowed labels, lower case.
        synonyms: extra whole words per label.

    Returns:
        One of ``labels`` or :data:`UNPARSEABLE`.
    """
    if not reply or not reply.strip():
        return UNPARSEABLE
    lookup = {label: label for label in labels}
    for label, extra in synonyms.items():
        if label in lookup:
            lookup.update({word: label for word in extra})
    tokens = words(reply)
    if not tokens:
        return UNPARSEABLE
    letter = _LONE_LETTER.fullmatch(reply.strip().lower())
    if letter and _LETTERS[letter.group(1)] in labels:
        return _LETTERS[letter.group(1)]
    if tokens[0] in lookup:
        return lookup[tokens[0]]
    found = {lookup[t] for t in tokens if t in lookup}
    return found.pop() if len(found) == 1 else UNPARSEABLE


def majority(labels: Sequence[str]) -> tuple[str, dict[str, int]]:
    """Vote over the parsed labels of several samples; unreadable samples vote too.

    Returns ``(label, votes)``: the label with the most votes among *all* samples, where
    :data:`UNPARSEABLE` is a candidate like any other (1 ``yes`` + 2 unreadable replies is
    ``unparseable``, not ``yes``: one readable reply out of three is no evidence), or :data:`TIE`
    when the top count is shared. ``votes`` maps every label seen to its count, in key order.
    """
    votes = Counter(labels)
    ordered = dict(sorted(votes.items()))
    if not votes:
        return UNPARSEABLE, ordered
    ranked = sorted(((count, label) for label, count in votes.items()), reverse=True)
    if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
        return TIE, ordered
    return ranked[0][1], ordered

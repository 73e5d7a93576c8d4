r"""Hyperlink filter: problems that point to a web page (the text depends on something not in it).

Rule source: Big-Math ``signals/add_hyperlink_signal.py`` (SynthLabsAI/big-math) searches for
``\url``, ``\href``, ``http://`` and ``https://``; we add ``ftp://``, bare ``www.`` domains and
bare domains followed by a path (``mathworld.wolfram.com/Prime.html``), which it misses.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bigmath.filters._rules import RuleFilter
from bigmath.registry import register_filter

_RULES = (
    ("hyperlink:latex_link", re.compile(r"\\(?:url|href)\b")),
    ("hyperlink:url", re.compile(r"\b(?:https?|ftp)://\S", re.I)),
    ("hyperlink:www", re.compile(r"\bwww\d{0,3}\.[a-z0-9-]+\.[a-z]{2,}", re.I)),
    # a domain with a path; e-mail addresses and a lone ".com" are not links
    ("hyperlink:domain_path", re.compile(r"(?<![@\w.])(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|io|info)/\S", re.I)),
)


@register_filter("hyperlink")
class Hyperlink(RuleFilter):
    r"""Flag problems containing a link.

    Reasons:
        ``hyperlink:latex_link`` (``\url{}``/``\href{}``), ``hyperlink:url`` (``http(s)://``,
        ``ftp://``), ``hyperlink:www`` (bare ``www.`` domain), ``hyperlink:domain_path`` (bare
        domain followed by a path).

    Reads ``problem``; writes the boolean signal ``has_hyperlink``. Source of the rule: Big-Math
    (arXiv 2502.17387, ``signals/add_hyperlink_signal.py``), extended as described above.
    """

    name: ClassVar[str] = "hyperlink"
    reasons: ClassVar[tuple[str, ...]] = tuple(reason for reason, _ in _RULES)
    columns: ClassVar[tuple[str, ...]] = ("problem",)
    signal: ClassVar[str | None] = "has_hyperlink"
    prescreen: ClassVar[dict[str, str]] = {
        "problem": r"(?i)\\url|\\href|://|www\d{0,3}\.|\.(?:com|org|net|edu|gov|io|info)/"
    }

    def rule(self, row: dict[str, Any]) -> str | None:
        text = row["problem"] or ""
        for reason, pattern in _RULES:
            if pattern.search(text):
                return reason
        return None

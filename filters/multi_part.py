r"""Multi-part filter: problems that ask for two or more separately graded results.

Rule source: Big-Math ``signals/add_multipartq_signal.py`` (SynthLabsAI/big-math) matches five
regexes on the lowercased text; ``(?:\d+\.).*(?:\d+\.)`` fires on any two decimals ("12.50
dollars and 7.25 dollars") and the ``(I)``/``(II)`` patterns can never fire on lowercased text.
Here a part is a marker (``(1)``, ``1)``, ``1.`` on its own line, ``(a)``, ``a)``, ``(i)``,
``(I)``, ``Ⅰ``, ``①``, ``Part A``) that starts a sentence or line, labelled in sequence from the
first label, and whose text asks something (an ask verb or a question mark): markers that list
conditions or label equations do not count. A single request for two quantities ("find the mean
and the median", "determine $e(18)$ and $e(19)$") is the other reason.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bigmath.filters._rules import RuleFilter, strip_markup
from bigmath.registry import register_filter

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}
_START = r"(?:^|(?<=[.?!:;\n])|(?<=[.?!:;]\s)|(?<=[.?!:;]\s\s)|(?<=\$\s)|(?<=\$))"
_MARKER = re.compile(
    _START + r"[ \t]*(?:"
    r"\((?P<pn>[1-9])\)|(?P<cn>[1-9])\)|(?P<dn>[1-9])\.(?=\s)"
    r"|\((?P<pl>[a-h])\)|(?P<cl>[a-h])\)"
    r"|\((?P<pr>i{1,3}|iv|vi?)\)|(?P<cr>i{1,3}|iv|vi?)\)"
    r"|\((?P<pR>I{1,3}|IV|VI?)\)|(?P<dR>I{1,3}|IV|VI?)\.(?=\s)"
    r"|(?P<uR>[\u2160-\u2165])|(?P<ci>[\u2460-\u2469])"
    r"|Part\s+(?P<part>[A-D]|[1-4])\b"
    r")",
    re.M,
)
_ASK = re.compile(
    r"(?:^|[.;:]\s+|\n)\s*(?:then\s+|and\s+|also\s+)?(?:find|determine|compute|calculate|evaluate|prove|show|solve|simplify|"
    r"express|estimate|give|list|write|sketch|explain|verify|describe|state|draw|construct|compare|decide|"
    r"what|how|which|why|when|where|is|are|does|do|can|could)\b|\?",
    re.I,
)
_FAMILIES = {"pn": "numbered", "cn": "numbered", "dn": "numbered", "pl": "lettered", "cl": "lettered",
             "pr": "roman", "cr": "roman", "pR": "roman", "dR": "roman", "uR": "roman",
             "ci": "circled", "part": "named"}

_NP = r"the\s+(?:[a-z-]+\s+){0,2}?[a-z-]+"
_TWO_THINGS = re.compile(
    rf"\b(?:find|determine|compute|calculate|give|state|what\s+are)\s+(?:both\s+)?(?P<first>{_NP})\s+and\s+(?:also\s+)?(?:the|its|their)\s+[a-z]"
    r"|\b(?:find|determine|compute|calculate)\s+(?:the\s+values?\s+of\s+)?(?P<vars>\$[^$]{1,25}\$\s*(?:,\s*\$[^$]{1,25}\$\s*,?\s*)*and\s+\$[^$]{1,25}\$)"
    r"|\b(?:find|determine|compute|calculate|give|what\s+are)\s+(?:both\s+)?(?:the\s+)?(?:maximum|minimum|largest|smallest|greatest|least)"
    r"(?:\s+values?)?\s+and\s+(?:the\s+)?(?:maximum|minimum|largest|smallest|greatest|least)\b",
    re.I,
)
_ASY = re.compile(r"\[asy\].*?\[/asy\]", re.S | re.I)
_PREPOSITIONS = frozenset("of between from to in on with for among by at into".split())
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*")
_ONE_QUANTITY = re.compile(r"\b(?:sum|product|difference|ratio|quotient|average|mean|number|distance)\s+of\s+(?:the\s+)?$", re.I)


# RE2 pre-screen: a first and a second marker in order, or a request with "and"
_FIRST = r"\(1\)|1[.)]|\([ai]\)|[ai]\)|\(I\)|I\.|[\x{2160}\x{2460}]|(?i:part)\s+[A1]"
_SECOND = r"\(2\)|2[.)]|\((?:b|ii)\)|(?:b|ii)\)|\(II\)|II\.|[\x{2161}\x{2461}]|(?i:part)\s+[B2]"
_PRESCREEN = (
    rf"(?s)(?:{_FIRST}).*(?:{_SECOND})"
    r"|(?i)(?:find|determine|compute|calculate|give|state|what\s+are)\s+(?:both\s+)?(?:the|\$)[^.?]{0,80}\band\b"
)


def _ordinal(family_key: str, label: str) -> int:
    if family_key in ("pn", "cn", "dn", "part") and label.isdigit():
        return int(label)
    if family_key in ("pl", "cl", "part"):
        return ord(label.lower()) - ord("a") + 1
    if family_key == "uR":
        return ord(label) - 0x2160 + 1
    if family_key == "ci":
        return ord(label) - 0x2460 + 1
    return _ROMAN[label.lower()]


def enumerated_parts(text: str) -> str | None:
    """Return the family (``numbered``, ``lettered``, ``roman``, ``circled``, ``named``) of the
    first run of >= 2 sequential part markers whose parts ask something, or None."""
    markers = []
    for m in _MARKER.finditer(text):
        key = next(k for k, v in m.groupdict().items() if v)
        if key in ("dn", "dR") and text[:m.start()].rstrip(" \t")[-1:] not in ("", "\n"):
            continue  # "1." and "I." count only at the start of a line
        markers.append((_FAMILIES[key], _ordinal(key, m.group(key)), m.start(), m.end()))
    for k, (family, number, _, _) in enumerate(markers):
        if number != 1:
            continue
        run = [markers[k]]
        for item in markers[k + 1:]:
            if item[0] == family and item[1] == run[-1][1] + 1:
                run.append(item)
        if len(run) < 2:
            continue
        ends = [m[2] for m in run[1:]] + [len(text)]
        asks = sum(1 for m, end in zip(run, ends) if _ASK.search(text[m[3]:end].strip()[:400]))
        if asks >= 2:
            return family
    return None


@register_filter("multi_part")
class MultiPart(RuleFilter):
    r"""Flag problems with several sub-questions.

    Reasons:
        ``multi_part:numbered_parts`` ((1)/(2), 1)/2), "1." lines), ``multi_part:lettered_parts``
        ((a)/(b), a)/b)), ``multi_part:roman_parts`` ((i)/(ii), (I)/(II), Ⅰ/Ⅱ),
        ``multi_part:circled_parts`` (①/② followed by asks), ``multi_part:named_parts``
        (Part A / Part B), ``multi_part:find_x_and_y`` (one request for two quantities).

    Reads ``problem``; writes ``is_multi_part``. Source: Big-Math
    ``signals/add_multipartq_signal.py`` (arXiv 2502.17387), rewritten as described above.
    """

    name: ClassVar[str] = "multi_part"
    reasons: ClassVar[tuple[str, ...]] = (
        "multi_part:numbered_parts",
        "multi_part:lettered_parts",
        "multi_part:roman_parts",
        "multi_part:circled_parts",
        "multi_part:named_parts",
        "multi_part:find_x_and_y",
    )
    columns: ClassVar[tuple[str, ...]] = ("problem",)
    signal: ClassVar[str | None] = "is_multi_part"
    prescreen: ClassVar[dict[str, str]] = {"problem": _PRESCREEN}

    def rule(self, row: dict[str, Any]) -> str | None:
        text = _ASY.sub(" ", strip_markup(row["problem"] or ""))
        family = enumerated_parts(text)
        if family:
            return f"multi_part:{family}_parts"
        for m in _TWO_THINGS.finditer(text):
            if m.group("vars") and all(_NUMBER.fullmatch(v.strip()) for v in re.findall(r"\$([^$]*)\$", m.group("vars"))):
                continue  # "find $-9$ and $-1$ for the roots": numbers, not unknowns
            first = m.group("first")
            if first and _PREPOSITIONS & set(first.lower().split()):
                continue
            if _ONE_QUANTITY.search(text[max(0, m.start() - 40):m.start()]):
                continue
            return "multi_part:find_x_and_y"
        return None

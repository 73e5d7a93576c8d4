r"""Figure filter: problems that refer to a picture the text does not contain.

Rule source: written for bigmath (Big-Math has no rule for it; its paper removes such problems
with an LLM judge). A problem needs a figure when it refers to one ("in the figure below", "as
shown in the diagram", "the hexagon shown", "See Figure 2", "the graph above") and carries no
inline drawing or table (``[asy]``, TikZ, ``picture``, ``tabular``/``array``); an image link or
``\includegraphics`` always needs the missing image file.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bigmath.filters._rules import RuleFilter
from bigmath.registry import register_filter

_PICTURE = r"(?:figure|diagram|picture|drawing|illustration|image|graph|grid|chart|sketch|sample|map)"
_REFERENCE = re.compile(
    rf"\b{_PICTURE}s?\s+(?:shown\s+)?(?:below|above|at\s+(?:the\s+)?(?:right|left)|to\s+the\s+(?:right|left)|on\s+the\s+(?:right|left))\b"
    r"|\b(?:in|from|on|see|use|using|refer\s+to|consider|study)\s+(?:the\s+)?(?:(?:adjoining|accompanying|adjacent|following|given|attached|provided)\s+)?(?:figure|diagram|picture|drawing|illustration)\b"
    r"|\bof\s+the\s+(?:adjoining|accompanying|adjacent|following|given|attached|provided)\s+(?:figure|diagram|picture|drawing|illustration)\b"
    rf"|\bthe\s+{_PICTURE}\s+(?:shows|depicts|illustrates)\b"
    rf"|\b(?:as\s+)?shown\s+(?:in\s+(?:the\s+)?{_PICTURE}|below|above|here|at\s+(?:the\s+)?(?:right|left))\b"
    r"|\bas\s+shown\b(?!\s+(?:that|by|in\s+the\s+(?:table|solution)))"
    r"|\b(?:figure|fig\.)\s*\d"
    r"|\b(?!(?:number|value|time|result|answer|digit|outcome)s?\b|(?:are|is|was|were|be|been|being)\b)[a-z]+\s+shown\s*(?:[?.,;:]|$|if\b)",
    re.I | re.M,
)
_INLINE = re.compile(r"\[asy\]|\\begin\{(?:tikzpicture|picture|tabular|array)\}|\\end\{(?:tabular|array)\}", re.I)
_IMAGE = re.compile(r"\\includegraphics|\[img\]|!\[[^\]]*\]\(|<img\b|\.(?:png|jpe?g|gif|svg)\b", re.I)


@register_filter("figure")
class Figure(RuleFilter):
    r"""Flag problems that need a figure which is not in the text.

    Reasons:
        ``figure:referenced`` (refers to a figure/diagram/graph, none inline),
        ``figure:image_file`` (``\includegraphics``, ``[img]``, markdown/HTML image, image URL).

    Reads ``problem``; writes ``needs_figure``. Source: bigmath (see module docstring).
    """

    name: ClassVar[str] = "figure"
    reasons: ClassVar[tuple[str, ...]] = ("figure:referenced", "figure:image_file")
    columns: ClassVar[tuple[str, ...]] = ("problem",)
    signal: ClassVar[str | None] = "needs_figure"
    prescreen: ClassVar[dict[str, str]] = {
        "problem": r"(?i)figure|fig\.|diagram|picture|drawing|illustration|shown|below|above|includegraphics"
        r"|\[img\]|<img|\.(?:png|jpe?g|gif|svg)\b"
    }

    def rule(self, row: dict[str, Any]) -> str | None:
        text = row["problem"] or ""
        if _IMAGE.search(text):
            return "figure:image_file"
        if _REFERENCE.search(text) and not _INLINE.search(text):
            return "figure:referenced"
        return None

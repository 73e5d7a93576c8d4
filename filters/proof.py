r"""Proof filter: problems that ask for a proof (no single checkable answer).

Rule source: Big-Math ``signals/add_proof_signal.py`` (SynthLabsAI/big-math) flags "prove that"
and the substring "a proof" (so "a proofreader" counts), and "show" at a sentence start only
for the ``olympiads`` subset. Here the request verbs of the issue are matched as requests: the
verb starts a sentence, a clause or a part ("..., prove that", "then prove:", "(a) Show that"),
so "advises a student to prove" and "show your work" / "show all steps" do not count.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bigmath.filters._rules import RuleFilter, strip_markup
from bigmath.registry import register_filter

# a request starts a sentence, a clause, a line or a part, or follows then/and/also/please/hence
_LEAD = r"(?:^|(?<=[.?!:;,(\n\]}])|(?<=[.?!:;,)\]}]\s)|(?<=\$\s)|(?<=\$)|\b(?:then|and|also|please|hence|now|thus|so)\s+)"
_RULES = (
    ("proof:prove_or_disprove", re.compile(r"\bprove\s+or\s+disprove\b|\bdisprove\b", re.I)),
    ("proof:with_proof", re.compile(
        r"\bwith\s+(?:a\s+)?proof\b|\b(?:give|provide|write|present|find)\s+(?:a|an|the)\s+(?:\w+\s+)?proof\b"
        r"|\b(?:a|your)\s+proof\s+(?:that|of)\b|\bprove\s+your\s+answer\b", re.I)),
    ("proof:prove", re.compile(_LEAD + r"\s*prove\b(?!\s+(?:to\s+be|useful|helpful|difficult))", re.I)),
    ("proof:show_that", re.compile(_LEAD + r"\s*show\s*(?:that\b|there\b|how\b|why\b|:)", re.I)),
    ("proof:demonstrate", re.compile(r"\bdemonstrate\s+(?:that|how|why)\b", re.I)),
    ("proof:verify_that", re.compile(r"\bverify\s+that\b", re.I)),
    ("proof:justify", re.compile(r"\bjustify\b", re.I)),
)


@register_filter("proof")
class Proof(RuleFilter):
    """Flag problems that ask for a proof.

    Reasons:
        ``proof:prove`` ("Prove that ...", "..., prove:"), ``proof:prove_or_disprove``,
        ``proof:show_that`` ("Show that/there/how/why ...", "Show:"), ``proof:demonstrate``
        ("demonstrate that"), ``proof:verify_that``, ``proof:justify`` ("Justify your
        answer"), ``proof:with_proof`` ("determine, with proof", "give a proof").

    Reads ``problem``; writes ``is_proof``. Source: Big-Math ``signals/add_proof_signal.py``
    (arXiv 2502.17387), verb list from the bigmath issue, matched as requests.
    """

    name: ClassVar[str] = "proof"
    reasons: ClassVar[tuple[str, ...]] = tuple(reason for reason, _ in _RULES)
    columns: ClassVar[tuple[str, ...]] = ("problem",)
    signal: ClassVar[str | None] = "is_proof"
    prescreen: ClassVar[dict[str, str]] = {
        "problem": r"(?i)prove|proof|show\s*(?:that|there|how|why|:)|demonstrate\s+(?:that|how|why)|verify\s+that|justify"
    }

    def rule(self, row: dict[str, Any]) -> str | None:
        text = strip_markup(row["problem"] or "")
        for reason, pattern in _RULES:
            if pattern.search(text):
                return reason
        return None

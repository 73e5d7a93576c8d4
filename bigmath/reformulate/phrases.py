r"""Phrase tables of :mod:`bigmath.reformulate.stems`: when a question needs its options.

Each pattern is a verbose regex, one alternative per line. They encode the "N/A" cases of
Big-Math's reformulation prompt (``SynthLabsAI/big-math`` ``reformulation/signatures.py``) and
were checked, rule by rule, against HARP's ``multiple_choice_only`` labels
(``labelled/harp_mcq_sample.jsonl``; figures in ``docs/reformulate.md``). Patterns run on
prose with math masked out (:func:`bigmath.reformulate.latex.mask_math`).
"""

from __future__ import annotations

import re

_FLAGS = re.I | re.X


def _rx(pattern: str, flags: int = _FLAGS) -> re.Pattern:
    return re.compile(pattern, flags)


#: (detail, pattern, scope): the stem picks among its options. Scope "text" searches all of the
#: prose, "last" only the final sentence.
PICK: tuple[tuple[str, re.Pattern, str], ...] = (
    ("which_of_following", _rx(r"""
        \bwhich\s+(?:one\s+|two\s+|ones\s+)?(?:of|among)\s+(?:the\s+following|these|those|them|the\s+(?:given|above))\b
    """), "text"),
    ("following", _rx(r"""
        \b(?:of|in|among|from)\s+the\s+following
            (?!\s+(?:process|procedure|steps?|rules?|conditions?|figure|diagram|table|graph|information|properties
                    |sequence|game|way|manner)\b)
      | \bthe\s+following\s+(?:is|are|statements?|numbers|expressions|values|conclusions?)\b
      | \b(?:from|of|among)\s+(?:the\s+)?(?:options|choices|numbers|expressions)\s+(?:below|given|listed)\b
      | \bbelow\s+best\b
    """), "last"),
    ("which_of_following", _rx(r"""
        ^\s*(?:(?:for|in|to|of|at|on|by|from|with)\s+)?which\b      # "Which ...?", "For which ...?"
      | \bwhich\s+is\s+it\b
    """), "last"),
    ("statement", _rx(r"""
        \b(?:statements?|conclusions?|relation(?:ship)?s?)\b[^.?]{0,40}
            \b(?:true|false|correct|incorrect|valid|follows?)\b
      | \b(?:true|false|correct|incorrect|valid)\s+(?:statement|conclusion|expression|relation(?:ship)?)\b
      | \b(?:the\s+one|the\s+only\s+one|those)\s+(?:that|which)\b
      | \bnot\s+(?:always\s+)?(?:true|correct)\b
      | \bincorrect\b
      | \bnecessarily\s+(?:true|correct|follows?)\b
      | \bconclude\b
      | \bwe\s+(?:may|can)\s+(?:say|conclude)\b
    """), "last"),
    ("approximate", _rx(r"""
        \bclosest\b(?!\s+(?:to\s+which\s+)?(?:integer|whole\s+number))   # "the closest integer to" is exact
      | \bnearest\s+to\b
      | \bbest\s+approximat
      | \bapproximat(?:e|ely|ion)\b
      | \bestimate\b
      | \bmost\s+likely\b
    """), "last"),
    ("possibility", _rx(r"""
        \b(?:could|can|may|might)\s+(?:be|equal)\s*(?::|\.{2,})?\s*$
      | \b(?:a|one)\s+possible\b
      | ^\s*one\s+of\s+the\b[^.?]*\bis\s*:?\s*$
      | \b(?:cannot|can\s+not|could\s+not|couldn't|can't)\s+(?:be|equal|have)\b
    """), "last"),
    ("range", _rx(r"""
        \b(?:lies?|is|are)\s+between\b
      | \bbetween\s*:?\s*$
      | \bin\s+(?:which|what)\s+interval\b
      | \binterval\s+labell?ed\b
    """), "last"),
    ("compare", _rx(r"\b(?:compare|comparing)\b"), "last"),
)

#: A final sentence that stops before the claim to pick ("Then:", "..., then", "we have",
#: "only if:", "then $x$:", "... which is:"); math is masked with ``x``.
OPEN_CLAIM = _rx(r"""
    (?: \b(?:then|thus|hence|so|therefore|we\s+have|we\s+get|it\s+follows\s+that|that|where|concerning[^.]*
            |(?:which|that)\s+(?:is|are)|only\s+if|becomes|by\s+solving|say|under|has\s+the\s+form
            |for\s+all\s+x+(?:\s+and\s+x+)?
            |then\s+x+\s*(?=:))
      | (?<![=<>])\b(?:has|have|goes|always|must|satisfies|equation|graph|expression)
      | \bis\s*\(are\)
    )\s*:?\s*$
""")

#: An indefinite subject: "A rational number between $\sqrt2$ and $\sqrt3$ is:" has many answers.
INDEFINITE = _rx(r"""
    ^\s*(?:an?|one)\s+(?!possible\b)
    (?:(?!\b(?:is|are|was|were|has|have)\b)[^.?])*      # no verb before the final copula
    \b(?:is|are|equals)\s*:?\s*$
""")

#: Numbered items in the stem ("(1) addition (2) ...", "I. ... II. ...") ...
NUMBERED = _rx(r"(?:^|[\s(])(?:I|II|III|IV)\s*[.):]\s | \(\s*[1-5]\s*\)\s*\S", re.X)
#: ... and an answer that is a list of them ("1,2,3", "(1) and (4)").
REFERENCE_LIST = _rx(r"""
    ^[\s(]*(?:[1-5]|I|II|III|IV)[\s)]*
    (?:(?:,|and|or|\\text\{\s*and\s*\})[\s(]*(?:[1-5]|I|II|III|IV)[\s)]*)+$
""", re.X)

#: Keyed options that are no answer: "none of these", "cannot be determined", "both", "only".
NO_ANSWER = _rx(r"""
    \bnone\s+of\b | \ball\s+of\s+(?:the|these)\b | \bnot\s+(?:enough|possible|determined|sufficient)\b
  | \bcannot\s+be\s+(?:determined|found|computed)\b | \bindeterminate\b | \bno\s+(?:such|solution|real|answer)\b
  | \bneither\b | \bboth\b | \bmore\s+than\s+one\b | \binsufficient\b | \bonly\b
""")

#: Options that refer to other options or statements: "I and II", "(A)", "II only".
OPTION_REFERENCE = _rx(r"""
    \b(?:I|II|III|IV|V)\b(?:\s*(?:,|and|or)\s*(?:I|II|III|IV|V)\b) | \((?:[A-E]|[1-5])\) | \b(?:I|II|III|IV)\s+only\b
""", re.X)

#: Relations that make an option a claim (``s^2 \le 8r^2``); ``=`` is handled apart.
RELATION = _rx(r"""
    < | > | \\[lg]eq?\b | \\n(?:e|eq)\b | \\approx\b | \\equiv\b | \\[lg]eqslant\b | \\sim\b
  | \\parallel\b | \\perp\b | \\cong\b | \\in\b | \\subset
""", re.X)

#: Words that may follow a number in an option without making it a statement.
UNIT_WORDS = _rx(r"""
    ^(?:ft|in|yd|mi|cm|mm|km|m|hr|hrs|min|sec|s|lb|lbs|oz|mph|sq|cu|am|pm
      |feet|foot|inch(?:es)?|yards?|miles?|meters?|centimeters?|kilometers?|hours?|minutes?|seconds?|days?|weeks?
      |months?|years?|dollars?|cents?|pounds?|ounces?|degrees?|units?|square|cubic|per|percent|textdollar|circ
      |gallons?|quarts?|liters?|people|students?|tons?)\.?$
""")

#: The question asks for a set or a range, so an inequality is a value, not a claim.
SOLUTION_SET = _rx(r"""
    \b(?:solution\s+set|set\s+of\b[^.?]{0,20}\b(?:values|points|numbers)|range|domain
         |values\s+of\s+\S+\s+(?:for\s+which|such\s+that|satisfying))\b
  | \bequivalent\s+to\s+the\s+statement\b
  | \bsuch\s+that\s*:?\s*$
""")

#: A number written out: ``12``, ``-3.5``, ``\frac{3}{2}``, ``3/4`` (after units are removed).
PLAIN_NUMBER = _rx(r"^[-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+|\\d?frac\{\d+\}\{\d+\}|\d+/\d+)$", 0)
#: Units, percent, degree and thousands separators around a number.
UNIT = _rx(r"\\text\w*\s*\{[^{}]*\}|\\%|%|\^\s*\{?\\circ\}?|\\textdollar|\\\$|\{,\}|\\[,;:!\ ]", 0)
#: Words allowed around the one math span of an "equivalent form" subject.
SUBJECT_WORDS = _rx(r"""
    ^(?:the\s+(?:expression|fraction|product|sum|quotient|value\s+of)|when\s+simplified,?|the\s+square\s+of)?\s*$
""")
#: LaTeX that is not a variable: commands, ``\text{..}``, digits, symbols.
NOT_VARIABLE = _rx(r"\\text\w*\s*\{[^{}]*\}|\\[A-Za-z]+|[^A-Za-z]", 0)

#: Questions about a label or an index the problem itself defines ("Which numbered face", "On
#: which bounce", "the interval labelled"): with a whole-number keyed option they ask for that
#: number, not for an option (HARP MCQ lines 978, 637, 431 of ``labelled/harp_mcq_sample.jsonl``).
INDEX_QUESTION = _rx(r"""
    \bwhich\s+(?:numbered\s+[a-z]+|(?:bounce|day|week|month|year|term|row|column|step|round|turn|move|page|lap)s?)\b
  | \binterval\s+labell?ed\b
""")
#: "How many of the following ...": the options are counts, so the items counted are in the stem
#: (HARP MCQ line 449: "How many of the following are equal to $x^x+x^x$ ...? I: ... IV: ...").
COUNTED_ITEMS = _rx(r"\bhow\s+many\s+of\s+the\s+following\b")
#: Items numbered ``(1)`` .. ``(9)`` in the stem's prose ...
ARABIC_ITEMS = _rx(r"\(\s*[1-9]\s*\)\s*\S", 0)
#: ... and an answer listing some of them by number (``1,2,3``): a set the verifier compares.
ITEM_NUMBERS = _rx(r"^\s*[1-9](?:\s*,\s*[1-9])+\s*$", 0)
#: A whole number (an index or label): ``5``, ``-2``, ``1{,}000`` is not one.
WHOLE_NUMBER = _rx(r"^\s*[-+]?\d+\s*$", 0)
#: A function the stem defines, by name: "$f(x) = 5x^2-2x-1$" (``{name}`` is filled in).
FUNCTION_DEFINITION = r"(?<![\\A-Za-z]){name}\s*\(\s*[A-Za-z]\s*\)\s*="
#: A one-letter function applied in LaTeX: ``f(x+h)`` (not ``\sin(x)``).
FUNCTION_CALL = _rx(r"(?<![\\A-Za-z])([A-Za-z])\s*\(", 0)

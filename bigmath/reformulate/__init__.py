"""Multiple-choice to open-ended reformulation (Big-Math's reformulated fifth, by rules first).

Public surface::

    from bigmath.reformulate import reformulate, Reformulation, parse_options, options_from_field, resolve_answer

* :func:`reformulate` rewrites one problem or says why not (``needs_choices``,
  ``no_answer_option``, ``failed_check``);
* :func:`parse_options` / :func:`options_from_field` find the options in a problem's text or in
  an option field; :func:`resolve_answer` maps a gold answer (letter, ``\\textbf{(C)}``, index,
  text) to one option;
* :mod:`bigmath.reformulate.checks` holds the checks every rewrite passes;
* :mod:`bigmath.reformulate.fields` reads options and gold letters kept in a row's ``meta``
  (HARP MCQ ``choices``, ``answer_choice``), :mod:`bigmath.reformulate.solution` makes a
  rewritten row's reference solution name the answer by value (box, trailing answer line).

See ``docs/reformulate.md`` for the rules, their sources and the measured quality.
"""

from __future__ import annotations

from bigmath.reformulate.answer import resolve_answer
from bigmath.reformulate.checks import failed_checks
from bigmath.reformulate.options import Option, OptionBlock, options_from_field, parse_options
from bigmath.reformulate.rewrite import BOXED_INSTRUCTION, Reformulation, reformulate, reformulate_block

__all__ = [
    "BOXED_INSTRUCTION",
    "Option",
    "OptionBlock",
    "Reformulation",
    "failed_checks",
    "options_from_field",
    "parse_options",
    "reformulate",
    "reformulate_block",
    "resolve_answer",
]

"""A row's options and gold letter when its dataset keeps them in ``meta``, not in the text.

The harp adapter stores HARP MCQ rows with ``meta.choices`` (``{"A": "$20$", ...}``) and
``meta.answer_choice`` (``"C"``), and ``answer`` = the keyed option's text (``21``). The options
are read from the field; the gold is the letter, since a text answer can itself look like a
letter (HARP 1992 AJHSME 15 has options ``E, A, B, C, D`` and answer ``C``, option D). After a
rewrite the field is renamed, so the row is not taken for a multiple-choice row again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bigmath.filters.multiple_choice import option_field
from bigmath.reformulate.answer import resolve_answer
from bigmath.reformulate.options import OptionBlock, options_from_field, parse_options
from bigmath.schema import dumps_meta, loads_meta


def row_options(problem: str, answer: Any, meta: str | None, options_fields: Sequence[str],
                answer_fields: Sequence[str]) -> tuple[OptionBlock | None, Any]:
    """The options of one row and the gold answer that keys them.

    Args:
        problem: the problem text.
        answer: the row's ``answer`` (letter, option text, ...).
        meta: the row's ``meta`` (a JSON object string, or None).
        options_fields: ``meta`` keys that may hold the options (the first one holding options,
            as :func:`bigmath.filters.multiple_choice.option_field` reads them, is used).
        answer_fields: ``meta`` keys that may hold the keyed option's letter.

    Returns:
        ``(block, gold)``: the options of the field, else those written in ``problem`` (None when
        there are none); ``gold`` is the first ``answer_fields`` value that names one of them,
        else ``answer``.

    Raises:
        ValueError: ``meta`` is not a JSON object, or its option field is malformed (the message
            names the field, ``meta.<key>``).
    """
    key = option_field(meta, options_fields)
    data = loads_meta(meta) if key or answer_fields else {}
    try:
        block = options_from_field(data[key], problem) if key else parse_options(problem)
    except ValueError as exc:
        raise ValueError(f"field meta.{key}: {exc}") from None
    if block is None:
        return None, answer
    letter = next((data[f] for f in answer_fields if resolve_answer(data.get(f), block) is not None), None)
    return block, answer if letter is None else letter


def retire_option_fields(meta: str | None, fields: Sequence[str]) -> str | None:
    """``meta`` (a JSON object string) with each option field among ``fields`` renamed
    ``original_<field>``, for a row whose problem no longer has options (so the multiple-choice
    filter and a later ``reformulate`` stage do not take it for a multiple-choice row again).

    Returns ``meta`` unchanged when it holds none of ``fields`` (or already holds the new name),
    else re-serialised with :func:`bigmath.schema.dumps_meta` (sorted keys, deterministic).

    Raises:
        ValueError: ``meta`` is not a JSON object.
    """
    if not meta:
        return meta
    data = loads_meta(meta)
    moved = [f for f in fields if f in data and f"original_{f}" not in data]
    if not moved:
        return meta
    for field in moved:
        data[f"original_{field}"] = data.pop(field)
    return dumps_meta(data)

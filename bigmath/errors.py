"""Errors raised for bad user input (data files, Hub rows, recipes)."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input data: the message names the file, the row (or line) and the field.

    Raised by the source adapters for rows they cannot read at all (malformed JSON, a required
    field missing or of the wrong type). Rows that can be read but carry no usable problem are
    not errors: they become rejections with a reason (``adapter:empty_problem``, ...).

    Attributes:
        path: file (or ``hub:<id>`` / ``archive.zip!member``) the row came from, or None if unknown.
        row: 1-based line number for jsonl, 1-based row number for json/parquet/Hub rows, or None.
        field: the offending field name, ``(json)`` for a line that is not valid JSON, or None.
        message: what is wrong, in words.

    The message leaves out the parts that do not apply (a missing file has no row or field).

    Example:
        >>> str(InputError("data/x.jsonl", 3, "problem", "expected a string, got int"))
        "data/x.jsonl, row 3, field 'problem': expected a string, got int"
    """

    def __init__(self, path: str | None, row: int | None, field: str | None, message: str):
        self.path = None if path is None else str(path)
        self.row = row
        self.field = field
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.path or "<unknown file>"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field is not None:
            parts.append(f"field {self.field!r}")
        return f"{', '.join(parts)}: {self.message}"

    def with_location(self, path: str | None, row: int | None) -> "InputError":
        """Return a copy with ``path``/``row`` filled in where they were unknown."""
        return InputError(self.path or path, self.row if self.row is not None else row, self.field, self.message)

    def __reduce__(self):  # picklable across worker processes
        return (InputError, (self.path, self.row, self.field, self.message))

r"""Clock times: ``5:21\textsc{pm}``, ``5:21 PM``, ``5:21\text{ p.m.}``, ``\text{10:25 PM}``, ``17:21``.

math-verify reads ``5:21`` as the ratio 5/21, ``5:21 PM`` as ``5/(21 P M)`` and fails on
``5:21\textsc{pm}`` (HARP, AMC 8 2012 #3); ``\text{10:25 PM}`` and ``\text{10:25 P.M.}`` become two
different words. The policy (:func:`read_clock`, :func:`same_time`):

* **What is a time.** ``H:MM`` or ``H:MM:SS`` (colon also ``{:}``) followed by a half-day marker
  (``am``/``pm`` in any case, with or without dots or spaces, bare or in ``\text``, ``\textsc``,
  ``\mathrm``; ``noon`` / ``midnight`` for 12:00), a whole hour with a marker (``5 PM``), or any
  ``H:MM`` written inside ``\text{}`` (``\text{1:36}``: text is never a ratio).
* **A bare ``H:MM`` is a ratio** (``3:2``, ``32:17``, HARP's ratio answers), except when the
  other answer is a time: then it is read on the 24-hour clock (ISO 8601), so ``17:21`` equals
  ``5:21 PM``.
* **The half of the day.** A marker, or an hour of 0 or 13-23, fixes it. An hour of 1-12 with no
  marker leaves it open, and an open time matches the same clock reading in either half, on
  either side: ``5:21`` = ``5:21 PM`` = ``5:21 AM``, and HARP's gold ``\text{1:36}`` ("At what
  time P.M. ...") accepts ``1:36 PM`` and ``13:36``. The problem usually fixes the half (MATH
  line 3771 asks for "the form h:m1m2, like 3:45" and keys ``\text{1:03 PM}``). Two times that
  both fix it must agree: ``5:21 AM`` is not ``5:21 PM``, nor ``17:21``.
* **Equal** means the same time of day: ``12:00 PM`` = ``12 noon``; ``12:00 AM`` = ``0:00``;
  seconds of 00 may be left out. A time never equals a number (``1041``, ``9`` for ``9 a.m.``).
* **Not a time.** A whole hour glued to a marker with no dots (``5pm``, ``2am``) is read as
  before (math-verify drops ``pm`` as a unit): ``2am`` may as well be the product 2am.
* **Unparseable**: a marker on an impossible hour (``13:05 PM``, ``0:30 am``), minutes or seconds
  of 60 or more with a marker, ``noon`` on anything but 12:00. A time inside prose (``5:21 in the
  evening``, a response "The sun set at 5:21 PM." with no answer marker) is not read as a time.
"""

from __future__ import annotations

import dataclasses
import re

from sympy import Symbol

_HALF_DAY = 12 * 3600
# formatting a solver puts around a time: \text{..}, \textsc{pm}, \mathrm{PM}, spaces, {:}
_WRAPPER = re.compile(r"\\(?:text(?:rm|sc|normal|up)?|mathrm|mbox|rm)\b\s*")
_SPACING = re.compile(r"\\[,;:! ]|~|\\quad|\\thinspace")
_MARKER = r"(?P<marker>[ap]\.?\s*m\.?|noon|midnight)"
_TIME = re.compile(rf"^(?P<h>\d{{1,2}})(?::(?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?)?\s*{_MARKER}?$")
# cheap test before any rewriting: a colon, or a marker at the end
_MAYBE = re.compile(r":|(?:[AaPp]\.?\s*[Mm]\.?|noon|midnight)\s*\}*\s*$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class ClockTime:
    """A time of day.

    Attributes:
        seconds: seconds after midnight, 0 to 86399 (for an open half of the day: of the
            morning reading, so 12:30 with no marker is 1800).
        half_known: False for an hour of 1-12 with no marker (either half of the day).
    """

    seconds: int
    half_known: bool

    @property
    def symbol(self) -> Symbol:
        """A sympy stand-in that no LaTeX parses to: ``17:21``, ``5:21 (a.m. or p.m.)``."""
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        text = f"{hours:02d}:{minutes:02d}" if self.half_known else f"{hours or 12}:{minutes:02d}"
        text += f":{seconds:02d}" if seconds else ""
        return Symbol(text if self.half_known else text + " (a.m. or p.m.)")


#: :func:`read_clock`'s answer for a time-shaped answer that is no valid time (``13:05 PM``).
INVALID = "invalid"


def read_clock(latex: str, *, bare: bool = False) -> ClockTime | str | None:
    r"""Read ``latex`` (a normalised answer) as a clock time.

    Args:
        latex: the whole answer, e.g. ``5:21\textsc{pm}``.
        bare: read a bare ``H:MM`` (no marker, no ``\text``) as a time too: an hour of 0 or
            13-23 on the 24-hour clock, 1-12 with the half of the day open (used when the other
            answer is a time).

    Returns:
        A :class:`ClockTime`; :data:`INVALID` when it has a time's shape with an impossible
        value (``13:05 PM``, ``5:75 pm``); None when it is not a time (``3:2``, ``5``, ``x``).
    """
    if not _MAYBE.search(latex):
        return None
    in_text = _WRAPPER.search(latex) is not None
    plain = _SPACING.sub(" ", _WRAPPER.sub("", latex)).replace("{", "").replace("}", "")
    match = _TIME.match(" ".join(plain.split()).lower())
    if match is None:
        return None
    written = match.group("marker") or ""
    marker = written.replace(".", "").replace(" ", "")
    if match.group("m") is None and not (in_text or "." in written or " " in match.group(0)):
        return None  # 2am, 5pm glued: maybe the product 2*a*m; read as before
    if not marker and not (in_text or bare):
        return None  # a ratio
    hours, minutes, seconds = int(match.group("h")), int(match.group("m") or 0), int(match.group("s") or 0)
    if minutes > 59 or seconds > 59:
        return INVALID if marker else None
    rest = minutes * 60 + seconds
    if marker in ("noon", "midnight"):
        if hours != 12 or rest:
            return INVALID
        return ClockTime(_HALF_DAY if marker == "noon" else 0, True)
    if marker:
        if not 1 <= hours <= 12:
            return INVALID
        return ClockTime((hours % 12) * 3600 + rest + (_HALF_DAY if marker == "pm" else 0), True)
    if hours > 23:
        return None  # \text{32:17}: no time without a marker
    if 1 <= hours <= 12:
        return ClockTime((hours % 12) * 3600 + rest, False)
    return ClockTime(hours * 3600 + rest, True)


def same_time(gold: ClockTime, pred: ClockTime) -> bool:
    """Whether ``pred`` names the gold's time of day: the same time when both fix the half of
    the day, the same 12-hour clock reading when either leaves it open."""
    if gold.half_known and pred.half_known:
        return pred.seconds == gold.seconds
    return pred.seconds % _HALF_DAY == gold.seconds % _HALF_DAY

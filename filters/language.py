r"""Language filter: flag problems not written in English, and record the detected language.

Detection runs in three tiers so that the costly statistical detector only sees what cheap tests
cannot settle:

1. ASCII rows (vectorised, RE2 over the Arrow column): two or more English function words and
   none of the most frequent function words of other Latin-script languages => English.
2. Script test (Python, after LaTeX/math is stripped): letters of a non-Latin script make up at
   least 30% of the prose (CJK characters weighted x3, about one word each) => that script's
   language (Han => ``zh``, or ``ja`` when kana are present; Hangul => ``ko``; Cyrillic and
   Arabic script => lingua restricted to the languages written in it).
3. Latin script: the English function-word test on the stripped prose; rows that stay ambiguous
   (few English function words or some foreign ones) go to lingua-language-detector, restricted
   to common Latin-script languages and built once per process.

Rule source: Big-Math ``signals/add_language_signal.py`` (SynthLabsAI/big-math) strips LaTeX and
runs fastText LID on every row, but then calls every Latin-script language English; here
Spanish, German, French, ... are caught. Detector: lingua-language-detector (Pemistahl/lingua-py,
models shipped in the wheel, offline).
"""

from __future__ import annotations

import functools
import re
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from bigmath.filter import Batch, Filter, Verdicts
from bigmath.filters._rules import strip_markup, strip_math
from bigmath.registry import register_filter

_EN_WORDS = frozenset(
    "the of and is are to in for that what find how if with be let by on from which this it an as "
    "at its each all many there then when where has have does do can given value number compute "
    "determine was were will would must should than these those such any some into same".split()
)
# The most frequent function words of other Latin-script languages, minus English homographs
# (die, also, an, in, son, per, um, van...): one hit makes an ASCII row ambiguous.
_FOREIGN_WORDS = frozenset(
    "de la le el los las del por para una que es cuantos cuantas sea calcula encuentra hallar valor "
    "der das und ist ein eine einer nicht mit von zu wenn wie viele auf dem den des berechne bestimme "
    "les une est et dans pour avec sur soit du sont quel quelle trouver calculer "
    "il di che della sono gli quanti trova "
    "uma nao qual sao voce "
    "het een voor zijn niet ook "
    "och att ett "
    "bir ve ile "
    "dan yang untuk "
    "jest nie sie oraz".split()
)
_WORD = re.compile(r"[^\W\d_]+")
_LINKS = re.compile(r"\S*(?:://|www\.)\S*|<[^>]*>")
_SPACED = r"(?:^|[\s(,.;:!?])({})(?:$|[\s),.;:!?])"
_EN_RE2 = "(?i)" + _SPACED.format("|".join(sorted(_EN_WORDS)))
_FOREIGN_RE2 = "(?i)" + _SPACED.format("|".join(sorted(_FOREIGN_WORDS)))

# script name -> (char class, weight, language code or lingua family)
_SCRIPTS = {
    "han": ("\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff", 3, "zh"),
    "kana": ("\u3040-\u30ff", 3, "ja"),
    "hangul": ("\uac00-\ud7af\u1100-\u11ff\u3130-\u318f", 3, "ko"),
    "cyrillic": ("\u0400-\u04ff", 1, "cyrillic"),
    "arabic": ("\u0600-\u06ff", 1, "arabic"),
    "devanagari": ("\u0900-\u097f", 1, "hi"),
    "thai": ("\u0e00-\u0e7f", 1, "th"),
    "hebrew": ("\u0590-\u05ff", 1, "he"),
    "greek": ("\u0370-\u03ff", 1, "el"),
    "armenian": ("\u0530-\u058f", 1, "hy"),
    "georgian": ("\u10a0-\u10ff", 1, "ka"),
}
_SCRIPT_CHARS = {name: re.compile(f"[{chars}]") for name, (chars, _, _) in _SCRIPTS.items()}
_NON_LATIN = re.compile("[" + "".join(c for c, _, _ in _SCRIPTS.values()) + "]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")

_LINGUA_FAMILIES = {
    "latin": ("ENGLISH SPANISH GERMAN FRENCH ITALIAN PORTUGUESE DUTCH POLISH TURKISH VIETNAMESE "
              "INDONESIAN ROMANIAN CZECH SWEDISH HUNGARIAN CATALAN"),
    "cyrillic": "RUSSIAN UKRAINIAN BULGARIAN BELARUSIAN SERBIAN MACEDONIAN KAZAKH MONGOLIAN",
    "arabic": "ARABIC PERSIAN URDU",
}
_LINGUA_CODES = "es de fr it pt nl pl tr vi id ro cs sv hu ca ru uk bg be sr mk kk mn ar fa ur".split()
_SCRIPT_CODES = [code for _, _, code in _SCRIPTS.values() if len(code) == 2]
#: Every non-English language code the filter can report (``language:other`` covers the rest).
LANGUAGE_CODES: tuple[str, ...] = tuple(dict.fromkeys(_SCRIPT_CODES + _LINGUA_CODES))


@functools.lru_cache(maxsize=None)
def lingua_detector(family: str):
    """Return a lingua detector restricted to ``family``'s languages (built once per process).

    Low-accuracy mode (trigram models only) loads in about a second for all languages and is
    accurate on whole problem statements; the rows that reach it have several words of prose.
    """
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in _LINGUA_FAMILIES[family].split()]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


@functools.lru_cache(maxsize=None)
def _pair_detector(first: str, second: str):
    """High-accuracy lingua detector for two close candidates (n-gram models up to 5)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in (first, second)]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _lingua(text: str, family: str) -> str:
    """Top language of ``text`` among ``family`` as an ISO 639-1 code.

    English wins when its confidence is at least 0.2 (short math prose often reads ambiguous).
    When the two best candidates are close (top confidence below 0.7, e.g. Spanish/Portuguese),
    a high-accuracy detector restricted to those two decides.
    """
    values = lingua_detector(family).compute_language_confidence_values(text)
    if not values:
        return "und"
    codes = [v.language.iso_code_639_1.name.lower() for v in values]
    scores = dict(zip(codes, (v.value for v in values)))
    if family == "latin" and scores.get("en", 0.0) >= 0.2:
        return "en"
    if values[0].value < 0.7 and len(codes) > 1:
        best = _pair_detector(*sorted(codes[:2])).detect_language_of(text)
        if best is not None:
            return best.iso_code_639_1.name.lower()
    return codes[0]


def _cyrillic(prose: str) -> str:
    """Russian unless letters unique to another Cyrillic alphabet (or lingua) say otherwise:
    Russian is by far the most common Cyrillic language of math problem sources."""
    if re.search("[ыэё]", prose, re.I):
        return "ru"
    if re.search("[іїєґ]", prose, re.I):
        return "uk"
    code = _lingua(" ".join(_WORD.findall(prose)), "cyrillic")
    return code if code in ("bg", "sr", "mk", "kk", "mn", "be") and re.search("[ъјљњћђўқңөү]", prose, re.I) else "ru"


def detect_language(text: str | None) -> str:
    """Return the ISO 639-1 code of the problem's prose, ``und`` when there is too little prose.

    LaTeX math, ``[asy]`` code, commands and markup are removed first, so a LaTeX-heavy English
    problem is judged by its few English words.
    """
    prose = strip_math(strip_markup(_LINKS.sub(" ", text or "")))
    non_latin = _NON_LATIN.findall(prose)
    if non_latin:
        weighted = {}
        for name, (_, weight, _) in _SCRIPTS.items():
            count = sum(1 for ch in non_latin if _SCRIPT_CHARS[name].match(ch))
            if count:
                weighted[name] = count * weight
        latin = len(_LATIN_LETTER.findall(prose))
        total = sum(weighted.values())
        if len(non_latin) >= 2 and total >= 0.3 * (total + latin):
            script = max(weighted, key=weighted.get)
            if script in ("han", "kana"):
                return "ja" if "kana" in weighted else "zh"
            code = _SCRIPTS[script][2]
            if code == "cyrillic":
                return _cyrillic(prose)
            if code in _LINGUA_FAMILIES:
                letters = " ".join(_WORD.findall(prose))
                return _lingua(letters, code)
            return code
    words = [w for w in _WORD.findall(prose.lower()) if not _NON_LATIN.match(w)]
    english = sum(w in _EN_WORDS for w in words)
    foreign = sum(w in _FOREIGN_WORDS for w in words if len(w) > 1)
    long_words = [w for w in words if len(w) > 1]
    if len(long_words) < 3:
        return "en" if english and not foreign else "und"
    if english and not foreign and english >= 0.15 * len(long_words):
        return "en"
    if english >= 3 and english >= 3 * foreign and english >= 0.15 * len(long_words):
        return "en"
    return _lingua(" ".join(words), "latin")


@register_filter("language")
class Language(Filter):
    """Flag problems whose prose is not English; write the detected code to ``language``.

    Reasons:
        ``language:<iso>`` for each code in :data:`LANGUAGE_CODES` (``language:zh``,
        ``language:ru``, ``language:es``, ``language:de``, ``language:fr``, ...) and
        ``language:other`` (a non-Latin script outside that list).

    Reads ``problem``; writes ``is_non_english`` (bool) and ``language`` (string: ISO 639-1 code,
    ``und`` when the problem has almost no prose, e.g. ``Compute $2^{10}$.``; such rows are
    kept). Rule source: Big-Math ``signals/add_language_signal.py`` (strip LaTeX, detect), with
    the tiers described in the module docstring instead of calling all Latin-script text English.
    """

    name: ClassVar[str] = "language"
    reasons: ClassVar[tuple[str, ...]] = tuple(f"language:{code}" for code in LANGUAGE_CODES) + ("language:other",)
    columns: ClassVar[tuple[str, ...]] = ("problem",)
    signal: ClassVar[str | None] = "is_non_english"
    extra_signals: ClassVar[tuple[str, ...]] = ("language",)

    def setup(self) -> None:
        """Build the Latin-script lingua detector up front (it is otherwise built lazily)."""
        lingua_detector("latin")

    def apply(self, batch: Batch) -> Verdicts:
        problems = batch.column("problem")
        n = batch.num_rows
        ascii_rows = pc.fill_null(pc.string_is_ascii(problems), True)
        english = pc.count_substring_regex(problems, _EN_RE2)
        foreign = pc.match_substring_regex(problems, _FOREIGN_RE2)
        fast = pc.and_(ascii_rows, pc.and_(pc.greater_equal(english, 2), pc.invert(foreign)))
        fast = pc.fill_null(fast, False)
        codes: list[str] = ["en"] * n
        slow = pc.indices_nonzero(pc.invert(fast)).to_pylist()
        if slow:
            texts = problems.take(pa.array(slow, pa.int64())).to_pylist()
            for i, text in zip(slow, texts):
                codes[i] = detect_language(text)
        declared = set(LANGUAGE_CODES)
        reasons = [
            None if code in ("en", "und") else f"language:{code if code in declared else 'other'}"
            for code in codes
        ]
        return Verdicts(reasons, signals={"language": pa.array(codes, pa.string()),
                                          "is_non_english": pa.array([r is not None for r in reasons])})


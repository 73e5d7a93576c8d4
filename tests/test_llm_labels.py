"""Judge prompts and label parsing on real problems from the shared data (no model needed).

Quality of the judges needs a real model; here we check that every judge builds well-formed
conversations for >= 50 real problems each, that the few-shot examples are the rows their
headers cite, and that the label parser reads the replies models really give (and never turns
an unreadable reply into ``no``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bigmath.filters.judges import JUDGE_NAMES, PROMPTS_DIR
from bigmath.llm.generate import prompt_sha256
from bigmath.llm.labels import TIE, UNPARSEABLE, majority, parse_label, words
from bigmath.llm.prompts import PLACEHOLDER, PromptError, load_template, parse_template
from bigmath.stages.solve_rate import SolveRateStage
from bigmath.registry import get_filter


def _rows(shared_data: Path, rel: str) -> list[dict]:
    with open(shared_data / rel, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _with_options(question: str, options) -> str:
    """A multiple-choice row as one problem text: question, then its options."""
    if isinstance(options, dict):
        options = [f"({k}) {v}" for k, v in options.items()]
    if isinstance(options, list):
        options = " ".join(options)
    return f"{question}\n{options}"


def _real_problems(shared_data: Path, family: str) -> list[tuple[str, str | None]]:
    """(problem text, known label or None) for >= 50 real problems suited to ``family``."""
    math_rows = [(r["problem"], "no") for r in _rows(shared_data, "math/sample.jsonl")[:30]]
    if family == "multiple_choice":
        aqua = [(_with_options(r["question"], r["options"]), "yes") for r in _rows(shared_data, "labelled/aqua_test.jsonl")[:30]]
        return aqua + math_rows
    if family == "proof":
        proofs = [(r["problem"], "yes") for r in _rows(shared_data, "harp/proof_based.jsonl")[:30]]
        return proofs + math_rows
    if family == "yes_no":
        return [(r["problem"], None) for r in _rows(shared_data, "labelled/omni_math_gpteval100.jsonl")[:60]]
    return [(r["problem"], None) for r in _rows(shared_data, "omni_math/sample.jsonl")[:60]]


# How models phrase a one-word label in practice (case, punctuation, markdown, LaTeX, extra words).
_STYLES = [
    "{l}", "{L}.", "{U}", "**{L}**", "Answer: {L}", "\\boxed{{{l}}}", " {L}\n", "{L}, because the problem says so.",
    "The answer is {l}.", "'{l}'", "Label: {U}!", "{L}\n\nExplanation: it is what it is.", "\\boxed{{\\text{{{L}}}}}",
]


def _reply(label: str, k: int) -> str:
    return _STYLES[k % len(_STYLES)].format(l=label, L=label.capitalize(), U=label.upper())


@pytest.mark.parametrize("name", JUDGE_NAMES)
def test_prompts_and_parsing_on_real_problems(shared_data, name):
    judge = get_filter(name)()
    template = judge.template()
    problems = _real_problems(shared_data, judge.family)
    assert len(problems) >= 50
    prefix = [{"role": r, "content": c} for r, c in template.messages[:-1]]
    shas = set()
    for k, (problem, known) in enumerate(problems):
        conversation = template.render(problem)
        # the few-shot prefix is the same for every problem (prefix caching) ...
        assert conversation[:-1] == prefix
        # ... and the problem sits verbatim in the final user turn, placeholder replaced
        assert conversation[-1]["role"] == "user" and problem in conversation[-1]["content"]
        assert PLACEHOLDER not in conversation[-1]["content"].replace(problem, "")
        assert conversation[0]["role"] == "system"
        roles = [m["role"] for m in conversation[1:]]
        assert roles == ["user", "assistant"] * template.few_shot_pairs + ["user"]
        shas.add(prompt_sha256(conversation))
        label = known or ("yes" if k % 2 else "no")
        assert parse_label(_reply(label, k)) == label
    assert len(shas) == len({p for p, _ in problems})


def test_few_shot_examples_are_the_cited_rows(shared_data):
    cite = re.compile(r"^#\s+example (\d+) \((yes|no)\):\s+(\S+) line (\d+), fields? ([\w +]+)")
    checked = 0
    for name in JUDGE_NAMES:
        path = PROMPTS_DIR / f"{name}.txt"
        template = load_template(path)
        users = [c for r, c in template.messages[:-1] if r == "user"]
        answers = [c for r, c in template.messages[:-1] if r == "assistant"]
        for line in path.read_text(encoding="utf-8").splitlines():
            match = cite.match(line)
            if not match:
                continue
            index, label, rel, lineno, fields = match.groups()
            row = json.loads((shared_data / rel).read_text(encoding="utf-8").splitlines()[int(lineno) - 1])
            turn = users[int(index) - 1]
            for field in re.findall(r"question|options|problem", fields):
                values = row[field] if isinstance(row[field], list) else [row[field]]
                for value in values:
                    assert value.strip() in turn, f"{name} example {index}: {field} of {rel}:{lineno} not in prompt"
            assert answers[int(index) - 1] == label
            checked += 1
    assert checked >= 15  # every example of the five judges is cited


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("yes", "yes"), ("No", "no"), ("YES.", "yes"), ("**No**", "no"), ("Answer: Yes", "yes"),
        ("\\boxed{no}", "no"), ("No, the problem has no answer options.", "no"),
        ("Yes, although no options are printed.", "yes"), ("I think the answer is yes.", "yes"),
        ("y", "yes"), ("N", "no"), ("Nope", "no"), ("yeah", "yes"),
        # unreadable or ambiguous: never silently "no"
        ("", UNPARSEABLE), ("   ", UNPARSEABLE), (None, UNPARSEABLE), ("\n\n as as as", UNPARSEABLE),
        ("Maybe", UNPARSEABLE), ("It could be yes or no.", UNPARSEABLE), ("nothing known", UNPARSEABLE),
        ("Let n = 5", UNPARSEABLE), ("�\x05ion mathti", UNPARSEABLE), ("yesterday", UNPARSEABLE),
    ],
)
def test_parse_label(reply, expected):
    assert parse_label(reply) == expected


def test_words_strip_latex_and_markdown():
    assert words("**Answer:** \\boxed{\\text{Yes}}.") == ["answer", "yes"]


def test_majority_votes():
    assert majority(["yes", "no", "yes"]) == ("yes", {"no": 1, "yes": 2})
    assert majority(["yes", "no"])[0] == TIE
    assert majority([UNPARSEABLE, UNPARSEABLE])[0] == UNPARSEABLE
    assert majority([UNPARSEABLE, "no"]) == (TIE, {"no": 1, UNPARSEABLE: 1})
    # unreadable replies vote: one readable "yes" out of three is not a yes
    assert majority(["yes", UNPARSEABLE, UNPARSEABLE]) == (UNPARSEABLE, {"yes": 1, UNPARSEABLE: 2})
    assert majority(["yes", "yes", UNPARSEABLE])[0] == "yes"


def test_a_letter_inside_garbage_is_not_a_label():
    assert parse_label("\n\x0e\ufffd\ufffd y") == UNPARSEABLE
    assert parse_label("**Y**") == "yes" and parse_label(" n. ") == "no" and parse_label("y") == "yes"


def test_template_errors_name_file_and_line(tmp_path):
    with pytest.raises(PromptError, match="x.txt:2: unknown role 'bot'"):
        parse_template("=== system\n=== bot\nhi", "x.txt")
    with pytest.raises(PromptError, match="must contain"):
        parse_template("=== user\nno placeholder", "y.txt")
    with pytest.raises(PromptError, match="last block"):
        parse_template("=== user\n{problem}\n=== assistant\nyes", "z.txt")
    bad = tmp_path / "mine.txt"
    bad.write_text("stray text\n=== user\n{problem}\n")
    with pytest.raises(PromptError, match="mine.txt:1: text before"):
        load_template(str(bad))


def test_template_hash_ignores_comments_but_not_wording():
    base = parse_template("# a comment\n=== user\nQ: {problem}\n")
    assert parse_template("# another comment\n=== user\nQ: {problem}\n").sha256 == base.sha256
    assert parse_template("=== user\nQuestion: {problem}\n").sha256 != base.sha256
    solve_rate = SolveRateStage().template()
    assert solve_rate.render("1+1?") == [
        {"role": "system", "content": solve_rate.messages[0][1]},
        {"role": "user", "content": "1+1?"},
    ]


@pytest.mark.parametrize("name", JUDGE_NAMES)
def test_judges_are_declared(name):
    cls = get_filter(name)
    assert cls.name == name == f"judge_{cls.family}" and cls.device == "gpu"
    assert cls.reasons == (f"judge_{cls.family}:p_yes>=threshold", f"judge_{cls.family}:yes",
                           f"judge_{cls.family}:undecided")
    assert all(reason in cls.__doc__ for reason in cls.reasons) and "2502.17387" in cls.__doc__
    judge = cls()
    sampling = judge.sampling
    assert (sampling.temperature, sampling.max_tokens, sampling.samples) == (0.2, 5, 1)  # Big-Math's settings
    assert judge.sampling_params().choices == ("yes", "no")
    assert (judge.mode, judge.threshold, judge.top_logprobs) == ("auto", 0.5, 20)  # scores where the backend can
    assert judge.config()["prompt_sha256"] == judge.template().sha256

"""NuminaMath-CoT (Numina, 2024): ~860k competition and exam problems with GPT-4o CoT solutions."""

from __future__ import annotations

from typing import Any, ClassVar

from bigmath.registry import register_source
from bigmath.schema import Problem, Rejection
from bigmath.sources.base import EMPTY_PROBLEM, Source, boxed_answer, text_field, unmapped

NUMINA_CITATION = """@misc{numina_math_datasets,
  author = {Jia LI and Edward Beeching and Lewis Tunstall and Ben Lipkin and Roman Soletskyi and Shengyi Costa Huang and Kashif Rasul and Longhui Yu and Albert Jiang and Ziju Shen and Zihan Qin and Bin Dong and Li Zhou and Yann Fleureau and Guillaume Lample and Stanislas Polu},
  title = {NuminaMath},
  year = {2024},
  publisher = {Numina},
  journal = {Hugging Face repository},
  howpublished = {\\url{https://github.com/project-numina/aimo-progress-prize/blob/main/report/numina_dataset.pdf}}
}"""


def messages_are_redundant(row: dict[str, Any]) -> bool:
    """True when ``row["messages"]`` is exactly [user: problem, assistant: solution] (then it adds nothing)."""
    messages = row.get("messages")
    if not isinstance(messages, list) or len(messages) != 2:
        return False
    try:
        return (
            messages[0]["role"] == "user" and messages[0]["content"] == row.get("problem")
            and messages[1]["role"] == "assistant" and messages[1]["content"] == row.get("solution")
        )
    except (KeyError, TypeError):
        return False


@register_source("numinamath_cot")
class NuminaMathCoT(Source):
    r"""``AI-MO/NuminaMath-CoT`` rows (``source, problem, solution, messages``).

    Pinned at commit ``9d8d210`` (Hub ``main`` when the dataset was last modified, 2024-11-25;
    licence Apache-2.0 at that revision; earlier revisions said CC-BY-NC-4.0). Splits ``train``
    (859,494 rows, streamed) and ``test`` (100).

    Mapping: answer = content of the solution's last ``\boxed{}`` (null when there is none or it is
    empty); ``subset`` = native ``source`` (``cn_k12``, ``olympiads``, ``amc_aime``, ``aops_forum``,
    ``synthetic_math``, ``synthetic_amc``, ``orca_math``, ``gsm8k``, ``math``); ``source_id`` =
    ``<split>/<row index>`` (upstream has no id). ``messages`` repeats problem and solution; it is
    kept in ``meta`` only when it differs from them (``meta.messages_redundant`` says which).

    Reasons: ``adapter:empty_problem``.
    """

    name: ClassVar[str] = "numinamath_cot"
    hub_id: ClassVar[str | None] = "AI-MO/NuminaMath-CoT"
    default_revision: ClassVar[str | None] = "9d8d210c9f6a36c8f3cd84045668c9b7800ef517"
    splits: ClassVar[tuple[str, ...]] = ("train", "test")
    license: ClassVar[str] = "Apache-2.0"
    citation: ClassVar[str] = NUMINA_CITATION
    native_fields: ClassVar[tuple[str, ...]] = ("source", "problem", "solution", "messages")
    reasons: ClassVar[tuple[str, ...]] = (EMPTY_PROBLEM,)
    streaming: ClassVar[bool] = True

    def map_row(self, row: dict[str, Any], index: int, unit: str | None = None) -> Problem | Rejection:
        """Map one NuminaMath-CoT row (see the class docstring for the rules)."""
        source_id = self.row_id(index, unit)
        problem = text_field(row, "problem")
        if problem is None:
            return self.reject(EMPTY_PROBLEM, row, source_id)
        solution = text_field(row, "solution")
        meta = unmapped(row, ("problem", "solution", "source", "messages"))
        if "messages" in row:
            redundant = messages_are_redundant(row)
            meta["messages_redundant"] = redundant
            if not redundant:
                meta["messages"] = row["messages"]
        return self.make_problem(
            source_id=source_id,
            problem=problem,
            answer=boxed_answer(solution),
            solution=solution,
            subset=text_field(row, "source"),
            meta=meta,
        )

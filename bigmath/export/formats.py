r"""Pure row mappers from kept problems to the dataset layouts RL and SFT trainers read.

Each mapper takes one kept row (a dict with the core columns of
:data:`bigmath.schema.PROBLEM_SCHEMA`), the split it goes to and its index in that split, and
returns one output row, or raises :class:`RowExcluded` with a reason (``export:no_answer``,
``export:no_solution``) that the writer records in ``excluded.parquet``. Every format has a fixed
Arrow schema, so keys and types are identical on every row (verl concatenates ``extra_info`` dicts
across rows and fails on ragged keys).

Formats:

* ``verl``: the layout of verl's data preprocessing examples
  (volcengine/verl ``examples/data_preprocess/gsm8k.py`` and ``math_dataset.py``): ``data_source``,
  ``prompt`` (chat messages), ``ability: "math"``, ``reward_model: {style: "rule", ground_truth}``,
  ``extra_info: {id, source, split, index, problem}`` (``problem``: the problem text, which
  ``bigmath.rewards.verl_compute_score`` reads for the echo rule).
* ``trl-grpo``: TRL's conversational *prompt-only* type (TRL docs, "Dataset formats and types"):
  ``prompt`` (chat messages) plus ``answer``; GRPOTrainer passes every extra column to reward
  functions as keyword arguments, so ``bigmath.rewards.trl_accuracy`` receives ``answer``.
* ``openrlhf``: one input column and one label column, read by OpenRLHF's ``PromptDataset``
  (OpenRLHF/OpenRLHF ``openrlhf/datasets/prompts_dataset.py``) through ``--input_key`` and
  ``--label_key``; the input is chat messages (for ``--apply_chat_template``) or a plain string.
  ``datasource`` is the per-row source name OpenRLHF reads for per-source metrics.
* ``sft``: TRL's conversational *language modeling* type: ``messages`` = user problem, assistant
  solution (or a verified-correct rollout when the build has a rollouts column).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pyarrow as pa

#: The instruction verl's ``examples/data_preprocess/math_dataset.py`` appends to MATH problems;
#: it asks for the ``\boxed{}`` answer that ``bigmath.rewards`` extracts.
DEFAULT_INSTRUCTION = "Let's think step by step and output the final answer within \\boxed{}."

MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])
MESSAGES = pa.list_(MESSAGE)


class RowExcluded(Exception):
    """Raised by a mapper for a row the format cannot hold; ``reason`` is ``export:<detail>``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class ExportOptions:
    """Settings shared by the mappers.

    Attributes:
        instruction: text appended (after a blank line) to every problem in the user message;
            "" for none.
        system_prompt: optional system message put before the user message.
        input_key: ``openrlhf`` input column name (OpenRLHF ``--input_key``).
        label_key: ``openrlhf`` label column name (OpenRLHF ``--label_key``).
        chat: ``openrlhf`` input as chat messages (True) or as a plain string (False).
        sft_target: ``sft`` assistant turn: ``solution``, ``rollout`` or ``auto`` (the reference
            solution when there is one, else the first verified-correct rollout).
        rollouts_column: column of verified-correct rollouts (list<string>); None = the solve-rate
            stage's ``solve_rate_<alias>_correct_rollouts`` when the build has one. Absent
            columns are treated as empty.
    """

    instruction: str = DEFAULT_INSTRUCTION
    system_prompt: str | None = None
    input_key: str = "input"
    label_key: str = "label"
    chat: bool = True
    sft_target: str = "auto"
    rollouts_column: str | None = None

    def __post_init__(self) -> None:
        if self.sft_target not in ("auto", "solution", "rollout"):
            raise ValueError(f"sft_target must be auto, solution or rollout, got {self.sft_target!r}")
        if self.input_key == self.label_key:
            raise ValueError(f"input_key and label_key are both {self.input_key!r}")


def user_content(problem: str, options: ExportOptions) -> str:
    """Return the user message: the problem, then the instruction after a blank line."""
    problem = problem.strip()
    return f"{problem}\n\n{options.instruction}" if options.instruction else problem


def prompt_messages(row: dict[str, Any], options: ExportOptions) -> list[dict[str, str]]:
    """Return the chat prompt of ``row``: optional system message, then the user message."""
    messages = [{"role": "system", "content": options.system_prompt}] if options.system_prompt else []
    messages.append({"role": "user", "content": user_content(row["problem"], options)})
    return messages


def _answer(row: dict[str, Any]) -> str:
    answer = row.get("answer")
    if answer is None or not str(answer).strip():
        raise RowExcluded("export:no_answer")
    return str(answer)


def verl_row(row: dict[str, Any], split: str, index: int, options: ExportOptions) -> dict[str, Any]:
    """Map one kept row to verl's RL layout (see the module docstring)."""
    return {
        "data_source": row["source"],
        "prompt": prompt_messages(row, options),
        "ability": "math",
        "reward_model": {"style": "rule", "ground_truth": _answer(row)},
        "extra_info": {"id": row["id"], "source": row["source"], "split": split, "index": index,
                       "problem": row["problem"]},
    }


def trl_grpo_row(row: dict[str, Any], split: str, index: int, options: ExportOptions) -> dict[str, Any]:
    """Map one kept row to TRL GRPOTrainer's conversational prompt-only layout plus ``answer``."""
    return {"prompt": prompt_messages(row, options), "answer": _answer(row), "id": row["id"], "source": row["source"]}


def openrlhf_row(row: dict[str, Any], split: str, index: int, options: ExportOptions) -> dict[str, Any]:
    """Map one kept row to OpenRLHF's ``--input_key``/``--label_key`` layout."""
    if options.chat:
        prompt: Any = prompt_messages(row, options)
    else:
        prompt = user_content(row["problem"], options)
        if options.system_prompt:
            prompt = f"{options.system_prompt}\n\n{prompt}"
    return {options.input_key: prompt, options.label_key: _answer(row), "datasource": row["source"], "id": row["id"]}


def sft_target(row: dict[str, Any], options: ExportOptions) -> tuple[str, str]:
    """Return ``(kind, text)`` of the assistant turn for ``row`` (kind ``solution`` or ``rollout``).

    Raises:
        RowExcluded: ``export:no_rollout`` (``sft_target="rollout"``) or ``export:no_solution``
            when the chosen target is missing or empty.
    """
    solution = (row.get("solution") or "").strip()
    column = options.rollouts_column
    rollouts = [r for r in ((row.get(column) if column else None) or []) if r and r.strip()]
    if options.sft_target in ("auto", "solution") and solution:
        return "solution", solution
    if options.sft_target in ("auto", "rollout") and rollouts:
        return "rollout", rollouts[0].strip()
    raise RowExcluded("export:no_rollout" if options.sft_target == "rollout" else "export:no_solution")


def sft_row(row: dict[str, Any], split: str, index: int, options: ExportOptions) -> dict[str, Any]:
    """Map one kept row to a conversational SFT example (``messages``: prompt, then assistant)."""
    kind, text = sft_target(row, options)
    messages = prompt_messages(row, options) + [{"role": "assistant", "content": text}]
    return {"messages": messages, "id": row["id"], "source": row["source"], "target": kind}


@dataclasses.dataclass(frozen=True)
class ExportFormat:
    """One export format.

    Attributes:
        name: CLI name (``--format``).
        mapper: pure row mapper ``(row, split, index, options) -> dict`` (may raise RowExcluded).
        schema: ``options -> pa.Schema`` of the output rows.
        prompt: ``(output row, options) -> messages or str``: what a trainer tokenizes as the
            prompt, used by the max-prompt-length filter.
        trainer: the trainer and the options it reads this layout with (for docs and messages).
        uses: the :class:`ExportOptions` fields this format reads beyond ``instruction`` and
            ``system_prompt`` (recorded in ``export.json``).
    """

    name: str
    mapper: Callable[[dict[str, Any], str, int, ExportOptions], dict[str, Any]]
    schema: Callable[[ExportOptions], pa.Schema]
    prompt: Callable[[dict[str, Any], ExportOptions], Any]
    trainer: str
    uses: tuple[str, ...] = ()

    def options_used(self, options: ExportOptions) -> dict[str, Any]:
        """The options that shaped this export, for ``export.json``."""
        return {k: getattr(options, k) for k in ("instruction", "system_prompt", *self.uses)}


def _verl_schema(options: ExportOptions) -> pa.Schema:
    return pa.schema(
        [
            ("data_source", pa.string()),
            ("prompt", MESSAGES),
            ("ability", pa.string()),
            ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
            (
                "extra_info",
                pa.struct(
                    [("id", pa.string()), ("source", pa.string()), ("split", pa.string()), ("index", pa.int64()),
                     ("problem", pa.string())]
                ),
            ),
        ]
    )


def _trl_schema(options: ExportOptions) -> pa.Schema:
    return pa.schema([("prompt", MESSAGES), ("answer", pa.string()), ("id", pa.string()), ("source", pa.string())])


def _openrlhf_schema(options: ExportOptions) -> pa.Schema:
    input_type = MESSAGES if options.chat else pa.string()
    return pa.schema(
        [
            (options.input_key, input_type),
            (options.label_key, pa.string()),
            ("datasource", pa.string()),
            ("id", pa.string()),
        ]
    )


def _sft_schema(options: ExportOptions) -> pa.Schema:
    return pa.schema([("messages", MESSAGES), ("id", pa.string()), ("source", pa.string()), ("target", pa.string())])


FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat("verl", verl_row, _verl_schema, lambda r, o: r["prompt"], "verl (data.prompt_key=prompt)"),
        ExportFormat("trl-grpo", trl_grpo_row, _trl_schema, lambda r, o: r["prompt"], "TRL GRPOTrainer"),
        ExportFormat(
            "openrlhf",
            openrlhf_row,
            _openrlhf_schema,
            lambda r, o: r[o.input_key],
            "OpenRLHF (--input_key/--label_key)",
            ("input_key", "label_key", "chat"),
        ),
        ExportFormat("sft", sft_row, _sft_schema, lambda r, o: r["messages"][:-1], "TRL SFTTrainer (messages)",
                     ("sft_target", "rollouts_column")),
    )
}


def get_format(name: str) -> ExportFormat:
    """Return the export format called ``name``.

    Raises:
        ValueError: unknown name; the message lists the known formats.
    """
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown export format {name!r}; known formats: {', '.join(FORMATS)}") from None

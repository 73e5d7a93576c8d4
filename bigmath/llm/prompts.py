"""Prompt templates: chat conversations stored as text files beside the code that uses them.

The judge prompts live in ``filters/prompts/`` (with the judge filters), the solve-rate prompt in
``bigmath/stages/prompts/`` (with the solve-rate stage); a user's own template is any file.

File format::

    # comment lines (sources of the few-shot examples, file and line) -- not sent to the model
    === system
    You label math problems ...
    === user
    Problem:
    <a few-shot problem>
    === assistant
    yes
    === user
    Problem:
    {problem}

Blocks start with ``=== <role>``; the last block must be a ``user`` turn holding the
placeholder ``{problem}`` (replaced verbatim, so LaTeX braces need no escaping). Every
conversation built from one template shares the same prefix (system + few-shot turns), which
vLLM's prefix caching computes once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from bigmath.llm.base import Conversation

PLACEHOLDER = "{problem}"
_ROLES = ("system", "user", "assistant")


class PromptError(ValueError):
    """A prompt template file is malformed; the message names the file and line."""


@dataclasses.dataclass(frozen=True)
class PromptTemplate:
    """A parsed template.

    Attributes:
        name: file stem, e.g. ``judge_proof``.
        messages: the turns, the last one a user turn containing :data:`PLACEHOLDER`.
        sha256: hash of the turns (comments excluded); part of the request-cache key and of
            the stage fingerprint, so editing the wording invalidates cached replies.
    """

    name: str
    messages: tuple[tuple[str, str], ...]
    sha256: str

    def render(self, problem: str) -> Conversation:
        """The conversation for one problem (the placeholder replaced by ``problem``)."""
        turns = [{"role": role, "content": content} for role, content in self.messages]
        turns[-1]["content"] = turns[-1]["content"].replace(PLACEHOLDER, problem)
        return turns

    @property
    def few_shot_pairs(self) -> int:
        """Number of (user, assistant) example pairs before the final user turn."""
        return sum(1 for role, _ in self.messages[:-1] if role == "assistant")


def parse_template(text: str, name: str = "<string>") -> PromptTemplate:
    """Parse template ``text`` (see the module docstring).

    Raises:
        PromptError: unknown role, text outside a block, no final user turn with the placeholder.
    """
    messages: list[tuple[str, list[str]]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.startswith("=== "):
            role = line[4:].strip()
            if role not in _ROLES:
                raise PromptError(f"{name}:{lineno}: unknown role {role!r}; use one of {_ROLES}")
            messages.append((role, []))
        elif not messages:
            if line.strip() and not line.startswith("#"):
                raise PromptError(f"{name}:{lineno}: text before the first '=== <role>' line")
        else:
            messages[-1][1].append(line)
    turns = tuple((role, "\n".join(lines).strip("\n")) for role, lines in messages)
    if not turns or turns[-1][0] != "user":
        raise PromptError(f"{name}: the last block must be '=== user'")
    if PLACEHOLDER not in turns[-1][1]:
        raise PromptError(f"{name}: the last user block must contain {PLACEHOLDER}")
    if any(PLACEHOLDER in content for _, content in turns[:-1]):
        raise PromptError(f"{name}: {PLACEHOLDER} may only appear in the last user block")
    digest = hashlib.sha256(json.dumps(turns, ensure_ascii=False).encode("utf-8")).hexdigest()
    return PromptTemplate(name, turns, digest)


def resolve_template(name_or_path: str | Path, folder: Path) -> Path:
    """The template file for ``name_or_path``: a path to a ``.txt`` file as given, else the
    bundled template ``<folder>/<name>.txt`` (e.g. ``judge_proof`` in ``filters/prompts``)."""
    path = Path(name_or_path)
    return path if path.suffix == ".txt" else folder / f"{name_or_path}.txt"


@lru_cache(maxsize=64)
def load_template(path: str | Path) -> PromptTemplate:
    """Load and parse the template file at ``path`` (see :func:`resolve_template` for names).

    Raises:
        PromptError: the file does not exist or is malformed.
    """
    path = Path(path)
    if not path.is_file():
        raise PromptError(f"prompt template not found: {path}")
    return parse_template(path.read_text(encoding="utf-8"), str(path))

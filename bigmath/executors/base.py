"""The executor interface: run the unfinished shard tasks of one stage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from bigmath.pipeline.stage import Stage, StageContext
from bigmath.pipeline.workdir import ShardTask


class Executor(Protocol):
    """Runs shard tasks; implementations: local process pool, Ray Data."""

    name: str
    workers: int

    def run_stage(
        self,
        stage: Stage,
        ctx: StageContext,
        tasks: list[ShardTask],
        on_done: Callable[[ShardTask, dict[str, Any]], None],
    ) -> None:
        """Process every task in ``tasks`` (none is done yet) and call ``on_done(task, stats)``
        after each shard's outputs and done marker are written. Order of completion may vary;
        outputs do not depend on it."""

    def close(self) -> None:
        """Release workers / cluster connections."""

"""Run a build whose filter stage sleeps per shard, so a test can SIGKILL it mid-stage.

Usage: python slow_build.py RECIPE.yaml OUT_DIR SECONDS_PER_SHARD
The ``slow_filters`` stage is the real ``filters`` stage plus a sleep; its config (and so its
fingerprint and output) does not include the sleep, so a rerun with 0 seconds resumes it.
"""

from __future__ import annotations

import sys
import time
from typing import ClassVar

from bigmath.pipeline.engine import build
from bigmath.pipeline.recipe import load_recipe
from bigmath.stages.filters import FilterStage
from bigmath.registry import register_stage

DELAY = float(sys.argv[3])


@register_stage("slow_filters")
class SlowFilters(FilterStage):
    name: ClassVar[str] = "slow_filters"

    def process(self, table, ctx):
        time.sleep(DELAY)
        return super().process(table, ctx)


if __name__ == "__main__":
    result = build(load_recipe(sys.argv[1]), sys.argv[2])
    print("RUN", result.shards_run, "CACHED", result.shards_cached, flush=True)

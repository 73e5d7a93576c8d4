"""Plan a build: one entry per stage with its fingerprint, folder and whether it can run here.

Fingerprints chain: ``fp(ingest) = H(sources, shard_size, limit, version)`` and
``fp(stage i) = H(stage config, skipped?, version, fp(stage i-1))``. Changing one threshold
changes that stage's fingerprint and every later one, so exactly those stages rerun; the folders
of earlier stages are reused as they are.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from bigmath import __version__
from bigmath.pipeline.ingest import INGEST
from bigmath.pipeline.recipe import Recipe
from bigmath.pipeline.stage import Stage, StageContext, StageSkipped
from bigmath.pipeline.workdir import fingerprint, input_identity, stage_dir_name


@dataclasses.dataclass
class PlannedStage:
    """One step of a build.

    Attributes:
        index: position (0 = ingest).
        label: stage label (``ingest``, ``rule_filters``, ...).
        stage: the stage object (None for ingest).
        fingerprint: sha256 hex of the chained config.
        dir: the stage's work folder.
        skipped: why the stage cannot run here (rows pass through), or None.
    """

    index: int
    label: str
    stage: Stage | None
    fingerprint: str
    dir: Path
    skipped: str | None = None


def detect_gpu() -> bool:
    """True when a CUDA device is visible to torch (``BIGMATH_GPU=0/1`` overrides)."""
    forced = os.environ.get("BIGMATH_GPU")
    if forced is not None:
        return forced.strip() not in ("", "0", "false", "no")
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def ingest_config(recipe: Recipe, limit: int | None) -> dict[str, Any]:
    """What the ingest fingerprint covers: each source's config and input identity, shard size, limit."""
    sources = []
    for spec, source in zip(recipe.config()["sources"], recipe.sources):
        sources.append({**spec, "input": input_identity(getattr(source, "path", None))})
    return {"sources": sources, "shard_size": recipe.shard_size, "limit": limit}


def make_plan(recipe: Recipe, out_dir: Path, *, limit: int | None, gpu_available: bool) -> list[PlannedStage]:
    """Return the planned stages (ingest first) with fingerprints and folders under ``out_dir``."""
    fp = fingerprint(ingest_config(recipe, limit), version=__version__)
    plan = [PlannedStage(0, INGEST, None, fp, out_dir / stage_dir_name(0, INGEST, fp))]
    for i, stage in enumerate(recipe.stages, start=1):
        ctx = StageContext(stage_dir=out_dir, inputs=[], cache_dir=out_dir / "cache", out_dir=out_dir,
                           gpu_available=gpu_available)
        skipped = None
        label = stage.label()
        try:
            stage.check(ctx)
        except StageSkipped as exc:
            skipped = (str(exc) or "cannot run here").removeprefix(f"{label}: ").removeprefix(f"{stage.name}: ")
        fp = fingerprint({"stage": stage.config(), "skipped": skipped is not None}, version=__version__, upstream=fp)
        plan.append(PlannedStage(i, label, stage, fp, out_dir / stage_dir_name(i, label, fp), skipped))
    return plan

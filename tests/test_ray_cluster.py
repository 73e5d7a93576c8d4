"""A real two-node Ray cluster on this machine: a head node and a worker node, each its own set of
processes (GCS and raylet for the head, raylet for the worker, one CPU each), started with
``ray.cluster_utils.Cluster``. A build joins it by address (what ``bigmath build --executor ray
--address HOST:PORT`` does), its shard tasks and embedding actors run on both nodes, and the
outputs are byte-identical to the local executor's.

The rule-filter and embed stages here are the real ones plus a line in ``process`` that records
which Ray node ran each shard (into a side folder, never into the outputs).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from bigmath.registry import register_stage
from bigmath.stages.embed import EmbedStage
from bigmath.stages.filters import FilterStage


def _record(stage, ctx) -> None:
    import ray

    in_worker = ray.is_initialized() and ray.get_runtime_context().worker.mode == ray.WORKER_MODE
    node = ray.get_runtime_context().get_node_id() if in_worker else f"driver-{os.getpid()}"
    folder = Path(ctx.out_dir).parent / f"nodes-{Path(ctx.out_dir).name}"
    folder.mkdir(exist_ok=True)
    with open(folder / f"{stage.label()}.txt", "a") as handle:
        handle.write(f"{ctx.shard_index} {node}\n")


@register_stage("node_filters")
class NodeFilters(FilterStage):
    """``filters`` that also records the Ray node of each shard."""

    name: ClassVar[str] = "node_filters"

    def process(self, table, ctx):
        _record(self, ctx)
        return super().process(table, ctx)


@register_stage("node_embed")
class NodeEmbed(EmbedStage):
    """``embed`` that also records the Ray node of each shard."""

    name: ClassVar[str] = "node_embed"

    def process(self, table, ctx):
        _record(self, ctx)
        return super().process(table, ctx)


def _nodes(out: Path, label: str) -> set[str]:
    lines = (out.parent / f"nodes-{out.name}" / f"{label}.txt").read_text().split()
    return set(lines[1::2])


@pytest.fixture(scope="module")
def two_nodes():
    """A head node and a worker node (1 CPU each, separate raylets); yields (address, node ids)."""
    import ray
    from ray import cloudpickle
    from ray.cluster_utils import Cluster

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import a test module
    small = {"num_cpus": 1, "object_store_memory": 80 * 2**20}
    cluster = Cluster(initialize_head=True, head_node_args={**small, "include_dashboard": False})
    cluster.add_node(**small)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level="WARNING")
    nodes = {n["NodeID"] for n in ray.nodes() if n["Alive"]}
    yield cluster.address, nodes
    ray.shutdown()
    cluster.shutdown()


def test_build_on_two_nodes_is_byte_identical_to_local(build_recipes, tmp_path, shared_data, two_nodes):
    from bigmath.executors.ray import RayExecutor
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import load_recipe

    address, node_ids = two_nodes
    assert len(node_ids) == 2
    stages = [{"type": "exact_dedup"}, {"type": "node_embed", "stage_name": "embed"},
              {"type": "semdedup", "similarity_threshold": 0.95}]
    path = build_recipes.write_recipe(tmp_path, shared_data, name="two-nodes", stage_type="node_filters",
                                      filters=[{"type": "proof"}, {"type": "multiple_choice"}], shard_size=15,
                                      extra_stages=stages, limit=30)
    recipe = load_recipe(path)
    local = build(recipe, tmp_path / "local", workers=1)
    on_ray = build(recipe, tmp_path / "ray", workers=2, executor=RayExecutor(workers=2, address=address))
    assert build_recipes.digest(tmp_path / "ray") == build_recipes.digest(tmp_path / "local")
    assert (tmp_path / "ray" / "stats.json").read_text() == (tmp_path / "local" / "stats.json").read_text()
    assert on_ray.shards_run == local.shards_run and on_ray.shards_run["rule_filters"] >= 4
    # shard tasks (rule filters) and embedding actors ran on both nodes, and nowhere else
    assert _nodes(tmp_path / "ray", "rule_filters") == node_ids
    assert _nodes(tmp_path / "ray", "embed") == node_ids
    assert _nodes(tmp_path / "local", "rule_filters") == {f"driver-{os.getpid()}"}  # workers=1: in-process
    semdedup = on_ray.stats["stages"][-1]
    assert semdedup["name"] == "semdedup" and not semdedup["skipped"]

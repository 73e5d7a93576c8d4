"""Recipes that end in train and evaluate stages: sources to a trained, evaluated model in one build."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from bigmath.pipeline.engine import build
from bigmath.pipeline.recipe import recipe_from_dict


def _recipe(shared_data, tiny_model) -> dict:
    model = str(tiny_model)
    eval_settings = {"benchmark": "gsm8k", "n": 2, "max_tokens": 4, "threads": 1,
                     "data_dir": str(shared_data / "labelled")}
    return {
        "name": "train-stages",
        "sources": [{"type": "math", "path": str(shared_data / "math" / "sample.jsonl"), "limit": 8}],
        "stages": [
            {"type": "filters", "stage_name": "rule_filters", "filters": [{"type": "proof"}]},
            {"type": "evaluate", "stage_name": "eval_base", "model": model, "settings": eval_settings},
            {"type": "train", "stage_name": "sft", "method": "sft",
             "settings": {"model": model, "max_steps": 1, "batch_size": 2, "max_length": 128, "threads": 1}},
            {"type": "train", "stage_name": "rl", "method": "grpo", "start_from": "sft",
             "settings": {"max_steps": 1, "prompts_per_step": 2, "num_generations": 2, "max_completion_length": 4,
                          "threads": 1}},
            {"type": "evaluate", "stage_name": "eval_rl", "model_from": "rl", "settings": eval_settings},
        ],
    }


def test_a_recipe_goes_from_sources_to_an_evaluated_model(shared_data, tiny_model, tmp_path):
    recipe = recipe_from_dict(_recipe(shared_data, tiny_model))
    out = tmp_path / "out"
    build(recipe, out, console=Console(quiet=True))
    stats = json.loads((out / "stats.json").read_text())
    by_name = {s["name"]: s for s in stats["stages"]}
    kept = by_name["rule_filters"]["kept"]
    for name in ("eval_base", "sft", "rl", "eval_rl"):  # the rows pass through
        assert by_name[name]["kept"] == kept and by_name[name]["rejected"] == 0
    assert by_name["sft"]["extra"] == {"train_rows": kept, "train_steps": 1}
    assert by_name["eval_rl"]["extra"]["eval_problems"] == 2 and "eval_correct" in by_name["eval_rl"]["extra"]
    sft, rl = (json.loads((out / "models" / n / "train.json").read_text()) for n in ("sft", "rl"))
    assert sft["kind"] == "sft" and rl["kind"] == "grpo"
    assert rl["model"]["resolved"] == str(out / "models" / "sft" / "model")  # GRPO started from the SFT model
    evaluated = json.loads((out / "eval" / "eval_rl" / "eval.json").read_text())
    assert evaluated["model"]["resolved"] == str(out / "models" / "rl" / "model")
    assert (out / "eval" / "eval_base" / "results.jsonl").is_file()
    trained_at = (out / "models" / "rl" / "train.json").stat().st_mtime_ns
    again = build(recipe, out, console=Console(quiet=True))  # unchanged: nothing retrains
    assert sum(again.shards_run.values()) == 0
    assert (out / "models" / "rl" / "train.json").stat().st_mtime_ns == trained_at


def test_stage_settings_are_validated_with_the_recipe(shared_data, tiny_model):
    from bigmath.pipeline.components import RecipeError

    data = _recipe(shared_data, tiny_model)
    data["stages"][3]["settings"]["batch_size"] = 4  # an SFT setting on a GRPO stage
    with pytest.raises(RecipeError, match="batch_size"):
        recipe_from_dict(data)
    data = _recipe(shared_data, tiny_model)
    data["stages"][4]["model"] = "smollm2-135m-instruct"
    with pytest.raises(RecipeError, match="exactly one of model"):
        recipe_from_dict(data)


def test_the_demo_train_recipe_validates(repo_root):
    from bigmath.pipeline.recipe import load_recipe

    recipe = load_recipe(repo_root / "pipelines" / "demo_train.yaml")
    labels = [stage.label() for stage in recipe.stages]
    assert labels[-4:] == ["eval_base", "sft", "grpo", "eval_grpo"]
    assert recipe.stages[-2].start_from == "sft" and recipe.stages[-1].model_from == "grpo"


def test_a_model_label_typo_is_refused_when_the_recipe_is_read(shared_data):
    """A new-user trial: `start_from: stf` ran the stages before it and failed only then."""
    from bigmath.pipeline.components import RecipeError
    from bigmath.pipeline.recipe import recipe_from_dict

    source = {"type": "math", "path": str(shared_data / "math" / "sample.jsonl"), "limit": 5}
    train = {"type": "train", "stage_name": "sft", "method": "sft", "settings": {"max_steps": 1}}
    for stage, key in (({"type": "train", "stage_name": "grpo", "method": "grpo", "start_from": "stf"}, "start_from"),
                       ({"type": "evaluate", "stage_name": "ev", "model_from": "stf"}, "model_from")):
        with pytest.raises(RecipeError, match=rf"{key} 'stf' is not the label of a train stage before it "
                                              r"\(train stages before it: sft\)"):
            recipe_from_dict({"name": "t", "sources": [source], "stages": [train, stage]})

"""The one runner behind every single-purpose command (``filter``, ``dedup``, ``decontaminate``,
``judge``, ``ingest``, ...): build a recipe in memory and run it with the build engine.

So every command writes the same outputs as ``bigmath build`` (``kept.parquet``,
``rejected.parquet``, ``stats.json``, ``funnel.md``, ``build.json``), resumes the same way after a
crash (finished shards and the embedding / LLM request caches are reused), shows the same
progress bars and keeps the same ledger. ``--dry-run`` prints the recipe instead, as YAML a user
can save and run with ``bigmath build``.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Optional

import typer
from pydantic import BaseModel, ValidationError

from bigmath.cli.app import console, fail
from bigmath.cli.options import FieldOption, flag_errors, flag_paths, merge, nest, parse_sets


def input_parameter(help_text: str = "Problems parquet: a build's kept.parquet (or its folder), or any parquet "
                                     "with id and problem columns.") -> inspect.Parameter:
    """The ``IN`` argument of commands that read common-schema problems."""
    return inspect.Parameter("input_path", inspect.Parameter.KEYWORD_ONLY, annotation=Path,
                             default=typer.Argument(..., metavar="IN", help=help_text))


def run_parameters() -> list[inspect.Parameter]:
    """The options every single-purpose command shares (output folder, workers, resume, dry run)."""
    specs: list[tuple[str, Any, Any]] = [
        ("out", Path, typer.Option(..., "--out", "-o", help="Output folder (kept.parquet, rejected.parquet, "
                                                             "stats.json, funnel.md, build.json).")),
        ("workers", int, typer.Option(1, "--workers", "-w", min=1, help="Worker processes for CPU stages.")),
        ("limit", Optional[int], typer.Option(None, "--limit", min=1, help="Read at most N input rows.")),
        ("shard_size", Optional[int], typer.Option(None, "--shard-size", min=1,
                                                   help="Rows per shard, the unit of parallelism and resume "
                                                        "[default: 10000].")),
        ("force", bool, typer.Option(False, "--force", help="Recompute every stage (request caches are kept).")),
        ("dry_run", bool, typer.Option(False, "--dry-run", help="Print the recipe this command runs (YAML for "
                                                                   "`bigmath build`) and do nothing.")),
        ("cache_dir", Optional[Path], typer.Option(None, "--cache-dir", help="Embedding and LLM request caches "
                                                                          "(default OUT/cache); share one between runs.")),
        ("set_values", Optional[list[str]], typer.Option(None, "--set", metavar="KEY=VALUE",
                                                         help="Any stage setting, nested ones too "
                                                              "(--set sampling.samples=4); repeatable.")),
    ]
    return [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=info)
            for name, kind, info in specs]


def build_component(kind: str, name: str, spec: dict[str, Any], options: list[FieldOption], group: str,
                    nested: dict[str, str] | None = None) -> BaseModel:
    """Validate ``spec`` as the registered ``kind`` ``name``; errors name the user's flags
    (``nested``: other option groups inside this spec and their keys, see :func:`flag_errors`).

    Raises:
        typer.Exit: invalid values (the message names the flag, or ``--set KEY``).
    """
    from bigmath import registry
    from bigmath.pipeline.components import RecipeError

    cls = registry.get(kind, name)
    resolve = getattr(cls, "resolve_components", None)
    try:
        if resolve is not None:  # nested components (judges, filters): errors come as "judges[0].x: ..."
            spec = resolve(spec, "")
        return cls.model_validate(spec)
    except ValidationError as exc:
        raise fail(flag_errors(exc, options, group, given=spec, nested=nested, known=cls.model_fields)) from None
    except RecipeError as exc:
        raise fail(flag_paths(str(exc), options, group, nested)) from None


def stage_spec(group: str, groups: dict[str, dict[str, Any]], sets: dict[str, Any], base: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    """The spec of one stage: ``base`` values, then the generated options of ``group``, then ``--set``.

    Raises:
        typer.Exit: ``--set`` names a setting that an option of the command also set.
    """
    given = groups.get(group, {})
    both = sorted(set(given) & set(sets)) + sorted(k for k in sets if base and k in base and k not in given)
    if both:
        raise fail(f"--set {both[0]}: also set by the command's own option; give it once")
    return merge(merge(base or {}, nest(given)), nest(sets))


def sets_of(fixed: dict[str, Any]) -> dict[str, Any]:
    """The ``--set`` values of a command call, as a dotted-key dict (exits on a malformed item)."""
    try:
        return parse_sets(fixed.get("set_values") or [])
    except ValueError as exc:
        raise fail(str(exc)) from None


def route_sets(sets: dict[str, Any], stages: dict[str, type[BaseModel]]) -> dict[str, dict[str, Any]]:
    """Split the ``--set`` values of a command that runs several stages among them: a key that
    starts with a stage name goes to that stage (``--set exact_dedup.minhash=true``), any other to
    every stage that has the setting (``--set backend.batch_size=8`` to both LLM stages).

    Args:
        sets: dotted keys -> values (:func:`sets_of`).
        stages: the stages this call runs, name -> stage class.

    Raises:
        typer.Exit: a key that no running stage has (with a "did you mean").
    """
    import difflib

    routed: dict[str, dict[str, Any]] = {name: {} for name in stages}
    for key, value in sets.items():
        head, _, rest = key.partition(".")
        if head in stages and rest:
            routed[head][rest] = value
            continue
        owners = [name for name, cls in stages.items() if head in cls.model_fields and head != "stage_name"]
        if not owners:
            known = sorted({f for cls in stages.values() for f in cls.model_fields} - {"stage_name"})
            close = difflib.get_close_matches(head, known, n=1)
            raise fail(f"--set {key}: unknown setting of the {' / '.join(stages)} stage"
                       + ("s" if len(stages) > 1 else "") + (f"; did you mean {close[0]}?" if close else ""))
        for name in owners:
            routed[name][key] = value
    return routed


def problems_source(input_path: Path) -> BaseModel:
    """The ``problems`` source reading ``input_path`` (exits when it does not exist)."""
    from bigmath.sources.problems import ProblemsSource

    if not input_path.exists():
        raise fail(f"{input_path}: no such file or folder")
    return ProblemsSource(path=str(input_path.resolve()))


def _check_same_input(recipe: Any, out: Path, force: bool) -> None:
    """Refuse (without ``force``) an ``--out`` that holds this command's output for another input:
    rerunning a command into its own folder resumes it; another input would replace that build.

    Raises:
        typer.Exit: the folder's ``build.json`` names the same command with other sources.
    """
    import json

    info = out / "build.json"
    if force or not info.exists():
        return
    old = json.loads(info.read_text(encoding="utf-8")).get("recipe", {})
    paths = [getattr(s, "path", None) for s in recipe.sources]
    before = [s.get("path") for s in old.get("sources", [])]
    if old.get("name") == recipe.name and before != paths:
        raise fail(f"{out} holds the output of `bigmath {recipe.name}` on {', '.join(map(str, before))}; running it "
                   f"on {', '.join(map(str, paths))} would replace it. Give another --out, or add --force")


def run_recipe(name: str, sources: list[BaseModel], stages: list[BaseModel], fixed: dict[str, Any]) -> Any:
    """Run a recipe built in memory with the engine (or print it with ``--dry-run``).

    Returns:
        The engine's :class:`~bigmath.pipeline.engine.BuildResult`, or None for a dry run.

    Raises:
        typer.Exit: bad input (names file, row and field), or a stage that cannot run.
    """
    from bigmath.errors import InputError
    from bigmath.llm.base import BackendError
    from bigmath.pipeline.components import RecipeError
    from bigmath.pipeline.engine import build
    from bigmath.pipeline.recipe import Recipe

    settings = {k: fixed[k] for k in ("shard_size", "limit") if fixed.get(k)}
    try:
        recipe = Recipe(name=name, sources=sources, stages=stages, **settings)
    except (ValidationError, RecipeError) as exc:
        raise fail(str(exc)) from None
    if fixed.get("dry_run"):
        options = "".join(f" {flag} {fixed[key]}" for key, flag in (("out", "--out"), ("workers", "--workers"),
                                                                    ("cache_dir", "--cache-dir"))
                          if fixed.get(key) and not (key == "workers" and fixed[key] == 1))
        typer.echo(f"# save as recipe.yaml, then: bigmath build recipe.yaml{options}")
        typer.echo(recipe.to_yaml(), nl=False)
        return None
    _check_same_input(recipe, Path(fixed["out"]), fixed.get("force", False))
    try:
        result = build(recipe, fixed["out"], workers=fixed.get("workers", 1), force=fixed.get("force", False),
                       console=console, cache_dir=fixed.get("cache_dir"))
    except (InputError, ValueError, ImportError, RecipeError, BackendError, OSError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise fail("interrupted; run the same command again to resume (finished shards and caches are kept)",
                   code=130) from None
    console.print(f"shards computed: {sum(result.shards_run.values())}, reused from cache: "
                  f"{sum(result.shards_cached.values())}")
    console.print(f"outputs in [bold]{result.out_dir}[/]: kept.parquet, rejected.parquet, stats.json, funnel.md, "
                  "build.json")
    return result

"""The Hugging Face dataset card of a build: YAML metadata, funnel, settings, plots, citations.

``bigmath card OUT`` writes ``OUT/card/README.md`` with its PNG plots beside it; ``bigmath push``
writes the same card into the folder it uploads. The template is
``data_cards/dataset_card.md.j2`` (package ``bigmath.data_cards``); metadata follows the Hub's
dataset card specification (huggingface_hub ``DatasetCardData``; licence ids from
https://huggingface.co/docs/hub/repositories-licenses), ``configs``/``dataset_info`` in the shape
``datasets`` writes and reads (``MetadataConfigs``, ``DatasetInfo._to_yaml_dict``).
"""

from __future__ import annotations

import dataclasses
import importlib.resources
from pathlib import Path
from typing import Any

import yaml

from bigmath.export import card_context as ctx
from bigmath.export import plots
from bigmath.export.build_output import BuildOutput
from bigmath.pipeline.recipe import is_path_key

BIG_MATH_CITATION = """@misc{albalak2025bigmath,
  title={Big-Math: A Large-Scale, High-Quality Math Dataset for Reinforcement Learning in Language Models},
  author={Alon Albalak and Duy Phung and Nathan Lile and Rafael Rafailov and Kanishk Gandhi
          and Louis Castricato and Anikait Singh and Chase Blagden and Violet Xiang
          and Dakota Mahan and Nick Haber},
  year={2025},
  eprint={2502.17387},
  archivePrefix={arXiv},
  primaryClass={cs.LG},
  url={https://arxiv.org/abs/2502.17387},
}"""

#: Licence ids the Hub accepts in card metadata (https://huggingface.co/docs/hub/repositories-licenses).
HF_LICENSES = frozenset(
    "apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0 "
    "bigcode-openrail-m afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear "
    "c-uda cc cc0-1.0 cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 "
    "cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 "
    "cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cdla-sharing-1.0 cdla-permissive-1.0 cdla-permissive-2.0 wtfpl "
    "ecl-2.0 epl-1.0 epl-2.0 etalab-2.0 eupl-1.1 eupl-1.2 agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0 lgpl "
    "lgpl-2.1 lgpl-3.0 isc h-research intel-research lppl-1.3c ms-pl apple-ascl apple-amlr mpl-2.0 "
    "odc-by odbl openrail++ osl-3.0 postgresql ofl-1.1 ncsa unlicense zlib pddl lgpl-lr "
    "deepfloyd-if-license llama2 llama3 llama3.1 llama3.2 llama3.3 llama4 gemma unknown other".split()
)
#: Hub ``size_categories`` buckets: (upper bound exclusive, label).
SIZE_CATEGORIES = tuple(
    zip(
        (10**3, 10**4, 10**5, 10**6, 10**7, 10**8, 10**9, 10**10, 10**11, 10**12),
        ("n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M", "100M<n<1B",
         "1B<n<10B", "10B<n<100B", "100B<n<1T"),
    )
)
DATA_FILES = "data/train-*"
TASK_CATEGORIES = ["text-generation", "question-answering"]
TAGS = ["math", "reasoning", "reinforcement-learning", "verifiable-rewards", "bigmath"]


class CardValidationError(ValueError):
    """The card's YAML metadata does not follow the Hub's specification; the message says where."""


@dataclasses.dataclass
class CardResult:
    """What :func:`write_card` wrote: the README path and the plot files beside it."""

    readme: Path
    plots: list[Path]


def hub_license(spdx: str | None) -> str:
    """Map an SPDX licence id (``MIT``, ``CC-BY-4.0``, ``GPL-3.0-only``) to the Hub's id, else ``other``."""
    if not spdx:
        return "unknown"
    hub_id = spdx.strip().lower().removesuffix("-only").removesuffix("-or-later")
    return hub_id if hub_id in HF_LICENSES else "other"


def size_category(rows: int) -> str:
    """Return the Hub ``size_categories`` label for ``rows`` examples."""
    for bound, label in SIZE_CATEGORIES:
        if rows < bound:
            return label
    return "n>1T"


def card_metadata(build: BuildOutput, *, data_files: str = DATA_FILES):
    """Return the card's ``DatasetCardData`` (licence per source, language, sizes, configs, features).

    ``license`` is one id when every source has the same licence, else the sorted list.
    """
    from datasets import Features
    from huggingface_hub import DatasetCardData

    settings = build.card_settings
    licenses = sorted({hub_license(s.get("license")) for s in build.source_info()} or {"unknown"})
    kept = build.kept
    features = Features.from_arrow_schema(kept.schema)
    language = settings.get("language", "en")
    return DatasetCardData(
        pretty_name=settings.get("pretty_name") or settings.get("title") or build.recipe.get("name"),
        license=licenses[0] if len(licenses) == 1 else licenses,
        language=language if isinstance(language, list) else [language],
        task_categories=list(TASK_CATEGORIES),
        size_categories=[size_category(kept.num_rows)],
        tags=list(TAGS),
        configs=[{"config_name": "default", "data_files": [{"split": "train", "path": data_files}]}],
        dataset_info={
            "features": features._to_yaml_list(),
            "splits": [{"name": "train", "num_bytes": kept.nbytes, "num_examples": kept.num_rows}],
            "dataset_size": kept.nbytes,
        },
    )


def _template():
    import jinja2

    text = importlib.resources.files("bigmath.data_cards").joinpath("dataset_card.md.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined
    )
    env.filters["cell"] = lambda v: str(v).replace("|", "\\|").replace("\n", " ")
    return env.from_string(text)


def _citations(build: BuildOutput) -> list[str]:
    out = [BIG_MATH_CITATION]
    for source in build.source_info():
        citation = (source.get("citation") or "").strip()
        if citation and citation not in out:
            out.append(citation)
    return out


def _public_recipe(recipe: Any) -> Any:
    """The recipe with every local path (``path``, ``*_path``, ``*_dir`` keys, at any depth) cut to
    its last two parts, so a public card shows no home or scratch folders."""
    if isinstance(recipe, dict):
        return {k: (".../" + "/".join(Path(v).parts[-2:]) if is_path_key(k) and isinstance(v, str)
                    and not v.startswith(".../") else _public_recipe(v)) for k, v in recipe.items()}
    if isinstance(recipe, list):
        return [_public_recipe(v) for v in recipe]
    return recipe


def render_card(build: BuildOutput, *, repo_id: str | None = None, plot_files: list[dict[str, str]] = ()) -> str:
    """Render the card's markdown (YAML front matter included).

    Args:
        build: the build folder.
        repo_id: Hub dataset id, used in the usage snippet (None: a local-files snippet).
        plot_files: ``{file, caption}`` per plot, paths relative to the README.
    """
    stats = build.stats
    funnel_sources, funnel = ctx.funnel_rows(stats)
    reason_sources, removals, flags = ctx.reason_rows(build)
    settings = build.card_settings
    context: dict[str, Any] = {
        "card_data": card_metadata(build).to_yaml(),
        "title": settings.get("title") or settings.get("pretty_name") or build.recipe.get("name") or "bigmath dataset",
        "description": (settings.get("description") or build.recipe.get("description") or "").strip(),
        "bigmath_version": build.build["bigmath_version"],
        "recipe_name": build.recipe.get("name", ""),
        "totals": {k: stats[k] for k in ("ingested", "kept", "rejected")},
        "repo_id": repo_id,
        "sources": ctx.source_rows(build),
        "funnel_sources": funnel_sources,
        "funnel": funnel,
        "plots": list(plot_files),
        "stage_stats": [
            {"name": s["name"], "skipped": bool(s.get("skipped")), **{k: s.get(k, 0) for k in ("input", "kept", "rejected")}}
            for s in stats["stages"]
        ],
        "reason_sources": reason_sources,
        "reasons_by_source": build.rejected is not None,
        "removals": removals,
        "flags": flags,
        "disagreements": ctx.disagreement_rows(build),
        "reformulated": ctx.reformulation_rows(build),
        "columns": ctx.column_rows(build.kept),
        "settings": ctx.settings(build),
        "recipe_yaml": yaml.safe_dump(_public_recipe(build.recipe), sort_keys=False, allow_unicode=True, width=100).strip(),
        "citations": _citations(build),
    }
    return _template().render(**context)


def validate_card(text: str):
    """Parse ``text`` as a dataset card and check its metadata against the Hub's rules, offline.

    Checks: the YAML parses into ``DatasetCardData``; every licence is a Hub licence id;
    ``size_categories`` labels are Hub labels; ``configs`` and ``dataset_info`` load with the
    readers ``datasets`` uses for Hub cards.

    Returns:
        the ``huggingface_hub.DatasetCard``.

    Raises:
        CardValidationError: what is wrong, naming the metadata key.
    """
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    try:
        card = DatasetCard(text)
    except Exception as exc:  # huggingface_hub raises ValueError for malformed front matter
        raise CardValidationError(f"card metadata does not parse: {exc}") from None
    data = card.data.to_dict()
    licenses = data.get("license") or []
    for lic in [licenses] if isinstance(licenses, str) else licenses:
        if lic not in HF_LICENSES:
            raise CardValidationError(f"license: {lic!r} is not a Hub licence id")
    labels = {label for _, label in SIZE_CATEGORIES} | {"n>1T", "other"}
    for label in data.get("size_categories") or []:
        if label not in labels:
            raise CardValidationError(f"size_categories: {label!r} is not a Hub size category")
    try:
        configs = MetadataConfigs.from_dataset_card_data(card.data)
        for config in configs.values():
            MetadataConfigs._raise_if_data_files_field_not_valid(config)
        DatasetInfosDict.from_dataset_card_data(card.data)
    except Exception as exc:
        raise CardValidationError(f"configs/dataset_info: {exc}") from None
    return card


def write_card(
    build: BuildOutput | str | Path, out_dir: str | Path | None = None, *, repo_id: str | None = None
) -> CardResult:
    """Draw the plots and write the validated card to ``out_dir`` (default ``OUT/card``).

    Writes ``README.md``, ``funnel.png`` and, when the data has them, ``difficulty.png`` and
    ``solve_rate.png``.

    Raises:
        bigmath.export.build_output.BuildOutputError: the build folder is incomplete.
        CardValidationError: the rendered metadata fails :func:`validate_card`.
    """
    build = build if isinstance(build, BuildOutput) else BuildOutput.open(build)
    out_dir = Path(out_dir) if out_dir is not None else build.root / "card"
    out_dir.mkdir(parents=True, exist_ok=True)
    steps, funnel = ctx.funnel_table(build.stats)
    written = [plots.funnel_chart(funnel, steps, out_dir / "funnel.png")]
    captions = ["Rows left after each stage, per source"]
    for draw, name, caption in (
        (plots.difficulty_histogram, "difficulty.png", "Upstream difficulty of kept problems"),
        (plots.solve_rate_histogram, "solve_rate.png", "Solve rate of kept problems"),
    ):
        path = draw(build.kept, out_dir / name)
        if path is None:
            (out_dir / name).unlink(missing_ok=True)  # stale plot from an earlier build
        else:
            written.append(path)
            captions.append(caption)
    plot_files = [{"file": p.name, "caption": c} for p, c in zip(written, captions)]
    text = render_card(build, repo_id=repo_id, plot_files=plot_files)
    validate_card(text)
    readme = out_dir / "README.md"
    readme.write_text(text, encoding="utf-8")
    return CardResult(readme, written)

"""Command-line interface: ``bigmath <command>``.

Each command lives in its own module under ``bigmath/cli/`` and registers itself on
:data:`bigmath.cli.app.app`; heavy libraries (torch, faiss, vllm) are imported inside the
command functions so ``bigmath --help`` stays fast.
"""

from __future__ import annotations

import importlib

from bigmath.cli.app import app

# One module per command group; importing a module registers its commands.
_COMMAND_MODULES = (
    "bigmath.cli.sources_cmd",  # sources, ingest
    "bigmath.cli.filters_cmd",  # filters, filter
    "bigmath.cli.build_cmd",  # build, stats, inspect
    "bigmath.cli.dedup_cmd",  # dedup, decontaminate
    "bigmath.cli.verify_cmd",  # verify
    "bigmath.cli.judge_cmd",  # judge
    "bigmath.cli.reformulate_cmd",  # reformulate
    "bigmath.cli.models_cmd",  # models
    "bigmath.cli.export_cmd",  # export, card, push
    "bigmath.cli.version_cmd",  # version
    "bigmath.cli.train_cmd",  # train sft|grpo, eval
)

for _module in _COMMAND_MODULES:
    importlib.import_module(_module)


def main() -> None:
    """Entry point of the ``bigmath`` console script."""
    app()

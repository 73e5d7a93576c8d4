"""Every built-in pipeline stage, one module each; importing this package registers them.

| module | registry name | what |
| --- | --- | --- |
| :mod:`~bigmath.stages.filters` | ``filters`` | rule filters (or any filters) over each shard |
| :mod:`~bigmath.stages.exact_dedup` | ``exact_dedup`` | normalised-text / MinHash duplicates |
| :mod:`~bigmath.stages.semdedup` | ``semdedup`` | SemDeDup (embeddings + k-means + cosine threshold) |
| :mod:`~bigmath.stages.decontaminate` | ``decontaminate`` | benchmark n-gram / embedding overlap |
| :mod:`~bigmath.stages.llm` | (base) | :class:`~bigmath.stages.llm.LLMStage`, the base of every model stage |
| :mod:`~bigmath.stages.llm_judges` | ``llm_judges`` | LLM-judge filters on one backend |
| :mod:`~bigmath.stages.solve_rate` | ``solve_rate`` | rollouts graded by the verifier |

Adding a stage is one module here (a :class:`~bigmath.pipeline.stage.Stage` subclass decorated
with ``@register_stage("name")``): every module in this folder is imported with the package, so
the registry finds it by name; see docs/CONTRIBUTING.md.
"""

from bigmath._discover import import_submodules

__all__ = import_submodules(__name__, __path__)

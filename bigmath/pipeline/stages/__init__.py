"""Built-in pipeline stages; importing this package registers them (see :mod:`bigmath.registry`).

Stage modules that live outside this folder (dedup, LLM judges, solve rate) are imported here too,
so ``registry.get_stage(name)`` finds every built-in stage.
"""

import bigmath.pipeline.stages.filters  # noqa: F401  (filters)
import bigmath.llm.judge_stage, bigmath.llm.solve_rate  # noqa: F401,E401  (llm_judges, solve_rate)
import bigmath.dedup.stages  # noqa: F401  (exact_dedup, semdedup, decontaminate)

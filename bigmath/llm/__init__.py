"""LLM generation for the pipeline: backends, the request cache, judges' labels and solve rate.

Modules (heavy libraries -- torch, transformers, vllm, openai -- load only when a backend is built):

- :mod:`bigmath.llm.base` -- the backend interface (conversations + :class:`SamplingParams` -> n texts each).
- :mod:`bigmath.llm.config` -- :class:`BackendConfig`, the ``backend:`` block of recipes.
- :mod:`bigmath.llm.vllm_backend`, :mod:`~bigmath.llm.openai_backend`,
  :mod:`~bigmath.llm.transformers_backend` -- the three backends.
- :mod:`bigmath.llm.cache`, :mod:`bigmath.llm.generate` -- crash-safe SQLite request cache and
  the cached generator the stages call.
- :mod:`bigmath.llm.prompts`, :mod:`bigmath.llm.labels` -- prompt templates, label parsing.
- :mod:`bigmath.llm.judge_stage`, :mod:`bigmath.llm.solve_rate` -- stages ``llm_judges`` and
  ``solve_rate``; the judge filters themselves are in ``bigmath.filters.judges``.
- :mod:`bigmath.llm.run` -- run the stages on one parquet file (``bigmath judge``).
- :mod:`bigmath.llm.tiny` -- a tiny random-weight chat model for smoke tests.

See ``docs/llm.md``.
"""

from bigmath.llm.base import Backend, BackendError, Conversation, SamplingParams
from bigmath.llm.cache import RequestCache
from bigmath.llm.config import BackendConfig
from bigmath.llm.generate import CachedGenerator
from bigmath.llm.labels import UNPARSEABLE, majority, parse_label

__all__ = [
    "Backend", "BackendError", "BackendConfig", "CachedGenerator", "Conversation", "RequestCache",
    "SamplingParams", "UNPARSEABLE", "majority", "parse_label",
]

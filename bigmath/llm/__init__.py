"""LLM generation for the pipeline: backends, the request cache, prompts, labels, local models.

Modules (heavy libraries -- torch, transformers, vllm, openai -- load only when a backend is built):

- :mod:`bigmath.llm.base` -- the backend interface (conversations + :class:`SamplingParams` -> n texts each).
- :mod:`bigmath.llm.config` -- :class:`BackendConfig` and :class:`SamplingConfig`, the
  ``backend:`` and ``sampling:`` blocks of recipes.
- :mod:`bigmath.llm.vllm_backend`, :mod:`~bigmath.llm.ray_data_backend`,
  :mod:`~bigmath.llm.openai_backend`, :mod:`~bigmath.llm.transformers_backend` -- the backends.
- :mod:`bigmath.llm.models` -- local models by name (``smollm2-135m-instruct``).
- :mod:`bigmath.llm.cache`, :mod:`bigmath.llm.generate` -- crash-safe SQLite request cache and
  the cached generator the stages call.
- :mod:`bigmath.llm.scores` -- judge scores: P(yes) vs P(no) of the next token (``p_yes``).
- :mod:`bigmath.llm.throughput` -- problems/s and tokens/s counters of a backend.
- :mod:`bigmath.llm.prompts`, :mod:`bigmath.llm.labels` -- prompt templates, label parsing.
- :mod:`bigmath.llm.tiny` -- a tiny random-weight chat model for smoke tests.

The stages that use them (``llm_judges``, ``solve_rate``, ``reformulate``) live in
:mod:`bigmath.stages`, the judge filters and their prompts in ``bigmath.filters.judges``; this
package imports neither.

See ``docs/llm.md``.
"""

from bigmath.llm.base import Backend, BackendError, Conversation, SamplingParams
from bigmath.llm.cache import RequestCache
from bigmath.llm.config import BackendConfig, SamplingConfig
from bigmath.llm.generate import CachedGenerator
from bigmath.llm.labels import UNPARSEABLE, majority, parse_label
from bigmath.llm.scores import ScoreParams, YesNoScore

__all__ = [
    "Backend", "BackendError", "BackendConfig", "CachedGenerator", "Conversation", "RequestCache",
    "SamplingConfig", "SamplingParams", "ScoreParams", "UNPARSEABLE", "YesNoScore", "majority", "parse_label",
]

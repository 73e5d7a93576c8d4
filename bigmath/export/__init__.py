"""Trainer exports, the dataset card and the Hub push of a finished build.

Modules: :mod:`~bigmath.export.formats` (pure row mappers: verl, trl-grpo, openrlhf, sft),
:mod:`~bigmath.export.writer` (train/test split by id hash, max-prompt-length filter, parquet),
:mod:`~bigmath.export.card` and :mod:`~bigmath.export.plots` (Hugging Face dataset card with
matplotlib plots), :mod:`~bigmath.export.hub` (the folder the Hub holds, upload in one commit),
:mod:`~bigmath.export.build_output` (reading ``OUT/``). See ``docs/export.md``.
"""

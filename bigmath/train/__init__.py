"""Train and evaluate models on a build: ``bigmath train sft|grpo`` and ``bigmath eval`` (TRL).

The SFT and RL stages the dataset feeds, small on CPU and unchanged on GPUs:

| module | what |
| --- | --- |
| :mod:`~bigmath.train.data` | a build or export folder -> training rows, with the data digest and difficulty window |
| :mod:`~bigmath.train.settings` | hyper-parameters shared by SFT and GRPO (pydantic, with defaults and help) |
| :mod:`~bigmath.train.sft` | TRL ``SFTTrainer`` on the ``sft`` export (completion-only loss, optional LoRA) |
| :mod:`~bigmath.train.grpo` | TRL ``GRPOTrainer`` on the ``trl-grpo`` export with the bundled verifier reward |
| :mod:`~bigmath.train.reward` | :func:`bigmath.rewards.trl_accuracy` plus per-step verifier outcome counts |
| :mod:`~bigmath.train.run` | run folder: ``train.json``, ``trainer_log.jsonl``, ``timings.json``, versions |
| :mod:`~bigmath.train.benchmarks` | benchmarks with gold answers (MATH-500, AIME 2024, AMC 2023, GSM8K, any file) |
| :mod:`~bigmath.train.evaluate` | greedy or sampled generation graded by the verifier; accuracy with a 95 % interval |
| :mod:`~bigmath.train.plots` | loss and reward curves (PNG) |
| :mod:`~bigmath.train.verl` | the verl (Ray) launch command for cluster-scale GRPO on the ``verl`` export |

Heavy libraries (torch, transformers, trl, peft, matplotlib) are imported inside the functions
that use them. See ``docs/train.md``.
"""

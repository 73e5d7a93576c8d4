"""Trainer reward functions: signatures, unparseable golds, threads and a running asyncio loop."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

import bigmath.rewards as rewards
from bigmath.rewards import (completion_text, openrlhf_reward_func, prompt_text, trl_accuracy, verl_compute_score,
                             verl_compute_score_batch)

GOLDS = [r"3\sqrt{2}", r"1331 \text{ and } 1728", r"\frac{1}{2}", "", "42"]
PLAIN = [r"so \boxed{3}", "The answer is 1728.", r"\boxed{0.5}", r"\boxed{1}", "I give up"]
EXPECTED = [0.0, 0.0, 1.0, None, 0.0]


def _conversational(texts: list[str]) -> list[list[dict]]:
    return [[{"role": "assistant", "content": t}] for t in texts]


def test_trl_accuracy_plain_and_conversational():
    assert trl_accuracy(PLAIN, answer=GOLDS) == EXPECTED
    assert trl_accuracy(_conversational(PLAIN), answer=GOLDS, prompts=["p"] * 5, completion_ids=None) == EXPECTED
    assert trl_accuracy([r"\boxed{3\sqrt{2}}"], answer=[r"3\sqrt{2}"]) == [1.0]  # one pair: in process


def test_trl_accuracy_reads_a_solution_column_and_complains_without_gold():
    assert trl_accuracy([r"\boxed{12}"], solution=[r"so the total is $\boxed{12}$."]) == [1.0]
    # issue 18: a GSM8K rationale as the gold, an answer in several boxes
    assert trl_accuracy([r"\boxed{72}"], ground_truth=["48 + 24 = 72 clips.\n#### 72"]) == [1.0]
    assert trl_accuracy([r"\boxed{-2} and \boxed{1}", r"\boxed{1}"], answer=["1, -2", "1, -2"]) == [1.0, 0.0]
    with pytest.raises(ValueError, match="answer"):
        trl_accuracy(["1"])
    with pytest.raises(ValueError, match="2 completions but 1 gold"):
        trl_accuracy(["1", "2"], answer=["1"])


def test_completion_text_forms():
    assert completion_text("x") == "x"
    assert completion_text([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]) == "a"
    assert completion_text([{"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]) == "ab"
    assert completion_text({"content": "solo"}) == "solo"


def test_verl_compute_score_never_rewards_an_unparseable_gold():
    assert verl_compute_score("math", r"\boxed{\frac{1}{2}}", "0.5") == 1.0
    assert verl_compute_score("math", r"\boxed{3}", r"3\sqrt{2}", extra_info={"index": 1}) == 0.0
    assert verl_compute_score("math", r"\boxed{}", r"\boxed{}") == 0.0
    assert verl_compute_score("math", "5", "") == 0.0
    assert verl_compute_score_batch(["math"] * 5, PLAIN, GOLDS) == [0.0, 0.0, 1.0, 0.0, 0.0]


def test_openrlhf_reward_func_returns_tensors():
    prompts = [f"Q{i}: solve. " for i in range(5)]
    queries = [p + r for p, r in zip(prompts, PLAIN)]
    out = openrlhf_reward_func(queries, prompts, GOLDS)
    assert torch.equal(out["rewards"], torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0]))
    assert torch.equal(out["scores"], out["rewards"])
    assert float(out["extra_logs"]["verify/unparseable_gold"]) == pytest.approx(0.2)
    assert rewards.reward_func is openrlhf_reward_func


PROBLEM = r"Compute $17 \cdot 23$."  # a new-user trial: echoing the problem earned reward
ECHO, RIGHT = r"\boxed{17 \cdot 23}", r"\boxed{391}"


def test_every_reward_passes_the_problem_so_an_echo_earns_nothing():
    assert trl_accuracy([ECHO], answer=["391"]) == [1.0]  # without the problem an echo cannot be told apart
    assert trl_accuracy([ECHO, RIGHT], answer=["391"] * 2, prompts=[PROBLEM] * 2) == [0.0, 1.0]
    chat = [{"role": "system", "content": "Reason step by step."},
            {"role": "user", "content": PROBLEM + "\n\nPut the final answer within \\boxed{}."}]
    assert prompt_text(chat) == PROBLEM + "\n\nPut the final answer within \\boxed{}."
    assert trl_accuracy(_conversational([ECHO, RIGHT]), answer=["391"] * 2, prompts=[chat] * 2) == [0.0, 1.0]
    assert trl_accuracy([ECHO], answer=["391"], problem=[PROBLEM], prompts=["another prompt"]) == [0.0]  # the column wins
    assert trl_accuracy([ECHO], answer=["391"], problem=[None], prompts=[chat]) == [0.0]  # a null problem: its prompt
    assert verl_compute_score("math", ECHO, "391", extra_info={"problem": PROBLEM}) == 0.0
    assert verl_compute_score("math", ECHO, "391", extra_info={"question": PROBLEM}) == 0.0  # verl's GSM8K layout
    assert verl_compute_score("math", RIGHT, "391", extra_info={"problem": PROBLEM}) == 1.0
    assert verl_compute_score_batch(["math"] * 2, [ECHO, RIGHT], ["391"] * 2, [{"problem": PROBLEM}] * 2) == [0.0, 1.0]
    out = openrlhf_reward_func([PROBLEM + ECHO, PROBLEM + RIGHT], [PROBLEM] * 2, ["391"] * 2)
    assert out["rewards"].tolist() == [0.0, 1.0]


def test_rewards_from_a_thread_and_from_a_running_event_loop():
    out: dict[str, object] = {}

    def in_thread() -> None:
        out["trl"] = trl_accuracy(PLAIN, answer=GOLDS)
        out["verl"] = verl_compute_score("math", r"\boxed{3\sqrt{2}}", r"3\sqrt{2}")

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()

    async def server() -> tuple:
        inline = (trl_accuracy(PLAIN, answer=GOLDS), verl_compute_score("math", r"\boxed{3}", r"3\sqrt{2}"))
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(2) as pool:  # what an async reward server does
            offloaded = await asyncio.gather(
                loop.run_in_executor(pool, lambda: trl_accuracy(_conversational(PLAIN), answer=GOLDS)),
                loop.run_in_executor(pool, verl_compute_score, "math", r"\boxed{0.5}", r"\frac{1}{2}"),
            )
        return inline, offloaded

    inline, offloaded = asyncio.run(server())
    assert out == {"trl": EXPECTED, "verl": 1.0}
    assert inline == (EXPECTED, 0.0)
    assert offloaded == [EXPECTED, 1.0]


def test_rewards_file_loads_the_way_verl_and_openrlhf_load_it():
    # both trainers import the reward file by path (importlib.util.spec_from_file_location)
    spec = importlib.util.spec_from_file_location("custom_module", rewards.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.verl_compute_score("math", r"\boxed{7}", "7") == 1.0
    assert callable(module.reward_func)

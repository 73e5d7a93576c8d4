"""The GRPO reward: bigmath.rewards.trl_accuracy itself, plus verifier outcome counts and group shares."""

from __future__ import annotations

import threading

import pytest

from bigmath import rewards
from bigmath.train.reward import OUTCOME_METRICS, VerifierReward, group_shares

HARMONIC = r"\boxed{\sum_{k=1}^{100000} \frac{1}{k}}"  # exact sum: sympy works for minutes


def _chat(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def test_rewards_are_trl_accuracy_and_outcomes_are_counted():
    completions = [_chat(r"so \boxed{56}"), _chat(r"\boxed{54}"), _chat("I do not know."), _chat(r"\boxed{7}"),
                   _chat(r"\boxed{2}"), _chat(r"\boxed{2}")]
    answers = ["56", "56", "56", r"\frac{", "2", "2"]
    ids = ["a", "a", "a", "b", "c", "c"]
    logged: dict[str, float] = {}
    reward = VerifierReward()
    scores = reward(completions, answer=answers, id=ids, prompts=[None] * 6, trainer_state=None,
                    log_metric=lambda name, value: logged.__setitem__(name, value))
    assert scores == rewards.trl_accuracy(completions, answer=answers) == [1.0, 0.0, 0.0, None, 1.0, 1.0]
    assert {k: logged[k] for k in OUTCOME_METRICS} == {
        "verify/correct": 3.0, "verify/wrong": 1.0, "verify/unparseable_gold": 1.0,
        "verify/unparseable_prediction": 1.0, "verify/timeout": 0.0}
    # groups: a = (1, 0, 0) has signal, b has no scored completion, c = (1, 1) is all-one
    assert logged["groups/all_zero"] == 0.0 and logged["groups/all_one"] == pytest.approx(1 / 3)
    assert logged["verify/disagree"] == 0.0
    assert reward.history[-1]["rewards"] == scores
    assert reward.__name__ == "verifier"


def test_group_shares():
    assert group_shares([0.0, 0.0, 1.0, 1.0, 0.0, 1.0], ["x", "x", "y", "y", "z", "z"]) == {
        "groups/all_zero": pytest.approx(1 / 3), "groups/all_one": pytest.approx(1 / 3)}
    assert group_shares([], []) == {"groups/all_zero": 0.0, "groups/all_one": 0.0}


@pytest.mark.timeout(120)
def test_a_stuck_verification_is_a_timeout_from_a_trainer_thread(monkeypatch):
    monkeypatch.setattr(rewards, "TIMEOUT_S", 1.5)  # the BIGMATH_VERIFY_TIMEOUT setting, read at import
    result: dict[str, object] = {}
    reward = VerifierReward()

    def trainer_thread() -> None:  # TRL may call reward functions off the main thread
        result["scores"] = reward([_chat(HARMONIC), _chat(r"\boxed{12}")], answer=["12", "12"], id=["p", "p"])

    thread = threading.Thread(target=trainer_thread)
    thread.start()
    thread.join()
    assert result["scores"] == [0.0, 1.0]
    assert reward.history[-1]["verify/timeout"] == 1 and reward.history[-1]["verify/correct"] == 1

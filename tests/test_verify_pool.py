"""check_many over worker processes: same verdicts as check, hard timeouts, killed workers replaced."""

from __future__ import annotations

import asyncio
import json
import signal
import threading

import pytest

from bigmath.verify import Outcome, check, check_many
from bigmath.verify.grading import grade
from bigmath.verify.deadline import Deadline, time_limit
from bigmath.verify.pool import VerifierPool

TIMEOUT_S = 2.0
WORKERS = 2
HARMONIC = r"\boxed{{\sum_{{k=1}}^{{{n}}} \frac{{1}}{{k}}}}"  # exact sum: sympy works for minutes

PAIRS = [
    (r"3\sqrt{2}", r"\boxed{3}"),
    (r"3\sqrt{2}", r"The answer is $\sqrt{18}$."),
    (r"1331 \text{ and } 1728", "1728"),
    ("3x-y+13=0", "3x+4y+14=0"),
    (r"\frac{1}{2^{99}}", r"\frac{1}{2^{98}}"),
    (r"\frac{1}{3}", "0.333333"),
    ("(1, 2]", "(1, 2)"),
    (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", r"\begin{bmatrix}1&2\\3&4\end{bmatrix}"),
    ("", "5"),
    ("5", r"\boxed{}"),
    (27.0, "27"),
    (r"10^{10^{10^{10}}}", r"10^{10^{10^{9}}}"),
    ("x = 5", "y = 5"),
    (r"\text{Tuesday}", "Tuesday"),
    ("42", "Final Answer: The final answer is $42$. I hope it is correct."),
    (r"\{1,2,3\}", r"\boxed{1}, \boxed{2} and \boxed{3}"),  # issue 18: one answer in several boxes
    ("1.22", "1,22"),
    (r"x \in [-2,7]", r"-2 \le x \le 7"),
    # sympy raises PrecisionExhausted printing this Omni-MATH gold; the worker used to send the
    # exception back as a class defined in __main__, which the parent could not unpickle
    (r"2^{2015}+\left\lfloor\left(\frac{3}{2}\right)^{2015}\right\rfloor-2",
     r"\boxed{2^{2015}+\left\lfloor\left(\frac{3}{2}\right)^{2015}\right\rfloor-2}"),
]


def test_check_many_gives_the_verdicts_of_check():
    # a generous bound: this compares policies, not speed (a loaded CI box must not flip a row)
    expected = [check(gold, prediction, timeout_s=60) for gold, prediction in PAIRS]
    assert check_many([g for g, _ in PAIRS], [p for _, p in PAIRS], workers=WORKERS, timeout_s=60) == expected


def test_duplicates_share_one_verdict_and_runs_are_deterministic():
    golds = ["7"] * 6 + [r"\frac{1}{2}"] * 4
    preds = [r"so \boxed{7}", r"thus \boxed{7}", "7", r"\boxed{8}", "blah", r"\boxed{7}",  # "blah" is an answer
             "0.5", r"\boxed{\frac12}", r"\boxed{0.25}", "0.5"]
    first = check_many(golds, preds, workers=WORKERS, timeout_s=60)
    assert first == check_many(golds, preds, workers=WORKERS, timeout_s=60)
    assert [v.outcome for v in first] == [Outcome.CORRECT] * 3 + [Outcome.WRONG, Outcome.WRONG,
                                                                   Outcome.CORRECT, Outcome.CORRECT, Outcome.CORRECT,
                                                                   Outcome.WRONG, Outcome.CORRECT]
    assert first[0] == first[1] == first[5]  # same extracted answer: graded once


def test_bad_input_is_an_error_naming_the_pair():
    with pytest.raises(ValueError, match="2 golds but 1 predictions"):
        check_many(["1", "2"], ["1"])
    with pytest.raises(TypeError, match="pair 1: gold answer must be str, int or float, got list"):
        check_many(["1", ["2"]], ["1", "2"])
    with pytest.raises(TypeError, match="pair 0: prediction must be str, int or float, got list"):
        check_many(["1"], [["1"]])
    with pytest.raises(TypeError, match="prediction must be str, int or float, got bool True"):
        check("1", True)
    with pytest.raises(TypeError, match="pair 1: problem must be a string or None, got int"):
        check_many(["1", "2"], ["1", "2"], problems=["p", 7])
    with pytest.raises(ValueError, match="2 golds but 1 problems"):
        check_many(["1", "2"], ["1", "2"], problems=["p"])


def _batch(shared_data) -> tuple[list, list, list[int]]:
    """1,000 pairs: 49 MATH-500 golds x 20 realistic responses, plus 20 pathological pairs."""
    with (shared_data / "labelled/math500_test.jsonl").open(encoding="utf-8") as handle:
        golds = [json.loads(line)["answer"] for line in handle][:49]
    templates = [r"\boxed{{{g}}}", "Therefore, the final answer is ${g}$.", r"so $x = \boxed{{{g}}}$",
                 r"\boxed{{{g}}} + 1", r"\boxed{{0}}", "I could not solve it.", r"\boxed{{-1}}",
                 r"We get \boxed{{2}}.", r"The answer is $\boxed{{{g}}}$.", r"\boxed{{\frac{{1}}{{2}}}}"] * 2
    pairs = [(g, t.format(g=g)) for g in golds for t in templates]
    pathological = [("12", HARMONIC.format(n=100_000 + k)) for k in range(10)]
    pathological += [("3", r"\boxed{9^{9^{9}}}"), ("5", r"\boxed{2^{2^{100}}}"), (r"2^{2^{100}}", "5"),
                     (r"\dfrac{5^{\left(5^{\left(5^{\left(5^5\right)}\right)} - 4\right)} - 5}{16}", "3"),
                     ("5", r"\boxed{(10^{10})!}"), ("0", r"\boxed{10^{-10^{10}}}")]
    pathological += [("1", r"\boxed{10^{10^{10^{%d}}}}" % k) for k in range(4, 8)]
    slots = list(range(0, 1000, 50))  # spread through the batch
    for slot, pair in zip(slots, pathological):
        pairs.insert(slot, pair)
    return [g for g, _ in pairs], [p for _, p in pairs], slots


@pytest.mark.timeout(TIMEOUT_S * 20 / WORKERS + 30)  # the bound from issue 7 (pool start-up included)
def test_pathological_pairs_time_out_and_the_batch_goes_on(shared_data):
    golds, preds, slots = _batch(shared_data)
    assert len(golds) == 1000
    verdicts = check_many(golds, preds, workers=WORKERS, timeout_s=TIMEOUT_S)
    assert [verdicts[i].outcome for i in slots] == [Outcome.TIMEOUT] * 20
    others = [v for i, v in enumerate(verdicts) if i not in set(slots)]
    assert not [v for v in others if v.outcome is Outcome.TIMEOUT]
    boxed_gold = [v for i, v in enumerate(verdicts) if i not in set(slots) and preds[i] == rf"\boxed{{{golds[i]}}}"]
    assert len(boxed_gold) == 98 and all(v.outcome is Outcome.CORRECT for v in boxed_gold)
    assert all(v.outcome is Outcome.UNPARSEABLE_PREDICTION for i, v in enumerate(verdicts) if preds[i] == "I could not solve it.")


def test_a_worker_stuck_in_sympy_is_killed_and_replaced():
    # soft_fraction=None: no SIGALRM in the worker, as when sympy is stuck in C code (gmpy2)
    with VerifierPool(1, soft_fraction=None) as pool:
        verdicts = pool.run([("12", HARMONIC.format(n=100_000)), ("1", r"\boxed{1}"), ("2", r"\boxed{3}")], timeout_s=1.5)
        assert pool.replaced == 1
        assert [v.outcome for v in verdicts] == [Outcome.TIMEOUT, Outcome.CORRECT, Outcome.WRONG]
        assert "hard timeout" in verdicts[0].reason
        assert pool.run([("4", "4")])[0].outcome is Outcome.CORRECT  # the replacement works


def test_concurrent_callers_from_threads_and_an_event_loop():
    results: dict[str, list] = {}

    def worker(name: str) -> None:
        results[name] = check_many([g for g, _ in PAIRS], [p for _, p in PAIRS], workers=WORKERS)

    threads = [threading.Thread(target=worker, args=(f"t{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()

    async def in_loop():
        return check(r"3\sqrt{2}", r"\boxed{3\sqrt{2}}"), await asyncio.to_thread(check, "5", r"\boxed{6}")

    direct, threaded = asyncio.run(in_loop())
    for thread in threads:
        thread.join()
    assert results["t0"] == results["t1"] == results["t2"] and len(results["t0"]) == len(PAIRS)
    assert direct.outcome is Outcome.CORRECT and threaded.outcome is Outcome.WRONG


def test_time_limit_interrupts_sympy_and_gives_back_an_outer_alarm():
    previous_handler = signal.getsignal(signal.SIGALRM)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, 0)  # park pytest-timeout's alarm, if any
    try:
        signal.signal(signal.SIGALRM, lambda *_: None)
        signal.setitimer(signal.ITIMER_REAL, 60.0)
        with pytest.raises(Deadline):
            with time_limit(0.3):
                grade("12", HARMONIC.format(n=100_000))
        assert 50.0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 60.0  # the outer alarm is back
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_timer[0] > 0:
            signal.setitimer(signal.ITIMER_REAL, *previous_timer)


def test_time_limit_refuses_other_threads():
    errors = []

    def run() -> None:
        try:
            with time_limit(1.0):
                pass
        except RuntimeError as err:
            errors.append(str(err))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors and "main thread" in errors[0]

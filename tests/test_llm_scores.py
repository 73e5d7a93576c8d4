"""Yes/no judge scores from next-token probabilities, on the real SmolLM2-135M-Instruct.

* The transformers backend's batched, prefix-reusing scores equal a plain forward pass.
* What the model says: judge prompts score real multiple-choice problems (options inline)
  above open MATH problems.
* Scores go through the request cache like replies (rerun = no model call).
* The OpenAI-compatible path: ``transformers serve`` returns no log-probabilities (see
  ``test_llm_backends.py``), so a small server that does (top-k log-probabilities of the real
  model, in the OpenAI chat-completions layout) stands in for vLLM serve / llama.cpp here.
"""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pytest
import torch

from bigmath.llm.cache import RequestCache
from bigmath.llm.generate import CachedGenerator
from bigmath.llm.openai_backend import OpenAIBackend
from bigmath.llm.prompts import load_template
from bigmath.llm.scores import ScoreParams, YesNoScore, first_token_ids, label_of_token
from bigmath.llm.transformers_backend import TransformersBackend

_TEMPLATES = Path(__file__).resolve().parents[1] / "filters" / "prompts"


def _jsonl(path: Path, lines: range) -> list[dict]:
    rows = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(rows[i - 1]) for i in lines]


def _mc_and_open(shared_data: Path) -> tuple[list[str], list[str]]:
    """Two AQuA problems with their options inline, two open MATH problems (not few-shot rows)."""
    aqua = [r["question"] + "\n" + "\n".join(r["options"]) for r in _jsonl(shared_data / "labelled/aqua_test.jsonl", range(3, 5))]
    math = [r["problem"] for r in _jsonl(shared_data / "math/sample.jsonl", range(3, 5))]
    return aqua, math


def _plain_forward(backend: TransformersBackend, conversation, params: ScoreParams) -> float:
    """p_yes from one unbatched forward pass over the whole prompt."""
    ids = backend.encode(backend.render_conversation(conversation))
    with torch.inference_mode():
        probs = torch.softmax(backend.lm(input_ids=torch.tensor([ids])).logits[0, -1].double(), dim=-1)
    yes, no = first_token_ids(backend.encode, params)
    return float(probs[yes].sum() / (probs[yes].sum() + probs[no].sum()))


def test_words_and_tokens(smollm2):
    params = ScoreParams()
    assert params.variants("yes") == ("yes", "Yes", " yes", " Yes", "YES")
    yes, no = smollm2.answer_ids(params)
    assert {smollm2.tokenizer.decode([i]) for i in yes} == {"yes", "Yes", " yes", " Yes", "Y"}  # YES -> Y + ES
    assert {smollm2.tokenizer.decode([i]) for i in no} == {"no", "No", " no", " No", "NO"}
    # a first token both words share (a lone space) counts for neither
    assert first_token_ids(lambda text: [ord(c) for c in text], params) == ([ord("Y"), ord("y")], [ord("N"), ord("n")])
    with pytest.raises(ValueError, match="same first tokens"):
        first_token_ids(lambda text: [0], params)
    assert [label_of_token(t, params) for t in ("Y", " yes", "No", " N", " ", "the", "")] == \
        ["yes", "yes", "no", "no", None, None, None]
    with pytest.raises(ValueError, match="top_logprobs"):
        ScoreParams(top_logprobs=21)
    with pytest.raises(ValueError, match="different"):
        ScoreParams(yes="no")
    assert YesNoScore.from_probs(0.0, 0.0) == YesNoScore(None, 0.0)
    score = YesNoScore.from_probs(0.3, 0.6)
    assert YesNoScore.from_json(score.to_json()) == score and score.p_yes == pytest.approx(1 / 3)
    assert params.cache_key(True) != params.cache_key(False) != ScoreParams(top_logprobs=5).cache_key(False)
    assert params.cache_key(True) == ScoreParams(top_logprobs=5).cache_key(True)


def test_batched_prefix_scores_equal_a_plain_forward_pass(smollm2, shared_data):
    template = load_template(_TEMPLATES / "judge_multiple_choice.txt")
    aqua, math = _mc_and_open(shared_data)
    conversations = [template.render(p) for p in aqua + math]
    scores = smollm2.score(conversations)  # one batch: shared prefix cached once, suffixes right-padded
    # the shortest prompt (most padding in the batch) against an unbatched pass over its whole prompt
    shortest = min(range(4), key=lambda k: len(smollm2.encode(smollm2.render_conversation(conversations[k]))))
    plain = _plain_forward(smollm2, conversations[shortest], ScoreParams())
    assert scores[shortest].p_yes == pytest.approx(plain, abs=1e-4)
    # what the model says: options written into the problem make it lean to "yes"
    assert min(s.p_yes for s in scores[:2]) > max(s.p_yes for s in scores[2:])
    assert all(s.mass > 0.5 for s in scores)  # it does answer with one of the two words


def test_scores_are_cached_like_replies(tmp_path, tiny_model, shared_data):
    backend = TransformersBackend(str(tiny_model), device="cpu", batch_size=4)
    template = load_template(_TEMPLATES / "judge_proof.txt")
    problems = [(f"math-{r['idx']}", r["problem"]) for r in _jsonl(shared_data / "math/sample.jsonl", range(3, 8))]
    with RequestCache(tmp_path / "c.sqlite") as cache:
        generator = CachedGenerator(backend, cache, chunk_size=2, progress=False)
        first = generator.score(template, problems)
        assert backend.throughput.scored == 5 and backend.calls == 3 and cache.count() == 5  # 3 committed chunks
        again = generator.score(template, problems)
        assert again == first and backend.throughput.scored == 5  # no model call
        assert (generator.stats.scored, generator.stats.scores_cached) == (5, 5)
        # a score is never served as a reply (other params key), nor for another wording
        generator.run(template, problems[:1], backend.effective(_greedy()))
        assert backend.requests_generated == 1
        other = load_template(_TEMPLATES / "judge_yes_no.txt")
        generator.score(other, problems[:1])
        assert backend.throughput.scored == 6


def _greedy():
    from bigmath.llm.base import SamplingParams

    return SamplingParams(temperature=0.0, max_tokens=2)


class _LogprobHandler(http.server.BaseHTTPRequestHandler):
    """``POST /v1/chat/completions`` answered by the real model: the greedy token and, with
    ``logprobs``, the ``top_logprobs`` most likely next tokens (OpenAI's response layout)."""

    model: TransformersBackend

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        backend = self.model
        ids = backend.encode(backend.render_conversation(body["messages"]))
        with torch.inference_mode():
            logprobs = torch.log_softmax(backend.lm(input_ids=torch.tensor([ids])).logits[0, -1].double(), dim=-1)
        top = torch.topk(logprobs, body.get("top_logprobs") or 1)
        tokens = [(backend.tokenizer.decode([int(i)]), float(v)) for v, i in zip(top.values, top.indices)]
        entry = lambda t, v: {"token": t, "logprob": v, "bytes": list(t.encode())}  # noqa: E731
        logprob_block = ({"content": [{**entry(*tokens[0]), "top_logprobs": [entry(t, v) for t, v in tokens]}]}
                         if body.get("logprobs") else None)
        reply = {"id": "cmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "length", "logprobs": logprob_block,
                              "message": {"role": "assistant", "content": tokens[0][0]}}],
                 "usage": {"prompt_tokens": len(ids), "completion_tokens": 1, "total_tokens": len(ids) + 1}}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep the test output clean
        pass


def test_openai_scores_from_a_server_with_logprobs(smollm2):
    handler = type("Handler", (_LogprobHandler,), {"model": smollm2})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    conversations = [[{"role": "user", "content": "Is 7 a prime number? Answer yes or no."}],
                     [{"role": "user", "content": "Is 9 a prime number? Answer yes or no."}]]
    try:
        backend = OpenAIBackend("smollm2", base_url=url, concurrency=2, max_retries=0)
        assert backend.supports_scores  # the one-token probe found log-probabilities
        scores = backend.score(conversations)
        exact = smollm2.score(conversations)
        # token strings matched by prefix (a slightly wider net than first tokens) out of the top 20
        for got, want in zip(scores, exact):
            assert got.p_yes == pytest.approx(want.p_yes, abs=0.02)
        assert OpenAIBackend("smollm2", base_url=url, logprobs=False).supports_scores is False
        backend.close()
    finally:
        server.shutdown()
        server.server_close()

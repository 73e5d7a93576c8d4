"""One interface contract, three backends: replies, yes/no scores, throughput counters.

* ``transformers``: the tiny random-weight Llama, in process.
* ``openai``: the same model behind a real OpenAI-compatible server, ``transformers serve``,
  started here on 127.0.0.1 offline (``HF_HUB_OFFLINE=1``), reached through the openai client.
  It ignores ``logprobs`` (transformers 5.x), so on it scores are refused and judges sample.
* ``vllm``: vLLM cannot be installed without a GPU, so -- the one stand-in in this suite -- a
  module named ``vllm`` is injected in ``sys.modules`` for the import only. Its ``LLM.chat``
  generates for real with the tiny model (and returns real top-k next-token log-probabilities
  in vLLM's documented ``Logprob`` layout), and it records what our backend passed to vLLM's
  documented API (engine args, per-request ``SamplingParams``, structured choice, logprobs).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
import types
import urllib.request
from pathlib import Path

import pytest

from bigmath.llm.base import BackendError, GenerationRequest, SamplingParams, ScoresUnavailable
from bigmath.llm.base import SamplingParams as OurParams
from bigmath.llm.config import BackendConfig
from bigmath.llm.transformers_backend import TransformersBackend

CONVERSATIONS = [
    [{"role": "system", "content": "Reply yes or no."}, {"role": "user", "content": "Is 7 prime?"}],
    [{"role": "user", "content": "Prove that $\\sqrt{2}$ is irrational."}],
    [{"role": "user", "content": "Find $x$ if $2x + 3 = 11$."}],
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def openai_server(tiny_model, tmp_path_factory):
    """``transformers serve`` on 127.0.0.1 with the tiny model preloaded; yields the /v1 URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    cli = Path(sys.executable).with_name("transformers")
    with open(log, "w") as handle:
        server = subprocess.Popen([str(cli), "serve", str(tiny_model), "--host", "127.0.0.1", "--port", str(port),
                                   "--device", "cpu", "--dtype", "float32"], stdout=handle, stderr=handle, env=env)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"transformers serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class _FakeVLLM:
    """Builds a module named ``vllm`` whose LLM generates with the tiny model (see module docstring)."""

    def __init__(self, choice_api: str | None):
        self.engines: list = []
        self.calls: list = []
        self.module = types.ModuleType("vllm")
        self.sampling = types.ModuleType("vllm.sampling_params")
        fake = self

        class SamplingParams:  # vLLM's documented fields only; anything else is a TypeError
            def __init__(self, n=1, temperature=1.0, top_p=1.0, max_tokens=16, seed=None, logprobs=None,
                         structured_outputs=None, guided_decoding=None):
                self.n, self.temperature, self.top_p, self.max_tokens, self.seed = n, temperature, top_p, max_tokens, seed
                self.logprobs = logprobs
                self.structured_outputs, self.guided_decoding = structured_outputs, guided_decoding

        @dataclasses.dataclass
        class Logprob:  # vllm.logprobs.Logprob (vllm.sequence.Logprob before 0.10)
            logprob: float
            rank: int | None = None
            decoded_token: str | None = None

        class LLM:
            def __init__(self, model, **engine_args):
                fake.engines.append({"model": model, **engine_args})
                self._inner = TransformersBackend(model, device="cpu")

            def get_tokenizer(self):
                return self._inner.tokenizer

            def chat(self, messages, sampling_params=None, use_tqdm=True):
                assert isinstance(messages, list) and all(isinstance(m, list) for m in messages)
                params = sampling_params if isinstance(sampling_params, list) else [sampling_params] * len(messages)
                assert len(params) == len(messages)
                fake.calls.append(params)
                first = params[0]
                assert all(p.n == 1 and p.temperature == first.temperature for p in params)
                if first.logprobs is not None:
                    return [self._next_token(m, first.logprobs) for m in messages]
                ours = OurParams(temperature=first.temperature, top_p=first.top_p, max_tokens=first.max_tokens)
                requests = [GenerationRequest(m, 0, p.seed) for m, p in zip(messages, params)]
                texts = self._inner._generate(requests, ours)
                return [types.SimpleNamespace(outputs=[types.SimpleNamespace(text=t, token_ids=self._inner.encode(t))])
                        for t in texts]

            def _next_token(self, conversation, k):
                """What vLLM documents for max_tokens=1, logprobs=k: the greedy token and, for
                that one position, a dict token id -> Logprob of the top k -- computed here by a
                plain forward pass of the real model."""
                import torch

                tokenizer = self._inner.tokenizer
                ids = self._inner.encode(self._inner.render_conversation(conversation))
                with torch.inference_mode():
                    logits = self._inner.lm(input_ids=torch.tensor([ids])).logits[0, -1]
                top = torch.topk(torch.log_softmax(logits.double(), dim=-1), k)
                entries = {int(i): Logprob(float(v), rank + 1, tokenizer.decode([int(i)]))
                           for rank, (v, i) in enumerate(zip(top.values, top.indices))}
                chosen = int(top.indices[0])
                return types.SimpleNamespace(outputs=[types.SimpleNamespace(
                    text=tokenizer.decode([chosen]), token_ids=[chosen], logprobs=[entries])])

        class Choice:
            def __init__(self, choice=None):
                self.choice = choice

        self.module.LLM, self.module.SamplingParams = LLM, SamplingParams
        self.module.sampling_params = self.sampling
        self.sampling.SamplingParams = SamplingParams
        if choice_api == "structured_outputs":
            self.sampling.StructuredOutputsParams = Choice
        elif choice_api == "guided_decoding":
            self.sampling.GuidedDecodingParams = Choice


@pytest.fixture(scope="module")
def fake_vllm():
    fake = _FakeVLLM("structured_outputs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "vllm", fake.module)
        patch.setitem(sys.modules, "vllm.sampling_params", fake.sampling)
        yield fake


@pytest.fixture(scope="module", params=["transformers", "openai", "vllm"])
def backend(request, tiny_model):
    if request.param == "transformers":
        built = BackendConfig(type="transformers", model=str(tiny_model), device="cpu", threads=1, batch_size=4).build()
    elif request.param == "openai":
        url = request.getfixturevalue("openai_server")
        # one request in flight: transformers serve seeds one global RNG per request
        built = BackendConfig(type="openai", model=str(tiny_model), base_url=url, concurrency=1, max_retries=1,
                              timeout_s=120).build()
    else:
        request.getfixturevalue("fake_vllm")
        built = BackendConfig(type="vllm", model=str(tiny_model), tensor_parallel_size=2, max_model_len=2048).build()
    yield built
    built.close()


# ---- the contract: every backend passes the same tests -------------------------------------


def test_n_texts_per_conversation(backend):
    before = backend.requests_generated
    out = backend.generate(CONVERSATIONS, SamplingParams(n=2, temperature=0.0, max_tokens=4))
    assert len(out) == 3 and all(len(texts) == 2 and all(isinstance(t, str) for t in texts) for texts in out)
    assert backend.requests_generated - before == 6
    assert backend.describe()["type"] == backend.type


def test_only_requested_sample_indices(backend):
    out = backend.generate(CONVERSATIONS, SamplingParams(n=4, temperature=0.7, max_tokens=3),
                           sample_indices=[[0], [1, 3], []])
    assert [len(t) for t in out] == [1, 2, 0]
    assert backend.generate([], SamplingParams()) == []


def test_greedy_is_deterministic_and_prefix_consistent(backend):
    short = backend.generate(CONVERSATIONS, SamplingParams(n=2, temperature=0.0, max_tokens=3))
    long = backend.generate(CONVERSATIONS, SamplingParams(n=1, temperature=0.0, max_tokens=10))
    again = backend.generate(CONVERSATIONS, SamplingParams(n=2, temperature=0.0, max_tokens=3))
    assert again == short
    for (a, b), (full,) in zip(short, long):
        assert a == b  # greedy samples agree
        # max_tokens is honoured: 3 greedy tokens are a prefix of 10 (modulo a split UTF-8 char)
        assert full.startswith(a.rstrip("\ufffd"))


def test_seeded_sampling_is_reproducible(backend):
    params = SamplingParams(n=2, temperature=1.0, top_p=0.95, max_tokens=6, seed=11)
    assert backend.generate(CONVERSATIONS, params) == backend.generate(CONVERSATIONS, params)


def test_scores_or_a_clear_refusal(backend):
    if backend.type == "openai":  # transformers serve ignores logprobs: judges fall back to sampling
        assert backend.supports_scores is False
        with pytest.raises(ScoresUnavailable, match="no next-token log-probabilities"):
            backend.score(CONVERSATIONS)
        return
    assert backend.supports_scores
    scores = backend.score(CONVERSATIONS)
    assert len(scores) == 3 and backend.score(CONVERSATIONS) == scores  # one forward pass, no sampling
    for score in scores:
        assert 0.0 <= score.mass <= 1.0 and (score.p_yes is None or 0.0 <= score.p_yes <= 1.0)
    if backend.type == "transformers":  # the whole distribution: always a score
        assert all(s.p_yes is not None and s.mass > 0 for s in scores)
    assert backend.score([]) == []


def test_throughput_counters(backend):
    before = dataclasses.replace(backend.throughput)
    backend.generate(CONVERSATIONS, SamplingParams(n=2, temperature=0.0, max_tokens=4))
    done = backend.throughput.since(before)
    assert (done.problems, done.replies, done.scored) == (3, 6, 0) and done.seconds > 0
    # every reply holds 1..4 tokens (an end-of-sequence token counts); servers may not report usage
    assert (6 if backend.type == "transformers" else 0) <= done.generated_tokens <= 24
    rates = backend.throughput.as_dict()
    assert rates["problems_per_s"] > 0 and rates["replies"] == backend.throughput.replies


def test_bad_conversations_are_rejected(backend):
    with pytest.raises(ValueError, match=r"conversations\[0\]\[0\]: role"):
        backend.generate([[{"role": "bot", "content": "hi"}]], SamplingParams())
    with pytest.raises(ValueError, match="last message must be a user turn"):
        backend.generate([[{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]], SamplingParams())


# ---- backend specifics ---------------------------------------------------------------------


def test_vllm_uses_documented_api(fake_vllm, tiny_model):
    backend = BackendConfig(type="vllm", model=str(tiny_model), revision="abc123", tensor_parallel_size=4,
                            max_model_len=4096).build()
    engine = fake_vllm.engines[-1]
    assert engine["enable_prefix_caching"] is True and engine["tensor_parallel_size"] == 4
    assert engine["max_model_len"] == 4096 and engine["revision"] == "abc123"
    params = SamplingParams(n=3, temperature=0.2, max_tokens=5, seed=7, choices=("yes", "no"))
    assert backend.supports_choices and backend.effective(params) == params
    backend.generate(CONVERSATIONS[:2], params)
    sent = fake_vllm.calls[-1]
    assert len(sent) == 6  # one request per (conversation, sample), each with its own seed
    assert [p.seed for p in sent[:3]] == [params.sample_seed(i) for i in range(3)] == [p.seed for p in sent[3:]]
    assert all(p.structured_outputs.choice == ["yes", "no"] and p.max_tokens == 5 for p in sent)


def test_vllm_scores_use_documented_logprobs_api(fake_vllm, tiny_model, smollm2):
    from bigmath.llm.scores import ScoreParams

    backend = BackendConfig(type="vllm", model="smollm2-135m-instruct").build()
    assert backend.supports_scores and backend.engine_args["model"] != "smollm2-135m-instruct"  # the folder
    conversations = [[{"role": "user", "content": "Is 7 a prime number? Answer yes or no."}],
                     [{"role": "user", "content": "Is 8 an odd number? Answer yes or no."}]]
    scores = backend.score(conversations, ScoreParams(top_logprobs=20))
    sent = fake_vllm.calls[-1][0]
    assert (sent.max_tokens, sent.logprobs, sent.temperature, sent.n) == (1, 20, 0.0, 1)
    # the top-20 token ids hold (nearly) all of the answer words' mass: same scores as transformers
    exact = smollm2.score(conversations)
    for got, want in zip(scores, exact):
        assert got.p_yes == pytest.approx(want.p_yes, abs=0.02) and got.mass <= want.mass + 1e-9
    assert backend.score_key(ScoreParams()) != smollm2.score_key(ScoreParams())  # top-k matters only for vLLM


def test_vllm_older_guided_decoding_and_none(tiny_model):
    for api, expected in (("guided_decoding", True), (None, False)):
        fake = _FakeVLLM(api)
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(sys.modules, "vllm", fake.module)
            patch.setitem(sys.modules, "vllm.sampling_params", fake.sampling)
            backend = BackendConfig(type="vllm", model=str(tiny_model)).build()
            params = SamplingParams(temperature=0.2, max_tokens=2, choices=("yes", "no"))
            assert backend.supports_choices is expected
            backend.generate(CONVERSATIONS[:1], params)
            sent = fake.calls[-1][0]
            assert (sent.guided_decoding is not None) is expected and sent.structured_outputs is None
            # unenforced choices are dropped from the cache key too
            assert backend.effective(params).choices == (("yes", "no") if expected else ())


def test_vllm_missing_is_a_clear_error(tiny_model):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "vllm", None)  # import vllm -> ImportError
        with pytest.raises(BackendError, match=r"pip install 'bigmath\[gpu\]'"):
            BackendConfig(type="vllm", model=str(tiny_model)).build()


def test_openai_concurrency_keeps_order_and_errors_are_clear(openai_server, tiny_model):
    many = [[{"role": "user", "content": f"Compute {i} + {i}."}] for i in range(8)]
    params = SamplingParams(n=1, temperature=0.0, max_tokens=4)
    one = BackendConfig(type="openai", model=str(tiny_model), base_url=openai_server, concurrency=1).build()
    four = BackendConfig(type="openai", model=str(tiny_model), base_url=openai_server, concurrency=4).build()
    assert four.generate(many, params) == one.generate(many, params)
    dead = BackendConfig(type="openai", model=str(tiny_model), base_url=f"http://127.0.0.1:{_free_port()}/v1",
                         max_retries=1, timeout_s=5).build()
    with pytest.raises(BackendError, match="openai backend"):
        dead.generate(many[:1], params)
    for backend in (one, four, dead):
        backend.close()


def test_openai_choice_param_goes_in_the_request_body(tiny_model):
    backend = BackendConfig(type="openai", model=str(tiny_model), base_url="http://127.0.0.1:9/v1",
                            choice_param="structured_outputs").build()
    params = SamplingParams(choices=("yes", "no"))
    assert backend._extra_body(params) == {"structured_outputs": {"choice": ["yes", "no"]}}
    assert backend.supports_choices and backend._extra_body(params.without_choices()) is None
    with pytest.raises(ValueError, match="base_url"):
        BackendConfig(type="openai", model="m")

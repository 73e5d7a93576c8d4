"""``openai`` backend: any OpenAI-compatible chat-completions server.

Works with ``vllm serve``, SGLang, llama.cpp's server and ``transformers serve``. Each request
is one sample (``n`` is not sent: several servers ignore or reject it), carrying that sample's
seed, so a server that honours ``seed`` (vLLM, SGLang, transformers serve) regenerates the same
text. Requests run on a thread pool of ``concurrency`` workers; the ``openai`` client retries
connection errors, 408/409/429 and 5xx answers ``max_retries`` times with exponential back-off.

Constrained choice (``SamplingParams.choices``) is sent only when ``choice_param`` says how the
server takes it: ``structured_outputs`` (vLLM >= 0.11, ``{"structured_outputs": {"choice": [...]}}``,
see https://docs.vllm.ai/en/latest/features/structured_outputs/) or ``guided_choice`` (older vLLM,
SGLang). Strict servers such as ``transformers serve`` reject unknown fields, so the default
sends nothing and the label parser reads the free text.

Scores (:meth:`OpenAIBackend.score`): one request per conversation with ``max_tokens=1,
temperature=0, logprobs=True, top_logprobs=k`` (OpenAI chat-completions API; vLLM serve,
SGLang and llama.cpp's server implement it); ``choices[0].logprobs.content[0].top_logprobs``
lists the top ``k <= 20`` tokens as strings, matched with
:func:`bigmath.llm.scores.label_of_token`. Whether a server returns them is found out once
(:attr:`OpenAIBackend.supports_scores` sends one 1-token probe request): ``transformers serve``
(5.x) ignores ``logprobs`` and returns none, so judges fall back to sampled replies there.
"""

from __future__ import annotations

import concurrent.futures
import os

from bigmath.llm.base import Backend, BackendError, Conversation, GenerationRequest, SamplingParams, ScoresUnavailable
from bigmath.llm.scores import ScoreParams, YesNoScore, label_of_token, score_top_logprobs

#: The conversation of the one-token probe that tells whether a server returns log-probabilities.
PROBE: Conversation = [{"role": "user", "content": "Is 4 an even number? Answer yes or no."}]


class OpenAIBackend(Backend):
    """Generate through an OpenAI-compatible ``/v1/chat/completions`` endpoint.

    Args:
        model: model name the server expects in ``model`` (for ``transformers serve`` the path
            or id it was started with).
        base_url: server URL ending in ``/v1``.
        revision: model revision, recorded for the request cache (the server decides what it runs).
        api_key_env: environment variable with the API key; ``EMPTY`` when unset (local servers).
        concurrency: requests in flight at once.
        max_retries: client retries per request.
        timeout_s: seconds per request.
        choice_param: ``structured_outputs``, ``guided_choice`` or None (see module docstring).
        logprobs: whether the server returns log-probabilities: None finds out with one probe
            request the first time :attr:`supports_scores` is read; True / False skip the probe.
    """

    type = "openai"

    def __init__(self, model: str, *, base_url: str, revision: str | None = None,
                 api_key_env: str = "OPENAI_API_KEY", concurrency: int = 16, max_retries: int = 5,
                 timeout_s: float = 600.0, choice_param: str | None = None, logprobs: bool | None = None):
        super().__init__(model, revision)
        import openai

        if not base_url:
            raise BackendError("openai backend needs base_url, e.g. http://127.0.0.1:8000/v1")
        if choice_param not in (None, "structured_outputs", "guided_choice"):
            raise BackendError(f"choice_param must be structured_outputs, guided_choice or None, got {choice_param!r}")
        self.base_url = base_url
        self.concurrency = concurrency
        self.choice_param = choice_param
        self.supports_choices = choice_param is not None
        self._openai = openai
        self._logprobs = logprobs
        self.client = openai.OpenAI(base_url=base_url, api_key=os.environ.get(api_key_env) or "EMPTY",
                                    max_retries=max_retries, timeout=timeout_s)

    def describe(self) -> dict:
        """Identity plus the server URL."""
        return {**super().describe(), "base_url": self.base_url}

    def _extra_body(self, params: SamplingParams) -> dict | None:
        if not params.choices or self.choice_param is None:
            return None
        if self.choice_param == "structured_outputs":
            return {"structured_outputs": {"choice": list(params.choices)}}
        return {"guided_choice": list(params.choices)}

    def _one(self, request: GenerationRequest, params: SamplingParams) -> str:
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=request.conversation,
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                seed=request.seed,
                extra_body=self._extra_body(params),
            )
        except self._openai.OpenAIError as exc:
            raise BackendError(f"openai backend ({self.base_url}, model {self.model!r}): {exc}") from exc
        if not response.choices:
            raise BackendError(f"openai backend ({self.base_url}): response without choices")
        if response.usage is not None:
            self.throughput.generated_tokens += response.usage.completion_tokens or 0
        return response.choices[0].message.content or ""

    def _generate(self, requests: list[GenerationRequest], params: SamplingParams) -> list[str]:
        workers = min(self.concurrency, len(requests))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda r: self._one(r, params), requests))

    @property
    def supports_scores(self) -> bool:
        """Whether the server returns top log-probabilities (probed once, see ``logprobs``).

        Raises:
            BackendError: the server cannot be reached.
        """
        if self._logprobs is None:
            try:
                self._logprobs = bool(self._top_logprobs(PROBE, 5))
            except ScoresUnavailable:
                self._logprobs = False
        return self._logprobs

    def _top_logprobs(self, conversation: Conversation, k: int) -> list:
        """The ``top_logprobs`` entries (``.token``, ``.logprob``) of the first reply token.

        Raises:
            ScoresUnavailable: the server refused the request (4xx) or returned no logprobs.
            BackendError: any other failure (unreachable, 5xx after retries).
        """
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=conversation, max_tokens=1, temperature=0.0, logprobs=True,
                top_logprobs=k, seed=0)
        except self._openai.BadRequestError as exc:
            raise ScoresUnavailable(f"openai backend ({self.base_url}) refused logprobs: {exc}") from exc
        except self._openai.OpenAIError as exc:
            raise BackendError(f"openai backend ({self.base_url}, model {self.model!r}): {exc}") from exc
        choice = response.choices[0] if response.choices else None
        content = choice.logprobs.content if choice is not None and choice.logprobs is not None else None
        if not content or not content[0].top_logprobs:
            raise ScoresUnavailable(f"openai backend: the server at {self.base_url} returned no log-probabilities "
                                    "(transformers serve ignores logprobs); judge with sampled replies")
        return content[0].top_logprobs

    def _score_one(self, conversation: Conversation, params: ScoreParams) -> YesNoScore:
        top = self._top_logprobs(conversation, params.top_logprobs)
        return score_top_logprobs(((t.token, t.logprob) for t in top), lambda token: label_of_token(token, params),
                                  params)

    def _score(self, conversations: list[Conversation], params: ScoreParams) -> list[YesNoScore]:
        workers = min(self.concurrency, len(conversations))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda c: self._score_one(c, params), conversations))

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

"""Optional hosted embedders of the original study (OpenAI, Gemini), used only when their key is
in the environment. Plain HTTPS with the standard library: no SDK to install, never in the tests'
path to a real service (they talk to a local stand-in server through the *_BASE_URL variables)."""

import json
import os
import time
import urllib.error
import urllib.request

import numpy as np

PROVIDERS = {
    # alias prefix: (key variable, base URL variable, default base URL)
    "openai": ("OPENAI_API_KEY", "OPENAI_BASE_URL", "https://api.openai.com/v1"),
    "gemini": ("GEMINI_API_KEY", "GEMINI_BASE_URL", "https://generativelanguage.googleapis.com/v1beta"),
}
# text-embedding-004 was shut down on 2026-01-14 (404 since): gemini-embedding-001 is the current model.
DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "gemini-embedding-001": 3072}
DEFAULTS = {"openai": "text-embedding-3-small", "gemini": "gemini-embedding-001"}
RETRIED = {429, 500, 502, 503, 504}  # rate limits and transient server errors


def available_api_embedders() -> list[str]:
    """The hosted embedders whose key is set, e.g. ['openai:text-embedding-3-small']."""
    return [f"{name}:{DEFAULTS[name]}" for name, (key, _, _) in PROVIDERS.items() if os.environ.get(key)]


class ApiEmbedder:
    """encode(texts) through a provider's embeddings endpoint, in batches."""

    max_tokens = None
    tokenizer = None

    def __init__(self, name: str, batch_size: int = 64, timeout: float = 60.0, retries: int = 5,
                 backoff: float = 1.0, sleep=time.sleep):
        provider, _, model = name.partition(":")
        if provider not in PROVIDERS or not model:
            raise ValueError(f"hosted embedders are 'openai:MODEL' or 'gemini:MODEL', got {name!r}")
        key_variable, url_variable, default_url = PROVIDERS[provider]
        self.key = os.environ.get(key_variable)
        if not self.key:
            raise RuntimeError(f"{name} needs the {key_variable} environment variable (never put keys in a cell)")
        self.name, self.provider, self.model = name, provider, model
        self.base_url = os.environ.get(url_variable, default_url).rstrip("/")
        self.batch_size, self.timeout = batch_size, timeout
        self.retries, self.backoff, self.sleep = retries, backoff, sleep  # sleep: injectable for tests
        self.dimension = DIMENSIONS.get(model, 0)

    def _post(self, url: str, payload: dict, headers: dict) -> dict:
        """POST JSON; 429 and 5xx are retried with exponential backoff (Retry-After when given)."""
        request = urllib.request.Request(url, json.dumps(payload).encode("utf-8"),
                                         {"Content-Type": "application/json", **headers})
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as error:
                if error.code not in RETRIED or attempt == self.retries:
                    raise RuntimeError(f"{self.name}: HTTP {error.code} {error.read()[:200]!r}"
                                       + (f" after {attempt + 1} attempts" if attempt else "")) from None
                wait = self.backoff * 2 ** attempt
                retry_after = error.headers.get("Retry-After") if error.headers else None
                if retry_after and retry_after.strip().isdigit():
                    wait = max(wait, float(retry_after))
                self.sleep(min(wait, 60.0))
            except urllib.error.URLError as error:
                raise RuntimeError(f"{self.name}: cannot reach {self.base_url} ({error.reason})") from None
        raise AssertionError("unreachable")

    def _batch(self, texts: list[str]) -> list[list[float]]:
        if self.provider == "openai":
            data = self._post(f"{self.base_url}/embeddings", {"model": self.model, "input": texts},
                              {"Authorization": f"Bearer {self.key}"})
            return [item["embedding"] for item in sorted(data["data"], key=lambda item: item["index"])]
        requests = [{"model": f"models/{self.model}", "content": {"parts": [{"text": text}]}} for text in texts]
        data = self._post(f"{self.base_url}/models/{self.model}:batchEmbedContents", {"requests": requests},
                          {"x-goog-api-key": self.key})
        return [item["values"] for item in data["embeddings"]]

    def encode(self, texts: list[str], batch_size: int | None = None, show_progress: bool = False) -> np.ndarray:
        """Embed texts into an (n, dimension) float32 array."""
        if isinstance(texts, str):
            raise TypeError("encode expects a list of strings; wrap a single text in a list")
        from tqdm.auto import tqdm

        size = batch_size or self.batch_size
        starts = tqdm(range(0, len(texts), size), desc=f"Embeddings {self.name}", unit="lote", disable=not show_progress)
        rows = [row for start in starts for row in self._batch(list(texts[start:start + size]))]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        self.dimension = vectors.shape[1] if len(texts) else self.dimension
        return vectors

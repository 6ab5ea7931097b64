"""Chunking and search (embeddings, BM25, hybrid) shared by the retrieval and recommendation studies."""

import math
import re
from dataclasses import dataclass

import numpy as np


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def top_k_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first (argpartition, then a sort of only k)."""
    k = min(k, scores.shape[-1])
    if scores.ndim == 1:  # the per-query hot path: plain indexing beats take_along_axis
        part = np.argpartition(scores, -k)[-k:]
        return part[np.argsort(-scores[part], kind="stable")]
    part = np.argpartition(-scores, k - 1, axis=-1)[..., :k]
    order = np.take_along_axis(scores, part, axis=-1).argsort(axis=-1, kind="stable")[..., ::-1]
    return np.take_along_axis(part, order, axis=-1)


def nearest_neighbours(vectors: np.ndarray, k: int) -> np.ndarray:
    """For every row, the indices of its k most cosine-similar other rows."""
    unit = normalize_rows(vectors)
    scores = unit @ unit.T
    np.fill_diagonal(scores, -np.inf)
    return top_k_indices(scores, k)


def most_similar_pairs(vectors: np.ndarray, n: int = 10) -> list[tuple[int, int, float]]:
    """The n most cosine-similar distinct pairs (i < j, similarity), best first."""
    unit = normalize_rows(vectors)
    scores = np.triu(unit @ unit.T, k=1)
    scores[np.tril_indices_from(scores)] = -np.inf
    flat = top_k_indices(scores.ravel(), n)
    rows, cols = np.unravel_index(flat, scores.shape)
    return [(int(i), int(j), float(scores[i, j])) for i, j in zip(rows, cols, strict=True)]


# --- Chunking -------------------------------------------------------------------------------

def chunk_words(text: str, size: int, overlap: int) -> list[str]:
    """Windows of `size` words, each sharing `overlap` words with the previous one."""
    if size <= 0:
        raise ValueError(f"size must be positive, got {size}")
    if not 0 <= overlap < size:
        raise ValueError(f"overlap must be at least 0 and smaller than size ({size}), got {overlap}")
    words = text.split()
    chunks = []
    for start in range(0, len(words), size - overlap):
        chunks.append(" ".join(words[start:start + size]))
        if start + size >= len(words):
            break
    return chunks


@dataclass(frozen=True)
class Chunk:
    """A retrievable piece of a document, the section labels it covers (for citations) and the
    share of its words under each label (same order; empty when unknown)."""

    text: str
    labels: tuple[str, ...]
    shares: tuple[float, ...] = ()
    owners: tuple[str, ...] = ()  # the label of each word of text (empty when unknown)

    @property
    def majority(self) -> str:
        """The label holding most of the chunk's words (the first label when shares are unknown)."""
        return self.labels[max(range(len(self.shares)), key=self.shares.__getitem__)] if self.shares else self.labels[0]

    def head(self, words: int) -> "Chunk":
        """The chunk cut to its first `words` words, labels and shares counted on those alone (what a
        prompt that shows only the start of each fragment really shows)."""
        kept = self.text.split()[:words]
        if not self.owners:
            return Chunk(" ".join(kept), self.labels, self.shares)
        return _labelled(kept, list(self.owners[:len(kept)]), 0, len(kept))


def _document_words(sections) -> tuple[list[str], list[str]]:
    words, owners = [], []
    for section in sections:
        for word in section.text.split():
            words.append(word)
            owners.append(section.label)
    return words, owners


def _labelled(words: list[str], owners: list[str], start: int, end: int) -> Chunk:
    counts: dict[str, int] = {}
    for owner in owners[start:end]:
        counts[owner] = counts.get(owner, 0) + 1
    total = sum(counts.values())
    return Chunk(" ".join(words[start:end]), tuple(counts), tuple(c / total for c in counts.values()),
                 tuple(owners[start:end]))


def chunk_labelled_words(sections, size: int, overlap: int) -> list[Chunk]:
    """chunk_words over a whole document, each chunk keeping the labels of the sections it spans."""
    chunk_words("x", size, overlap)  # the same argument checks
    words, owners = _document_words(sections)
    chunks = []
    for start in range(0, len(words), size - overlap):
        chunks.append(_labelled(words, owners, start, start + size))
        if start + size >= len(words):
            break
    return chunks


def chunk_labelled_tokens(sections, count_tokens, size: int, overlap: int) -> list[Chunk]:
    """Like chunk_labelled_words, but `size` and `overlap` count the embedder's own tokens
    (count_tokens: list of words -> tokens per word), so no chunk is cut by the model's limit.

    Windows end at word boundaries; a word longer than `size` tokens stands alone."""
    if not 0 <= overlap < size:
        raise ValueError(f"need 0 <= overlap < size, got size {size} and overlap {overlap}")
    words, owners = _document_words(sections)
    costs = list(count_tokens(words)) if words else []
    chunks, start = [], 0
    while start < len(words):
        end, used = start, 0
        while end < len(words) and (end == start or used + costs[end] <= size):
            used += costs[end]
            end += 1
        chunks.append(_labelled(words, owners, start, end))
        if end >= len(words):
            break
        back, kept = end, 0  # step back over `overlap` tokens for the next window
        while back - 1 > start and kept + costs[back - 1] <= overlap:
            back -= 1
            kept += costs[back]
        start = back
    return chunks


def chunk_by_sections(sections, max_words: int) -> list[Chunk]:
    """Chunks that never cross a section and end at sentence boundaries (a long sentence alone)."""
    chunks = []
    for section in sections:
        current: list[str] = []
        for sentence in re.split(r"(?<=[.!?])\s+", section.text):
            if current and len(" ".join(current + [sentence]).split()) > max_words:
                chunks.append(_whole(" ".join(current), section.label))
                current = []
            current.append(sentence)
        if current:
            chunks.append(_whole(" ".join(current), section.label))
    return chunks


def _whole(text: str, label: str) -> Chunk:
    return Chunk(text, (label,), (1.0,), (label,) * len(text.split()))


# --- Retrieval --------------------------------------------------------------------------------

SIMILARITIES = ("cosine", "euclidean", "bm25", "hybrid")


def _bm25_tokens(texts: list[str]) -> list[list[str]]:
    import bm25s
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SPANISH

    from helpers.text import strip_accents

    stopwords = [strip_accents(w) for w in STOPWORDS_SPANISH] + list(STOPWORDS_EN)
    return bm25s.tokenize([strip_accents(t).lower() for t in texts], stopwords=stopwords,
                          return_ids=False, show_progress=False)


def reciprocal_rank_fusion(rankings: list[list[int]], k: int = 60) -> dict[int, float]:
    """RRF: each item scores the sum of 1 / (k + rank) over the rankings that hold it."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return scores


class Retriever:
    """Search chunks by cosine or euclidean similarity of embeddings, BM25, or a hybrid (RRF)."""

    def __init__(self, chunks: list, embedder=None, similarity: str = "cosine", vectors=None):
        if similarity not in SIMILARITIES:
            raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}")
        self.texts = [c.text if isinstance(c, Chunk) else c for c in chunks]
        self.similarity = similarity
        self.embedder = None
        if similarity != "bm25":
            if embedder is None:
                raise ValueError(f"similarity {similarity!r} needs an embedder (an alias or an Embedder)")
            if isinstance(embedder, str):
                from helpers.embeddings import load_embedder

                embedder = load_embedder(embedder)
            self.embedder = embedder
            if vectors is None:
                from helpers.embeddings import encode_cached

                vectors = encode_cached(embedder, self.texts)
            self.vectors = np.asarray(vectors, dtype=np.float32)
            self.unit = normalize_rows(self.vectors)
        if similarity in ("bm25", "hybrid"):
            import bm25s

            self.bm25 = bm25s.BM25()
            self.bm25.index(_bm25_tokens(self.texts), show_progress=False)

    def scores(self, query: str, query_vector=None) -> np.ndarray:
        """A score for every chunk, higher is better."""
        if self.similarity == "bm25":
            return self.bm25.get_scores(_bm25_tokens([query])[0])
        if query_vector is None:
            query_vector = self.embedder.encode([query])[0]
        query_vector = np.asarray(query_vector, dtype=np.float32)
        if self.similarity == "euclidean":
            return -np.linalg.norm(self.vectors - query_vector, axis=1)
        cosine = self.unit @ query_vector
        cosine /= math.sqrt(float(query_vector @ query_vector)) or 1.0
        if self.similarity == "cosine":
            return cosine
        bm25 = self.bm25.get_scores(_bm25_tokens([query])[0])
        fused = reciprocal_rank_fusion([np.argsort(-cosine).tolist(), np.argsort(-bm25).tolist()])
        return np.array([fused[i] for i in range(len(self.texts))])

    def search(self, query: str, top_k: int = 5, query_vector=None) -> list[tuple[int, float]]:
        """The top_k (chunk_index, score) pairs for a query, best first."""
        scores = self.scores(query, query_vector)
        best = top_k_indices(scores, top_k)
        return list(zip(best.tolist(), scores[best].tolist(), strict=True))

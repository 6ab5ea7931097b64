"""Chunking and search shared by studies 04 and 06: words, BM25, RRF, cosine vs euclidean."""

import numpy as np
import pytest

from helpers.retrieval import Retriever, chunk_words, reciprocal_rank_fusion


def test_chunk_words_overlaps_and_covers_everything():
    text = " ".join(f"w{i}" for i in range(10))
    assert chunk_words(text, 4, 2) == ["w0 w1 w2 w3", "w2 w3 w4 w5", "w4 w5 w6 w7", "w6 w7 w8 w9"]
    assert chunk_words(text, 4, 0) == ["w0 w1 w2 w3", "w4 w5 w6 w7", "w8 w9"]
    assert chunk_words("una dos", 300, 100) == ["una dos"]
    assert chunk_words("", 5, 1) == []


@pytest.mark.parametrize("size,overlap", [(4, 4), (4, 5), (0, 0), (4, -1)])
def test_chunk_words_rejects_bad_overlap(size, overlap):
    with pytest.raises(ValueError):
        chunk_words("a b c", size, overlap)


class KeywordEmbedder:
    """A transparent embedder for retriever tests: one dimension per keyword, counts as values."""

    name, dimension, max_tokens = "keywords", 3, None
    KEYWORDS = ["perro", "gato", "pez"]

    def encode(self, texts, batch_size=32, show_progress=False):
        return np.array([[t.lower().count(k) for k in self.KEYWORDS] for t in texts], dtype=np.float32)


CORPUS = ["el perro ladra y el perro corre", "el gato duerme", "el pez nada en el agua", "perro y gato juntos"]


@pytest.mark.parametrize("similarity", ["cosine", "euclidean", "hybrid"])
def test_retriever_finds_the_known_answer(similarity):
    retriever = Retriever(CORPUS, KeywordEmbedder(), similarity, vectors=KeywordEmbedder().encode(CORPUS))
    assert retriever.search("un pez", 1)[0][0] == 2
    assert retriever.search("gato", 2)[0][0] in (1, 3)


def test_bm25_and_rrf():
    retriever = Retriever(CORPUS, similarity="bm25")
    assert retriever.search("¿dónde nada el pez?", 1)[0][0] == 2
    assert reciprocal_rank_fusion([[1, 2], [2, 3]], k=60) == pytest.approx(
        {1: 1 / 61, 2: 1 / 62 + 1 / 61, 3: 1 / 62})
    with pytest.raises(ValueError, match="needs an embedder"):
        Retriever(CORPUS, None, "cosine")
    with pytest.raises(ValueError, match="similarity must be"):
        Retriever(CORPUS, similarity="dot")


def test_cosine_and_euclidean_agree_only_on_unit_vectors():
    embedder = KeywordEmbedder()
    unit = embedder.encode(CORPUS)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    query = np.array([1.0, 0.2, 0.0], dtype=np.float32)
    query /= np.linalg.norm(query)
    ranks = {s: [i for i, _ in Retriever(CORPUS, embedder, s, vectors=unit).search("q", 4, query)]
             for s in ("cosine", "euclidean")}
    assert ranks["cosine"] == ranks["euclidean"]
    long = unit * np.array([[10.0], [1.0], [1.0], [1.0]])  # same directions, one much longer vector
    cos = [i for i, _ in Retriever(CORPUS, embedder, "cosine", vectors=long).search("q", 4, query)]
    euc = [i for i, _ in Retriever(CORPUS, embedder, "euclidean", vectors=long).search("q", 4, query)]
    assert cos[0] == 0 and euc[0] != 0


def test_token_chunks_fit_the_limit_cover_every_word_and_overlap():
    from helpers.rag.bash_manual import Section
    from helpers.retrieval import chunk_labelled_tokens

    sections = [Section("A", "", "uno dos tres cuatro"), Section("B", "", "cinco seisseis siete ocho")]
    costs = lambda words: [1 + len(w) // 5 for w in words]  # noqa: E731 (a stand-in tokenizer)
    chunks = chunk_labelled_tokens(sections, costs, size=4, overlap=1)
    for chunk in chunks:
        assert sum(costs(chunk.text.split())) <= 4 or len(chunk.text.split()) == 1
        assert sum(chunk.shares) == pytest.approx(1.0)
    words = [w for c in chunks for w in c.text.split()]
    assert list(dict.fromkeys(words)) == "uno dos tres cuatro cinco seisseis siete ocho".split()
    assert chunks[0].text.split()[-1] == chunks[1].text.split()[0]  # one token of overlap
    assert chunks[0].labels == ("A",) and chunks[-1].majority == "B"
    with pytest.raises(ValueError):
        chunk_labelled_tokens(sections, costs, size=4, overlap=4)


def test_labelled_word_chunks_record_the_share_of_each_section():
    from helpers.rag.bash_manual import Section
    from helpers.retrieval import chunk_labelled_words

    chunks = chunk_labelled_words([Section("A", "", "a b"), Section("B", "", "c d e f")], 4, 1)
    assert chunks[0].labels == ("A", "B") and chunks[0].shares == (0.5, 0.5)
    assert chunks[1].labels == ("B",) and chunks[1].majority == "B"

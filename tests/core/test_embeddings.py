import numpy as np
import pytest

from helpers.embeddings import load_embedder

# MiniLM and MPNet are English models (Spanish barely separates); USE is multilingual.
ENGLISH = ["The cd command changes the working directory.",
           "To move to another folder in the terminal you use cd.",
           "The recipe needs tomato, olive oil and garlic."]
SPANISH = ["El comando cd cambia el directorio de trabajo.",
           "Para moverte a otra carpeta en la terminal usas cd.",
           "La receta lleva tomate, aceite de oliva y ajo."]


@pytest.mark.parametrize("name,dimension,sentences", [("all-MiniLM-L6-v2", 384, ENGLISH),
                                                      ("all-mpnet-base-v2", 768, ENGLISH),
                                                      ("use-multilingual-v3", 512, SPANISH)])
def test_packaged_embedders_put_paraphrases_closer(name, dimension, sentences):
    embedder = load_embedder(name)
    vectors = embedder.encode(sentences)
    assert vectors.shape == (3, dimension) and vectors.dtype == np.float32
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert unit[0] @ unit[1] > unit[0] @ unit[2] + 0.1
    assert embedder.encode([]).shape == (0, dimension)


def test_use_matches_spanish_to_english():
    embedder = load_embedder("use-multilingual-v3")
    spanish, english, other = embedder.encode(["un pianista en la guerra", "a pianist during the war",
                                               "a cooking competition"])
    assert spanish @ english > spanish @ other


def test_token_counts_and_limits_for_transformer_embedders():
    embedder = load_embedder("all-MiniLM-L6-v2")
    assert embedder.max_tokens == 256
    counts = embedder.count_tokens(["hola", "hola " * 400])
    assert counts[0] < 5 and counts[1] > 256  # a long chunk would be silently cut


def test_encode_rejects_a_bare_string():
    with pytest.raises(TypeError, match="list of strings"):
        load_embedder("use-multilingual-v3").encode("hola")

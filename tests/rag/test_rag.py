import re

import pytest

from helpers.rag.answers import REFUSAL, build_prompt, check_citations
from helpers.rag.bash_manual import Section, clean_text, load_manual, parse_html_sections, parse_man_sections
from helpers.rag.evaluation import chunk_hits, evaluate_retrieval, load_questions
from helpers.retrieval import Retriever, chunk_by_sections, chunk_labelled_words
from tests.core.test_retrieval import CORPUS, KeywordEmbedder


def test_clean_text_keeps_words_intact():
    raw = "cd  [-L]  dir\nCambia el direc‐\n       torio de trabajo ........ 12\n\n a.b ... c"
    assert clean_text(raw) == "cd [-L] dir Cambia el directorio de trabajo 12 a.b c"
    # The original's pattern matches the empty string and puts a space between every letter:
    assert re.sub(r"(\.|\s*)+", " ", "cd") == " c d "


MAN = """BASH(1)                General Commands Manual                BASH(1)

NOMBRE
       bash - GNU Bourne-Again SHell

REDIRECCIÓN
       Antes de ejecutar una orden se pueden redirigir sus entradas.

   Redirección de la Salida
       La redirección de la salida hace que el archivo se abra para escritura.

ÓRDENES NATIVAS DE LA SHELL
       Unless otherwise noted, each builtin command accepts -- to signify the end of options
       and the builtins listed do not accept options.
       cd [-L|[-P [-e]] [-@]] [dir]
              Change the current directory to dir.

       history [n]
       history -c
              Display the history list with line numbers.
       read [-ers] [-a aname] [-d delim] [-i text]  [-n  nchars]  [-N  nchars]  [-p  prompt]  [-t
       timeout] [-u fd] [nombre ...]
              One line is read from the standard input.
"""


def test_man_sections_split_headings_subsections_and_builtins():
    labels = [s.label for s in parse_man_sections(MAN)]
    assert labels == ["NOMBRE", "REDIRECCIÓN", "REDIRECCIÓN / Redirección de la Salida",
                      "ÓRDENES NATIVAS DE LA SHELL", "ÓRDENES NATIVAS DE LA SHELL / cd",
                      "ÓRDENES NATIVAS DE LA SHELL / history", "ÓRDENES NATIVAS DE LA SHELL / read"]
    cd = parse_man_sections(MAN)[4]
    assert cd.text == "cd [-L|[-P [-e]] [-@]] [dir] Change the current directory to dir."


def test_html_sections_follow_headings():
    html = ("<h2>3 Basic Shell Features</h2><p>Intro</p><h3>3.6 Redirections</h3><p>Before a command "
            "is executed ....... its input may be redirected.</p><script>x()</script>")
    assert parse_html_sections(html) == [
        Section("Basic Shell Features", "", "Intro"),
        Section("Basic Shell Features", "Redirections", "Before a command is executed its input may be redirected.")]


def test_labelled_chunks_keep_the_sections_they_span():
    sections = [Section("A", "", "uno dos tres"), Section("B", "x", "cuatro cinco. seis siete.")]
    chunks = chunk_labelled_words(sections, 4, 1)
    assert [c.labels for c in chunks] == [("A", "B / x"), ("B / x",)]
    by_section = chunk_by_sections(sections, 2)
    assert [(c.text, c.labels) for c in by_section] == [
        ("uno dos tres", ("A",)), ("cuatro cinco.", ("B / x",)), ("seis siete.", ("B / x",))]


def test_chunk_hits_matches_sections_and_their_subsections():
    assert chunk_hits(("REDIRECCIÓN / Redirección de la Salida",), ["REDIRECCIÓN"])
    assert chunk_hits(("A", "B / x"), ["B / x"])
    assert not chunk_hits(("REDIRECCIÓN",), ["REDIRECCIÓN / Redirección de la Salida"])


def test_evaluate_retrieval_by_hand():
    from helpers.retrieval import Chunk

    chunks = [Chunk(t, (label,)) for t, label in zip(CORPUS, ["PERRO", "GATO", "PEZ", "AMBOS"], strict=True)]
    retriever = Retriever(chunks, KeywordEmbedder(), "cosine")
    result = evaluate_retrieval(retriever, chunks, [{"question": "pez", "sections": ["PEZ"]},
                                                    {"question": "pez", "sections": ["GATO"]}], ks=(1, 3))
    assert result["hit@1"] == 0.5 and result["mrr"] < 1


def test_citation_checker():
    fragments = ["cd cambia el directorio de trabajo actual", "umask fija la máscara de permisos"]
    good = check_citations("cd cambia el directorio de trabajo [Contexto 1].", fragments)
    assert good["valid"] == [1] and good["has_valid_citation"] and not good["refused"]
    assert good["grounding"] == 1.0
    made_up = check_citations("La paella lleva arroz y azafrán [Contexto 2] [Contexto 7].", fragments)
    assert made_up["valid"] == [2] and made_up["invalid"] == [7] and made_up["grounding"] == 0.0
    refusal = check_citations(f"{REFUSAL}.", fragments)
    assert refusal["refused"] and not refusal["has_valid_citation"] and refusal["grounding"] is None


def test_prompt_numbers_fragments_and_states_the_rules():
    messages = build_prompt("¿Qué hace cd?", ["texto uno", "texto dos"])
    assert messages[0]["role"] == "system" and REFUSAL in messages[0]["content"]
    assert "[Contexto 1]\ntexto uno" in messages[1]["content"] and "[Contexto 2]\ntexto dos" in messages[1]["content"]


def test_real_manual_and_labelled_questions_agree():
    sections = load_manual("es")
    labels = {s.label for s in sections} | {s.section for s in sections}
    data = load_questions()
    assert len(data["questions"]) >= 40
    assert all(label in labels for q in data["questions"] for label in q["sections"])
    assert sum(len(s.text.split()) for s in sections) > 50_000
    assert len(load_manual("en")) > 100


def test_relevance_is_judged_on_the_words_the_generator_is_shown():
    """A chunk whose answer lies past the first words the prompt shows gives nothing to cite."""
    from helpers.rag.bash_manual import Section
    from helpers.rag.evaluation import is_relevant
    from helpers.retrieval import chunk_by_sections, chunk_labelled_words

    sections = [Section("cd", "", " ".join(["cd"] * 30)), Section("umask", "", " ".join(["umask"] * 70))]
    (chunk,) = chunk_labelled_words(sections, 100, 10)
    assert chunk.majority == "umask" and is_relevant(chunk, ["umask"])
    shown = chunk.head(20)  # the generator reads 20 words, all of them from cd's section
    assert shown.text.split() == ["cd"] * 20 and shown.labels == ("cd",) and shown.shares == (1.0,)
    assert not is_relevant(shown, ["umask"]) and is_relevant(shown, ["cd"])
    mixed = chunk.head(50)  # 30 cd + 20 umask: majority cd
    assert mixed.majority == "cd" and mixed.shares == pytest.approx((0.6, 0.4))
    whole = chunk_by_sections(sections, 300)[1]
    assert whole.head(5).labels == ("umask",) and len(whole.owners) == 70


def test_language_and_interval_helpers_shared_by_04_and_06():
    from helpers.metrics import format_interval
    from helpers.text import is_english

    assert is_english("The shell reads the file and runs it") and not is_english("El shell lee el fichero y lo ejecuta")
    assert not is_english("cd ls")  # no function word: not called English
    assert format_interval((0.5, 0.25, 0.75)) == "0.50 [0.25, 0.75]" and format_interval((1, 0, 2), 1) == "1.0 [0.0, 2.0]"

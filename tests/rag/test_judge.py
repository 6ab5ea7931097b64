"""The supported-citation judge of study 04: each wrong answer it must reject, and the right ones."""

import pytest

from helpers.rag.answers import REFUSAL, judge_answer, overlap
from helpers.rag.runs import outcome_summary, plot_outcomes, remote_code_refusal

FRAGMENTS = ["cd cambia el directorio de trabajo actual al directorio indicado; sin argumento usa HOME",
             "umask fija la máscara de creación de permisos de los archivos nuevos"]
GOLD = [True, False]  # the question is about cd: fragment 1 is from its section, fragment 2 is not


def judge(answer, in_manual=True, gold=GOLD):
    return judge_answer(answer, FRAGMENTS, gold, in_manual, threshold=0.5)


def test_an_answer_grounded_in_the_gold_fragment_is_supported():
    verdict = judge("cd cambia el directorio de trabajo; sin argumento usa HOME [Contexto 1]")
    assert verdict["outcome"] == "supported" and verdict["supported_citations"] == [1]
    assert verdict["unsupported_citations"] == []
    # Plural and accent variants still count as the same words.
    assert judge("cd cambia los directorios de trabajo [Contexto 1]")["outcome"] == "supported"


def test_a_refusal_with_a_citation_is_rejected():
    assert judge(f"{REFUSAL} [Contexto 1]")["outcome"] == "wrong_refusal"
    outside = judge(f"{REFUSAL} [Contexto 1]", in_manual=False, gold=[False, False])
    assert outside["outcome"] == "answered_outside"  # never a correct refusal once it cites


def test_a_citation_of_a_non_gold_fragment_is_rejected():
    verdict = judge("umask fija la máscara de creación de permisos [Contexto 2]")
    assert verdict["outcome"] == "unsupported" and verdict["unsupported_citations"] == [2]


def test_an_off_topic_answer_citing_the_real_fragment_is_rejected():
    verdict = judge("grep busca patrones en archivos de texto línea a línea [Contexto 1]")
    assert verdict["outcome"] == "unsupported" and verdict["supported_citations"] == []


def test_citations_out_of_range_and_too_short_answers_are_unsupported():
    assert judge("cd cambia el directorio [Contexto 7]")["unsupported_citations"] == [7]
    assert judge("Sí [Contexto 1]")["outcome"] == "unsupported"  # nothing to check against the fragment


def test_refusals_and_missing_citations_are_separate_outcomes():
    assert judge(REFUSAL, in_manual=False, gold=[False, False])["outcome"] == "correct_refusal"
    assert judge(REFUSAL)["outcome"] == "wrong_refusal"
    assert judge("cd cambia el directorio de trabajo")["outcome"] == "no_citation"
    assert judge("awk imprime columnas [Contexto 1]", in_manual=False, gold=[False, False])["outcome"] == "answered_outside"
    with pytest.raises(ValueError, match="gold has 1 flags for 2 fragments"):
        judge_answer("x", FRAGMENTS, [True], True)


def test_overlap_ignores_citations_and_the_prompt_wording():
    assert overlap("[Contexto 1] Según el fragmento, cambia el directorio", FRAGMENTS[0]) == 1.0
    assert overlap("[Contexto 1]", FRAGMENTS[0]) is None


def _row(outcome, in_manual=True, gold_shown=True, unsupported=()):
    return {"in_manual": in_manual, "outcome": outcome, "gold_shown": gold_shown, "unsupported_citations": list(unsupported),
            "refused": outcome.endswith("refusal")}


def test_outcome_summary_counts_each_outcome_over_its_own_questions(tmp_path):
    judged = [_row("supported"), _row("unsupported", unsupported=[2, 3]), _row("wrong_refusal"), _row("no_citation"),
              _row("correct_refusal", in_manual=False, gold_shown=False),
              _row("answered_outside", in_manual=False, gold_shown=False, unsupported=[1])]
    summary = outcome_summary(judged)
    assert [summary[k][0] for k in ("supported", "unsupported", "no_citation", "wrong_refusal")] == [0.25] * 4
    assert summary["justified_refusal"] is None and (summary["gold_shown"], summary["gold_missing"]) == (4, 0)
    assert summary["correct_refusal"][0] == 0.5 and summary["unsupported_citations"] == 3
    assert (summary["in_manual"], summary["outside"]) == (4, 2)
    everything = outcome_summary([_row("correct_refusal", in_manual=False, gold_shown=False)] * 12)
    assert everything["correct_refusal"][0] == 1.0 and everything["correct_refusal"][1] < 0.75  # exact: [0.74, 1]
    plot_outcomes({"a": {"supported": 1, "wrong_refusal": 2}}, tmp_path / "c.png", "t")
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_refusing_when_no_fragment_shown_holds_the_answer_is_not_a_wrong_refusal():
    """The old rule counted every refusal of an in-manual question as wrong, even when none of the
    fragments in the prompt held the answer: then refusing is right."""
    assert judge(REFUSAL, gold=[False, False])["outcome"] == "justified_refusal"
    assert judge(REFUSAL, gold=[True, False])["outcome"] == "wrong_refusal"
    judged = [_row("wrong_refusal"), _row("supported"), _row("justified_refusal", gold_shown=False),
              _row("justified_refusal", gold_shown=False), _row("no_citation", gold_shown=False)]
    summary = outcome_summary(judged)
    assert summary["wrong_refusal"][0] == 0.5  # 1 of the 2 questions whose prompt held the answer
    assert summary["justified_refusal"][0] == pytest.approx(2 / 3) and summary["gold_missing"] == 3


def test_jina_needs_an_explicit_opt_in():
    reason = remote_code_refusal("jinaai/jina-embeddings-v2-base-es", False)
    assert "TRUST_REMOTE_CODE" in reason and "\n" not in reason
    assert remote_code_refusal("jinaai/jina-embeddings-v2-base-es", True) is None
    assert remote_code_refusal("sentence-transformers/paraphrase-multilingual-mpnet-base-v2", False) is None

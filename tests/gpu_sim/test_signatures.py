"""The drift check (tests/drift/signatures.py): the helpers pass only keyword arguments the installed
transformers, trl, peft and generate take, and a planted drift is named with its file and line."""

from tests.drift.signatures import call_sites, drift

PLANTED = '''
def planted(model, encoded, path):
    from transformers import AutoModelForCausalLM, TrainingArguments
    from trl import SFTConfig

    fields = dict(output_dir="x", max_steps=1)
    fields |= {"activation_checkpointin": True}
    SFTConfig(**fields)
    TrainingArguments(output_dir="x", gradient_checkpointin=True)
    AutoModelForCausalLM.from_pretrained(path, torch_dtypo="auto")
    model.generate(**encoded, max_new_tokenz=3)
    model(input_ids=encoded, num_logits_to_keepp=1)
'''


def test_helpers_pass_only_arguments_the_installed_libraries_take():
    sites = call_sites()
    sft = {name for _, _, _, target, name in sites if target == "SFTConfig"}
    assert {"max_length", "completion_only_loss", "fp16", "report_to"} <= sft  # found inside sft_config's dicts
    assert {t for _, _, _, t, _ in sites} >= {"generate", "forward", "AutoModelForCausalLM", "LoraConfig", "SFTTrainer"}
    assert drift(sites) == []


def test_a_planted_drift_is_named_by_file_and_line(tmp_path):
    (tmp_path / "planted.py").write_text(PLANTED)
    problems = drift(call_sites(tmp_path))
    named = {line.split(" take ")[1] for line in problems}
    assert named == {"'activation_checkpointin' here", "'gradient_checkpointin' here", "'torch_dtypo' here",
                     "'max_new_tokenz' here", "'num_logits_to_keepp' here"}
    assert all(line.startswith(str(tmp_path / "planted.py") + ":") for line in problems)

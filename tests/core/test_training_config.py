"""sft_config: caller overrides, REPORT_TO (wandb / tensorboard / trackio) and its clear failures."""

import sys
import types

import pytest

import helpers.tracking as tracking
from helpers.tracking import TrackingError, tracking_fields
from helpers.training import sft_config


@pytest.fixture
def no_wandb_login(monkeypatch, tmp_path):
    """No key in the environment, no `wandb login` (~/.netrc), no WANDB_MODE, not in Colab."""
    for name in ("WANDB_API_KEY", "WANDB_MODE", "WANDB_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("WANDB_PROJECT", "WANDB_DIR"):  # set first so monkeypatch restores their absence
        monkeypatch.setenv(name, "x")
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    return tmp_path


def test_the_caller_overrides_any_field_that_has_a_default_here(tmp_path):
    config = sft_config(tmp_path, 5, logging_steps=5, save_strategy="steps", save_steps=2,
                        lr_scheduler_type="linear", warmup_steps=0, disable_tqdm=True, weight_decay=0.1)
    assert (config.logging_steps, config.save_strategy, config.save_steps) == (5, "steps", 2)
    assert (config.lr_scheduler_type, config.warmup_steps, config.disable_tqdm) == ("linear", 0, True)
    assert config.weight_decay == 0.1  # a field with no default here passes through as well
    assert config.completion_only_loss is True and config.report_to == []  # untouched defaults stay


def test_a_misspelt_field_is_rejected_by_name(tmp_path):
    with pytest.raises(TypeError, match="logging_stepz"):
        sft_config(tmp_path, 5, logging_stepz=5)


def test_report_to_reaches_the_built_config(tmp_path, no_wandb_login, monkeypatch):
    monkeypatch.setattr(tracking, "installed", lambda package: True)  # tensorboard and trackio are optional extras
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_PROJECT", "mi-proyecto")
    config = sft_config(tmp_path / "trainer", 3, report_to="wandb", run_name="01_gemma")
    assert config.report_to == ["wandb"] and config.run_name == "01_gemma"
    assert config.logging_steps == 1  # the other defaults are still there
    import os

    assert os.environ["WANDB_PROJECT"] == "mi-proyecto"  # the user's project is kept
    assert os.environ["WANDB_DIR"] == str(tmp_path / "trainer")  # offline runs land beside the results
    assert os.environ["WANDB_MODE"] == "offline"
    assert sft_config(tmp_path, 3, report_to="tensorboard").report_to == ["tensorboard"]
    trackio = sft_config(tmp_path, 3, report_to="trackio")
    assert trackio.report_to == ["trackio"] and trackio.project == "llm-studies"


def test_wandb_without_key_and_without_offline_mode_fails_with_one_clear_sentence(tmp_path, no_wandb_login):
    with pytest.raises(TrackingError) as caught:
        sft_config(tmp_path, 3, report_to="wandb")
    message = str(caught.value)
    assert message.endswith(".") and message.count(". ") == 0 and "\n" not in message  # one sentence
    for hint in ("WANDB_API_KEY", "Colab secret", "wandb login", "WANDB_MODE=offline", "wandb sync"):
        assert hint in message


@pytest.mark.parametrize("how", ["environment", "netrc", "colab", "offline", "disabled"])
def test_each_way_of_giving_wandb_a_key_or_a_local_mode_passes(how, tmp_path, no_wandb_login, monkeypatch):
    if how == "environment":
        monkeypatch.setenv("WANDB_API_KEY", "k" * 40)
    elif how == "netrc":
        home = tmp_path / "home"
        home.mkdir()
        (home / ".netrc").write_text("machine api.wandb.ai\n  login user\n  password " + "k" * 40 + "\n")
        (home / ".netrc").chmod(0o600)
    elif how == "colab":
        colab = types.ModuleType("google.colab")
        colab.userdata = types.SimpleNamespace(get=lambda name: "c" * 40 if name == "WANDB_API_KEY" else None)
        monkeypatch.setitem(sys.modules, "google.colab", colab)
        monkeypatch.setenv("WANDB_API_KEY", "x")
        monkeypatch.delenv("WANDB_API_KEY")  # restored to absent afterwards
    else:
        monkeypatch.setenv("WANDB_MODE", how)
    mode = tracking.prepare_wandb(tmp_path / "logs")
    assert mode == ("online" if how in ("environment", "netrc", "colab") else how)
    if how == "colab":
        import os

        assert os.environ["WANDB_API_KEY"] == "c" * 40  # the secret reaches wandb through this process only


def test_a_netrc_for_another_host_is_not_a_wandb_login(tmp_path, no_wandb_login):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".netrc").write_text("machine example.org\n  login user\n  password secret\n")
    (home / ".netrc").chmod(0o600)
    with pytest.raises(TrackingError, match="needs a W&B API key"):
        tracking.prepare_wandb(tmp_path / "logs")


@pytest.mark.parametrize("tracker, listed", [("tensorboard", "requirements-tracking.txt"), ("wandb", "requirements.txt")])
def test_a_tracker_that_is_not_installed_says_what_to_install(tracker, listed, tmp_path, no_wandb_login, monkeypatch):
    monkeypatch.setattr(tracking, "installed", lambda package: False)
    monkeypatch.setenv("WANDB_MODE", "offline")
    with pytest.raises(TrackingError, match=f"needs the {tracker} package.*install -r {listed}$"):
        tracking_fields(tracker, tmp_path)


@pytest.mark.parametrize("wrong", ["comet", "WANDB", "", "all"])
def test_an_unknown_tracker_is_rejected_with_the_choices(wrong, tmp_path):
    with pytest.raises(TrackingError, match="REPORT_TO must be one of"):
        tracking_fields(wrong, tmp_path)


def test_none_reports_nowhere_and_needs_nothing(tmp_path, no_wandb_login):
    assert tracking_fields("none", tmp_path) == {"report_to": "none"}


def test_gradient_checkpointing_is_off_on_cpu_and_can_be_asked_for(tmp_path):
    from trl import SFTConfig

    from helpers.training import checkpointing_field

    field = checkpointing_field(SFTConfig)  # activation_checkpointing from transformers 5.23, before it gradient_
    config = sft_config(tmp_path, 3)
    assert getattr(config, field) is False and config.gradient_checkpointing is False  # ~11% of a CPU step
    assert sft_config(tmp_path, 3, **{field: True}).gradient_checkpointing is True


def test_loss_flattening_tells_a_plateau_from_a_curve_still_falling():
    from helpers.training import loss_flattening

    plateau = [{"step": i, "loss": 3.0 - min(i, 10) * 0.2 + (0.05 if i % 2 else -0.05)} for i in range(40)]
    falling = [{"step": i, "loss": 5.0 - i * 0.08} for i in range(40)]
    assert loss_flattening(plateau)["flat"] is True
    verdict = loss_flattening(falling)
    assert verdict["flat"] is False and verdict["relative_drop"] > 0.05 and verdict["steps_per_window"] == 10
    assert loss_flattening([{"loss": 2.0}, {"loss": 1.0}, {"loss": 1.0}, {"loss": 1.0}])["previous_mean"] == 1.0
    with pytest.raises(ValueError, match="3 logged losses"):
        loss_flattening([{"loss": 1.0}] * 3)

"""Opt-in experiment tracking for the trainers (REPORT_TO): wandb, tensorboard or trackio."""

import os
import sys
from importlib.util import find_spec
from pathlib import Path

TRACKERS = ("none", "wandb", "tensorboard", "trackio")
PROJECT = "llm-studies"  # the W&B / trackio project when the user names none
_LOCAL_WANDB_MODES = {"offline", "dryrun", "disabled"}


class TrackingError(ValueError):
    """REPORT_TO cannot work as asked (unknown tracker, package missing, no W&B key)."""


def installed(package: str) -> bool:
    """Whether a package can be imported here (without importing it)."""
    return find_spec(package) is not None


def colab_secret(name: str) -> str | None:
    """A Colab secret's value when running in Colab with access granted, else None."""
    if "google.colab" not in sys.modules:
        return None
    try:
        from google.colab import userdata

        return userdata.get(name) or None
    except Exception:  # secret missing or access not granted: the caller says what to do
        return None


def _netrc_has_wandb_login() -> bool:
    """Whether `wandb login` left a key in ~/.netrc for the W&B host in use."""
    import netrc
    from urllib.parse import urlparse

    host = urlparse(os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai")).hostname
    try:
        return netrc.netrc().authenticators(host) is not None
    except (OSError, netrc.NetrcParseError):
        return False


def prepare_wandb(log_dir: str | os.PathLike) -> str:
    """Find the W&B key (environment, Colab secret or `wandb login`) unless WANDB_MODE is local; returns the mode."""
    os.environ.setdefault("WANDB_PROJECT", PROJECT)
    os.environ.setdefault("WANDB_DIR", str(log_dir))  # offline runs land beside the results: wandb sync <dir>/wandb
    Path(os.environ["WANDB_DIR"]).mkdir(parents=True, exist_ok=True)
    mode = os.environ.get("WANDB_MODE", "").lower()
    if mode in _LOCAL_WANDB_MODES:
        return mode
    if os.environ.get("WANDB_API_KEY") or _netrc_has_wandb_login():
        return "online"
    key = colab_secret("WANDB_API_KEY")
    if key:
        os.environ["WANDB_API_KEY"] = key  # this process only; never printed or saved
        return "online"
    raise TrackingError("REPORT_TO='wandb' needs a W&B API key: set WANDB_API_KEY in the environment (or as a "
                        "Colab secret, or run `wandb login`), or set WANDB_MODE=offline to log locally and "
                        "upload later with `wandb sync`.")


def tracking_fields(report_to: str, log_dir: str | os.PathLike, run_name: str | None = None) -> dict:
    """The TrainingArguments fields for REPORT_TO, after checking that the tracker can run here."""
    if report_to not in TRACKERS:
        raise TrackingError(f"REPORT_TO must be one of {TRACKERS}, got {report_to!r}")
    if report_to == "none":
        return {"report_to": "none"}
    if report_to == "wandb":
        prepare_wandb(log_dir)
    if not installed(report_to):
        listed = "requirements.txt" if report_to == "wandb" else "requirements-tracking.txt"  # make setup: the first
        raise TrackingError(f"REPORT_TO={report_to!r} needs the {report_to} package, which is not installed: "
                            f"pip install -r {listed}")
    fields = {"report_to": report_to, "run_name": run_name}
    if report_to == "trackio":
        fields["project"] = os.environ.get("TRACKIO_PROJECT", PROJECT)
    return fields

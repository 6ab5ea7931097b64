"""`make lab`: JupyterLab on 127.0.0.1 in notebooks/, opening each notebook on the kernel `make setup` installs."""

import argparse
import json
import os
import sys
from pathlib import Path

from helpers.paths import REPO_ROOT, cache_dir

KERNEL = "llm-studies"  # the kernelspec `make setup` installs under sys.prefix
KERNEL_DISPLAY = "Python (llm-studies)"
LOOPBACK = "127.0.0.1"
NOTEBOOKS = REPO_ROOT / "notebooks"
# Options that would make the server listen beyond this machine: refused, whatever LAB_ARGS says.
_ADDRESS_OPTIONS = ("--ip", "--ServerApp.ip", "--NotebookApp.ip", "--ServerApp.allow_remote_access")
# JupyterLab defaults for this server only (the user's own settings still win). The notebooks name
# the kernel "python3" and carry no language_info (nbstripout), so without the first JupyterLab asks
# which kernel to use; the second keeps it from asking to fetch news from the internet.
SETTINGS = {
    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


class LabError(RuntimeError):
    """JupyterLab cannot start as asked; the message (Spanish) says what to do."""


def kernel_spec(name: str = KERNEL):
    """This environment's kernelspec of that name, searched before the user's folder (another clone's)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    share = str(Path(sys.prefix) / "share" / "jupyter")
    paths = os.environ.get("JUPYTER_PATH", "").split(os.pathsep)
    if share not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([share, *filter(None, paths)])  # the server inherits it
    try:
        return KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise LabError(f"No está instalado el kernel {name!r} en este entorno: ejecuta `make setup`.") from None


def config_dir() -> Path:
    """A Jupyter config folder holding SETTINGS, rewritten at each launch (JUPYTER_CONFIG_PATH adds it)."""
    folder = cache_dir() / "lab"
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    (folder / "labconfig" / "default_setting_overrides.json").write_text(json.dumps(SETTINGS, indent=1))
    paths = os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep)
    if str(folder) not in paths:
        os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(folder), *filter(None, paths)])
    return folder


def lab_command(root: str | os.PathLike = NOTEBOOKS, port: int = 8888, kernel: str = KERNEL,
                open_browser: bool = True, extra: list[str] | tuple = ()) -> list[str]:
    """The JupyterLab command line: loopback only, root folder, only the suite's kernel (the default)."""
    kernel_spec(kernel)
    config_dir()
    for arg in extra:
        if arg.split("=", 1)[0] in _ADDRESS_OPTIONS:
            raise LabError(f"JupyterLab solo escucha en {LOOPBACK} (los cuadernos ejecutan código): quita {arg!r}.")
    # Only this kernel is offered: the notebooks' metadata names "python3", and JupyterLab then takes
    # the one kernel of that language instead of asking.
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.ip={LOOPBACK}", f"--ServerApp.port={port}",
               f"--ServerApp.root_dir={Path(root).resolve()}", f"--ServerApp.open_browser={open_browser}",
               f"--KernelSpecManager.allowed_kernelspecs={kernel}",
               f"--MappingKernelManager.default_kernel_name={kernel}"]
    if os.name == "posix" and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines run as root; the server still binds loopback
    return command + list(extra)


def has_display() -> bool:
    """Whether a browser window can open here (Linux without X or Wayland cannot)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> None:
    """Replace this process with JupyterLab; it prints the URL with its token."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--root", default=str(NOTEBOOKS))
    parser.add_argument("--kernel", default=KERNEL, help="the kernelspec offered (make setup installs the default)")
    parser.add_argument("--no-browser", action="store_true")
    args, extra = parser.parse_known_args(argv)
    open_browser = has_display() and not args.no_browser
    try:
        command = lab_command(args.root, args.port, args.kernel, open_browser, extra)
    except LabError as error:
        sys.exit(str(error))
    if not open_browser:
        print("Abre en tu navegador la dirección http://127.0.0.1:...?token=... que JupyterLab escribe abajo.",
              flush=True)
    os.execv(command[0], command)  # Ctrl-C reaches JupyterLab itself, which stops its kernels


if __name__ == "__main__":
    main()

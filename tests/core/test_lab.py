"""`make lab`: the command it runs, and a real JupyterLab (started as `make lab` starts it) driven in a
real headless Chromium: it lists the notebooks, opens 02 on "Python (llm-studies)" and renders 02's
upload widget; a screenshot is saved to outputs/lab/."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from helpers.browser import drive_page, free_port
from helpers.lab import KERNEL, KERNEL_DISPLAY, LOOPBACK, NOTEBOOKS, LabError, lab_command
from helpers.paths import REPO_ROOT

SCREENSHOT = REPO_ROOT / "outputs" / "lab" / "02_upload_widget.png"
NOTEBOOK = "02_whatsapp_persona_chatbot.ipynb"
URL = re.compile(r"(http://127\.0\.0\.1:(\d+)/lab\?token=\w+)")


@pytest.fixture
def jupyter_env(monkeypatch):
    """lab_command sets JUPYTER_PATH and JUPYTER_CONFIG_PATH for the server it starts: undone afterwards."""
    for name in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
        monkeypatch.setenv(name, os.environ.get(name, ""))


def test_the_command_listens_on_loopback_in_notebooks_and_offers_only_the_suite_kernel(jupyter_env):
    command = lab_command(port=8899, open_browser=False, extra=["--ServerApp.port_retries=0"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    for option in (f"--ServerApp.ip={LOOPBACK}", "--ServerApp.port=8899", f"--ServerApp.root_dir={NOTEBOOKS}",
                   "--ServerApp.open_browser=False", f"--KernelSpecManager.allowed_kernelspecs={KERNEL}",
                   f"--MappingKernelManager.default_kernel_name={KERNEL}"):
        assert option in command
    assert command[-1] == "--ServerApp.port_retries=0" and NOTEBOOKS == REPO_ROOT / "notebooks"
    overrides = Path(os.environ["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0]) / "labconfig"
    settings = json.loads((overrides / "default_setting_overrides.json").read_text())
    assert settings["@jupyterlab/notebook-extension:tracker"] == {"autoStartDefaultKernel": True}


@pytest.mark.parametrize("extra", [["--ip=0.0.0.0"], ["--ServerApp.ip", "0.0.0.0"], ["--ServerApp.ip=::"]])
def test_an_address_beyond_this_machine_is_refused(extra, jupyter_env):
    with pytest.raises(LabError, match="solo escucha en 127.0.0.1"):
        lab_command(extra=extra)


def test_a_kernel_that_is_not_installed_is_refused_with_what_to_run(jupyter_env):
    with pytest.raises(LabError, match="no-such-kernel.*make setup"):
        lab_command(kernel="no-such-kernel")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display variables are Linux's")
def test_the_browser_opens_only_where_there_is_a_display(monkeypatch):
    from helpers.lab import has_display

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert has_display() is False  # a server or CI: print the URL, open nothing
    monkeypatch.setenv("DISPLAY", ":0")
    assert has_display() is True


class Lab:
    """`python -m helpers.lab` (what `make lab` runs) on a copy of the notebooks, as a context manager."""

    def __init__(self, tmp_path, extra: list[str] | tuple = (), timeout_s: float = 90):
        self.root, self.extra, self.timeout_s, self.lines = tmp_path / "notebooks", list(extra), timeout_s, []
        self.root.mkdir()
        for path in NOTEBOOKS.glob("*.ipynb"):  # a copy: autosave must not write outputs into the repo
            shutil.copy(path, self.root)
        self.env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
                    "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
                    "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings")}

    def __enter__(self):
        command = [sys.executable, "-m", "helpers.lab", "--port", str(free_port()), "--root", str(self.root),
                   "--no-browser", "--ServerApp.port_retries=0", *self.extra]
        self.server = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=lambda: self.lines.extend(self.server.stdout), daemon=True).start()
        deadline = time.monotonic() + self.timeout_s
        while not (found := URL.search("".join(self.lines))):
            assert self.server.poll() is None, "JupyterLab stopped:\n" + "".join(self.lines)[-3000:]
            assert time.monotonic() < deadline, f"no URL within {self.timeout_s} s:\n" + "".join(self.lines)[-3000:]
            time.sleep(0.2)
        self.url, self.port = found.group(1), int(found.group(2))
        while True:  # the URL can be written a moment before the port accepts connections
            try:
                socket.create_connection((LOOPBACK, self.port), timeout=1).close()
                return self
            except OSError:
                assert time.monotonic() < deadline, f"port {self.port} refused for {self.timeout_s} s"
                time.sleep(0.2)

    def processes(self):
        import psutil

        server = psutil.Process(self.server.pid)
        return [server, *server.children(recursive=True)]

    def __exit__(self, *exc):
        import psutil

        alive = self.processes() if self.server.poll() is None else []
        self.server.terminate()  # JupyterLab's own SIGTERM handling shuts its kernels down
        gone, left = psutil.wait_procs(alive, timeout=30)
        for process in left:
            process.kill()
        assert not left, f"left running after the server stopped: {left}"


def listening_addresses(processes) -> set[str]:
    """The local addresses the processes accept connections on."""
    return {c.laddr.ip for p in processes for c in p.net_connections(kind="inet") if c.status == "LISTEN"}


def kernel_shown(page, expected: str, timeout_ms: int) -> None:
    """The open notebook's toolbar names the kernel expected (a Playwright timeout otherwise)."""
    page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-kernelName").filter(has_text=expected).wait_for(
        timeout=timeout_ms)


def open_02(page) -> list[str]:
    """Double-click 02 in the file browser; returns the names the browser listed."""
    page.locator(".jp-DirListing-item").first.wait_for(timeout=60_000)
    listed = page.locator(".jp-DirListing-itemText").all_inner_texts()
    page.locator(".jp-DirListing-item", has_text=NOTEBOOK).dblclick()
    return listed


def open_02_and_show_its_upload_widget(page, output_dir) -> dict:
    listed = open_02(page)
    kernel_shown(page, KERNEL_DISPLAY, 60_000)
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(timeout=60_000)
    wrong = None
    try:
        kernel_shown(page, "Python 3 (ipykernel)", 1_000)  # the check itself, on a kernel it must not find
    except Exception as error:  # noqa: BLE001  (Playwright's TimeoutError)
        wrong = type(error).__name__
    # As a user does: INTERACTIVE = True (and results in a temporary folder) at the end of the
    # parameters cell, then Shift+Enter from the install cell down to the upload cell.
    cells = page.locator(".jp-Notebook .jp-Cell")
    parameters = cells.filter(has_text='PROFILE = "local"').locator(".cm-content")
    parameters.click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text(f'\nINTERACTIVE = True\nOUTPUT_DIR = "{output_dir}"')
    cells.filter(has_text="prepare_colab(").locator(".cm-content").click()
    for _ in range(5):  # install, parameters, imports, the markdown heading, upload
        page.keyboard.press("Shift+Enter")
    upload = page.locator(".jp-OutputArea .widget-upload")
    upload.wait_for(state="visible", timeout=120_000)
    return {"listed": listed, "wrong_kernel_check": wrong, "upload_text": upload.inner_text(),
            "outputs": page.locator(".jp-OutputArea").all_inner_texts(),
            "dropdown": page.locator(".jp-OutputArea .widget-dropdown").count(),
            "kernel": page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-kernelName").inner_text()}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_make_lab_lists_the_notebooks_opens_02_on_the_suite_kernel_and_renders_its_upload_widget(tmp_path, chromium):
    SCREENSHOT.unlink(missing_ok=True)
    with Lab(tmp_path) as lab:
        assert listening_addresses(lab.processes()) == {LOOPBACK}
        specs = json.load(urllib.request.urlopen(lab.url.replace("/lab?", "/api/kernelspecs?")))
        assert specs["default"] == KERNEL and list(specs["kernelspecs"]) == [KERNEL]
        seen = drive_page(lab.url, lambda page: open_02_and_show_its_upload_widget(page, tmp_path / "out"),
                          SCREENSHOT, timeout_s=200)
        assert listening_addresses(lab.processes()) == {LOOPBACK}  # the kernel's ports too
    assert {path.name for path in NOTEBOOKS.glob("*.ipynb")} <= set(seen["listed"])
    assert seen["kernel"] == KERNEL_DISPLAY and seen["wrong_kernel_check"] == "TimeoutError"
    assert "Exportación" in seen["upload_text"] and seen["dropdown"] == 1
    printed = "\n".join(seen["outputs"])  # the imports cell ran in this environment, results in tmp_path
    assert "Perfil: local" in printed and f"resultados en: {tmp_path / 'out'}" in printed
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def open_02_on_the_wrong_kernel(page) -> dict:
    open_02(page)
    kernel_shown(page, "Python 3 (ipykernel)", 60_000)
    try:
        kernel_shown(page, KERNEL_DISPLAY, 1_000)
    except Exception as error:  # noqa: BLE001  (Playwright's TimeoutError)
        return {"check": type(error).__name__}
    return {"check": "passed"}


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_the_kernel_check_fails_when_lab_offers_another_kernel(tmp_path, chromium):
    with Lab(tmp_path, ["--kernel", "python3"]) as lab:  # ipykernel's own kernelspec, "Python 3 (ipykernel)"
        seen = drive_page(lab.url, open_02_on_the_wrong_kernel, tmp_path / "wrong_kernel.png", timeout_s=120)
    assert seen["check"] == "TimeoutError"

"""wandb as `make setup` installs it: a tiny LoRA run with REPORT_TO left at "none" starts no W&B run,
no W&B process and writes no W&B files; with REPORT_TO="wandb" and WANDB_MODE=offline it logs the run
locally. Neither reaches the network: every HTTP(S) request is routed to a local counter."""

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.request

import pytest

from helpers.browser import free_port
from helpers.paths import REPO_ROOT

# Run in a process of its own: trl imports wandb whenever it is installed (transformers'
# is_wandb_available imports it), so only a fresh process says what REPORT_TO itself started.
PROBE = """
import json, sys
from pathlib import Path
import psutil, torch
from transformers import Qwen2Config, Qwen2ForCausalLM
from helpers.models import load_tokenizer
from helpers.training import lora_config, sft_config, train_lora

out, report_to = Path(sys.argv[1]), sys.argv[2]
tokenizer = load_tokenizer("qwen2.5-coder-0.5b-instruct", padding_side="right")
torch.manual_seed(0)
model = Qwen2ForCausalLM(Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                     num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                     eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id))
rows = [{"prompt": f"Hola {i}", "completion": f" adios {i}"} for i in range(4)]
config = sft_config(out, 2, batch_size=2, grad_accum=1, max_length=32, report_to=report_to, run_name="probe")
_, history = train_lora(model, tokenizer, rows, config, lora_config(model, r=2))
wandb = sys.modules.get("wandb")
print("\\n" + json.dumps({"losses": len(history), "run": bool(wandb and wandb.run),
                  "children": [p.name() for p in psutil.Process().children(recursive=True)]}))
"""


class Counter:
    """A local HTTP proxy that answers nothing and counts the connections that reach it."""

    def __init__(self):
        self.port, self.connections = free_port(), 0
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def network_counter():
    counter = Counter()
    yield counter
    counter.server.close()


def test_the_counter_sees_a_request_routed_through_it(network_counter):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": network_counter.url}))
    with pytest.raises(OSError):  # the counter closes every connection unanswered
        opener.open("http://example.org/", timeout=10)
    assert network_counter.connections == 1


def run_probe(tmp_path, report_to: str, counter: Counter, **env) -> dict:
    home = tmp_path / "home"
    home.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_") and "proxy" not in k.lower()}
    proxies = {name: counter.url for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "trainer"), report_to], cwd=tmp_path,
                          env={**clean, **proxies, "HOME": str(home), "PYTHONPATH": str(REPO_ROOT),
                               "WANDB_BASE_URL": counter.url, **env},
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(next(line for line in done.stdout.splitlines() if line.startswith('{"losses"')))


def wandb_files(tmp_path) -> list[str]:
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if "wandb" in p.name.lower())


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_report_to_none_starts_no_wandb_run_process_or_file_and_wandb_offline_logs_locally(tmp_path,
                                                                                           network_counter):
    (tmp_path / "none").mkdir()
    quiet = run_probe(tmp_path / "none", "none", network_counter)
    assert quiet == {"losses": 2, "run": False, "children": []}
    assert wandb_files(tmp_path / "none") == []
    # The same probe with wandb asked for, offline: the checks above see its run, process and files.
    (tmp_path / "wandb").mkdir()
    logged = run_probe(tmp_path / "wandb", "wandb", network_counter, WANDB_MODE="offline")
    assert logged["losses"] == 2 and logged["run"] is True and any("wandb" in n for n in logged["children"])
    runs = list((tmp_path / "wandb" / "trainer" / "wandb").glob("offline-run-*/run-*.wandb"))
    assert len(runs) == 1 and runs[0].stat().st_size > 0
    assert network_counter.connections == 0

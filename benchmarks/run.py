"""Run the benchmarks (all, or those named) and write outputs/bench/results.json plus a table.

Usage: python -m benchmarks.run [NAME ...]. Run it alone: other CPU work distorts timings.
Each benchmark runs in its own process, so one that crashes (a signal) is reported and the rest still run.
"""

import importlib
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers.env import apply_offline_defaults, available_cpus, set_hub_offline
from helpers.io import atomic_write_json, read_json
from helpers.paths import REPO_ROOT

# name -> "module:function"; each function returns {row: {baseline, candidate, ratio, target, ...}}.
BENCHMARKS = {
    "generation_batching": "benchmarks.bench_generation:batched_vs_one_by_one",
    "film_search_latency": "benchmarks.bench_film_search:search_latency",
    "film_embedding_throughput": "benchmarks.bench_film_search:embedding_throughput",
    "film_webapp_search": "benchmarks.bench_film_webapp:webapp_search",
    "rag_search": "benchmarks.bench_rag:search_and_cache",
    "whatsapp_parse": "benchmarks.bench_whatsapp:parse_150k",
    "sentiment_padding": "benchmarks.bench_sentiment:padding_and_inference",
    "recommender_lists": "benchmarks.bench_recommender:lists_batched_vs_per_list",
    "recommender_matching": "benchmarks.bench_recommender:title_matching",
    "recommender_candidates": "benchmarks.bench_recommender:candidate_scoring",
    "recommender_constrained": "benchmarks.bench_recommender:constrained_overhead",
    "workshop_precision": "benchmarks.bench_workshop:precision_variants",
    "workshop_context": "benchmarks.bench_workshop:context_manager_200_turns",
    "bf16_inference": "benchmarks.bench_precision:bf16_inference",
    "label_only_lora_step": "benchmarks.bench_precision:label_only_lora_step",
    "llama_cpp": "benchmarks.bench_llama_cpp:versus_suite",
}


def run_one(spec: str, result_file: str) -> int:
    """Child process: run one benchmark and write its rows (or its error) to result_file."""
    module, function = spec.split(":")
    start = time.perf_counter()
    try:
        rows = getattr(importlib.import_module(module), function)()
    except Exception as error:  # noqa: BLE001 - reported to the parent as this benchmark's failure
        atomic_write_json(Path(result_file), {"error": f"{type(error).__name__}: {error}"[:500]})
        return 1
    for row in rows.values():
        row["wall_seconds"] = time.perf_counter() - start
        row["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    atomic_write_json(Path(result_file), {"rows": rows})
    return 0


def measure(name: str, spec: str) -> tuple[dict, str | None]:
    """Run one benchmark in its own process: (rows, None) or ({}, why it failed, with its signal)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        result_file = Path(tmp) / "result.json"
        code = subprocess.run([sys.executable, "-m", "benchmarks.run", "--one", spec, str(result_file)],
                              cwd=REPO_ROOT).returncode
        reported = read_json(result_file) if result_file.exists() else {}
    if code < 0:
        return {}, f"killed by {signal.Signals(-code).name}"
    if code != 0 or "rows" not in reported:
        return {}, reported.get("error", f"exit status {code}")
    return reported["rows"], None


def main(argv: list[str], benchmarks: dict[str, str] | None = None, out: Path | None = None) -> int:
    """Run the selected benchmarks, each in its own process, writing each result as soon as it is
    measured; exit 1 if one fails or misses its target."""
    if argv[:1] == ["--one"]:
        return run_one(*argv[1:3])
    benchmarks = benchmarks or BENCHMARKS
    out = out or REPO_ROOT / "outputs" / "bench" / "results.json"
    apply_offline_defaults()
    set_hub_offline(True)
    unknown = sorted(set(argv) - set(benchmarks))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {', '.join(benchmarks)}", file=sys.stderr)
        return 2
    # A run of named benchmarks updates their rows and keeps the others (each row holds its own baseline).
    earlier = read_json(out) if argv and out.exists() else {}
    results, failures = {}, {}
    for name in argv or list(benchmarks):
        print(f"=== {name} ===", flush=True)
        rows, failure = measure(name, benchmarks[name])
        if failure:
            print(f"FALLÓ {name}: {failure}", file=sys.stderr, flush=True)
            failures[name] = {"error": failure, "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
        results.update(rows)
        kept_failures = {k: v for k, v in earlier.get("failed", {}).items() if k not in argv}
        atomic_write_json(out, {"machine": {"cpus": available_cpus(), "platform": platform.platform()},
                                "results": earlier.get("results", {}) | results,
                                "failed": kept_failures | failures})
    print(f"\n{'benchmark':<30} {'baseline':>14} {'candidate':>14} {'ratio':>8} {'target':>8}  ok")
    failed = bool(failures)
    for name, result in results.items():
        target = result.get("target")
        ok = target is None or result["ratio"] >= target
        failed |= not ok
        print(f"{name:<30} {result['baseline']:>14.3f} {result['candidate']:>14.3f} "
              f"{result['ratio']:>7.1f}x {'' if target is None else f'{target:.0f}x':>8}  {'sí' if ok else 'NO'}")
    for name, failure in failures.items():
        print(f"{name:<30} FALLÓ: {failure['error']}")
    print(f"\n{out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Run the benchmarks (all, or those named) and write outputs/bench/results.json plus a table.

Usage: python -m benchmarks.run [NAME ...]. Run it alone: other CPU work distorts timings.
"""

import importlib
import platform
import sys
import time

from helpers.env import apply_offline_defaults, available_cpus, set_hub_offline
from helpers.io import atomic_write_json, read_json
from helpers.paths import REPO_ROOT

# name -> "module:function"; each function returns {row: {baseline, candidate, ratio, target, ...}}.
BENCHMARKS = {
    "generation_batching": "benchmarks.bench_generation:batched_vs_one_by_one",
    "film_search_latency": "benchmarks.bench_film_search:search_latency",
    "film_embedding_throughput": "benchmarks.bench_film_search:embedding_throughput",
    "rag_search": "benchmarks.bench_rag:search_and_cache",
    "whatsapp_parse": "benchmarks.bench_whatsapp:parse_150k",
    "sentiment_padding": "benchmarks.bench_sentiment:padding_and_inference",
    "recommender_lists": "benchmarks.bench_recommender:lists_batched_vs_per_list",
    "recommender_matching": "benchmarks.bench_recommender:title_matching",
    "workshop_precision": "benchmarks.bench_workshop:precision_variants",
    "workshop_context": "benchmarks.bench_workshop:context_manager_200_turns",
}


def main(argv: list[str]) -> int:
    """Run the selected benchmarks and report ratios; exit 1 if one misses its target."""
    apply_offline_defaults()
    set_hub_offline(True)
    unknown = sorted(set(argv) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    results = {}
    for name in argv or list(BENCHMARKS):
        module, function = BENCHMARKS[name].split(":")
        print(f"=== {name} ===", flush=True)
        start = time.perf_counter()
        rows = getattr(importlib.import_module(module), function)()
        for row in rows.values():
            row["wall_seconds"] = time.perf_counter() - start
            row["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        results.update(rows)
    out = REPO_ROOT / "outputs" / "bench" / "results.json"
    # A run of named benchmarks updates their rows and keeps the others (each row holds its own baseline).
    earlier = read_json(out).get("results", {}) if argv and out.exists() else {}
    atomic_write_json(out, {"machine": {"cpus": available_cpus(), "platform": platform.platform()},
                            "results": earlier | results})
    print(f"\n{'benchmark':<30} {'baseline':>14} {'candidate':>14} {'ratio':>8} {'target':>8}  ok")
    failed = False
    for name, result in results.items():
        target = result.get("target")
        ok = target is None or result["ratio"] >= target
        failed |= not ok
        print(f"{name:<30} {result['baseline']:>14.3f} {result['candidate']:>14.3f} "
              f"{result['ratio']:>7.1f}x {'' if target is None else f'{target:.0f}x':>8}  {'sí' if ok else 'NO'}")
    print(f"\n{out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

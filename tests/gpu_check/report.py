"""The gpu-check report: one row per notebook (outcome, time, peak GPU memory beside the
estimate), written as outputs/gpu-check/report.json and report.md."""

import json
from pathlib import Path


def estimated_peaks() -> dict[str, float]:
    """The memory table's (docs/guia/colab.md) largest estimated peak per notebook number (GiB, helpers.budget)."""
    from helpers.budget import budget_rows

    peaks: dict[str, float] = {}
    for row in budget_rows():
        peaks[row["notebook"]] = max(peaks.get(row["notebook"], 0.0), row["total_gib"])
    return peaks


def row(notebook: str, status: str, seconds: float | None, peak_gib: float | None, error: str = "") -> dict:
    """One notebook's result; status is 'ok', 'failed', 'skipped' or 'drift' (a figure off results/gpu/)."""
    if status not in ("ok", "failed", "skipped", "drift"):
        raise ValueError(f"status must be ok, failed, skipped or drift, got {status!r}")
    estimate = estimated_peaks().get(notebook[:2])
    return {"notebook": notebook, "status": status, "seconds": None if seconds is None else round(seconds, 1),
            "peak_gib": None if peak_gib is None else round(peak_gib, 2), "estimated_gib": estimate,
            "error": error.strip().splitlines()[0][:300] if error.strip() else ""}


def _cell(value, unit: str = "") -> str:
    return "—" if value is None else f"{value}{unit}"


def write(folder: Path, device: dict, rows: list[dict]) -> tuple[Path, Path]:
    """report.json and report.md in folder; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    report = {"device": device, "rows": rows, "failed": [r["notebook"] for r in rows if r["status"] in ("failed", "drift")],
              "seconds": round(sum(r["seconds"] or 0 for r in rows), 1)}
    json_path = folder / "report.json"
    json_path.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    lines = [f"# gpu-check: {device.get('name', 'sin GPU')}", "",
             f"{device.get('summary', '')}", "",
             "| cuaderno | resultado | tiempo | pico de memoria GPU | estimado en la guía | error |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['notebook']} | {r['status']} | {_cell(r['seconds'], ' s')} | {_cell(r['peak_gib'], ' GiB')} | "
              f"{_cell(r['estimated_gib'], ' GiB')} | {r['error'].replace('|', '/')} |" for r in rows]
    lines += ["", f"Total: {report['seconds']} s; fallaron: {', '.join(report['failed']) or 'ninguno'}."]
    md_path = folder / "report.md"
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, md_path

"""A new run's figures against the recorded ones: each interval figure may move within its recorded
interval (its own noise), counts and yes/no facts must be equal."""

from dataclasses import dataclass

from helpers.results.figures import Figure, figures

# A recorded interval of zero width (every resample equal) still allows float rounding between CPUs.
ROUNDING = 1e-6


@dataclass(frozen=True)
class Row:
    """One line of the regression table."""
    figure: str
    expected: str
    got: str
    tolerance: str
    verdict: str  # "ok", "DERIVA", "falta" (the new run lacks it) or "nueva" (not recorded)

    @property
    def failed(self) -> bool:
        return self.verdict in ("DERIVA", "falta")


def _show(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _row(path: str, want: Figure | None, got: Figure | None) -> Row:
    if want is None:
        return Row(path, "—", _show(got.value), "—", "nueva")
    if got is None:
        return Row(path, _show(want.value), "—", "—", "falta")
    if want.kind == "interval":
        low, high = want.low - ROUNDING, want.high + ROUNDING
        inside = got.kind == "interval" and low <= got.value <= high
        tolerance = f"[{_show(want.low)}, {_show(want.high)}]"
        return Row(path, _show(want.value), _show(got.value), tolerance, "ok" if inside else "DERIVA")
    same = got.kind == want.kind and got.value == want.value
    return Row(path, _show(want.value), _show(got.value), "igual", "ok" if same else "DERIVA")


def compare(expected_metrics: dict, got_metrics: dict, intervals_only: bool = False) -> list[Row]:
    """One row per figure of either run, recorded ones first in their order; intervals_only leaves out counts
    and yes/no facts (make test's small runs: a model's counts may move between CPUs with no interval to say how far)."""
    want, got = figures(expected_metrics), figures(got_metrics)
    if intervals_only:
        want = {k: f for k, f in want.items() if f.kind == "interval"}
        got = {k: f for k, f in got.items() if f.kind == "interval"}
    return [_row(path, want.get(path), got.get(path)) for path in [*want, *(p for p in got if p not in want)]]


def table(rows: list[Row], only_failed: bool = False) -> str:
    """The rows as a Markdown table (figure, expected, got, tolerance, verdict)."""
    lines = ["| cifra | esperado | obtenido | tolerancia | veredicto |", "|---|---|---|---|---|"]
    lines += [f"| {r.figure} | {r.expected} | {r.got} | {r.tolerance} | {r.verdict} |"
              for r in rows if r.failed or not only_failed]
    return "\n".join(lines)

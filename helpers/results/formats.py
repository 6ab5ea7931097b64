"""Filters the result templates use, so every number is printed one way across the README and the book."""

from helpers.results.figures import as_interval


def _defined(value):
    """The value, or the template's own error naming the missing key (StrictUndefined raises on str)."""
    import jinja2

    if isinstance(value, jinja2.Undefined):
        str(value)
    return value


def interval(value, digits: int = 3, signed: bool = False) -> str:
    """'0.525 [0.420, 0.630]' from [value, low, high] or {mean, low, high}."""
    figure = as_interval(_defined(value))
    if figure is None:
        raise ValueError(f"not an interval: {value!r}")
    sign = "+" if signed else ""
    return f"{figure.value:{sign}.{digits}f} [{figure.low:{sign}.{digits}f}, {figure.high:{sign}.{digits}f}]"


def separated(value) -> bool:
    """Whether an interval excludes zero (a paired difference that decides)."""
    figure = as_interval(value)
    return figure is not None and (figure.low > 0 or figure.high < 0)


def zero_bound(n: int, level: float = 0.95) -> float:
    """The exact (Clopper-Pearson) upper bound for 0 successes in n: what a bootstrap's [0, 0] hides."""
    return 1 - ((1 - level) / 2) ** (1 / int(n))


def number(value, digits: int = 3) -> str:
    """A float with a fixed number of decimals."""
    return f"{float(value):.{digits}f}"


def percent(value, digits: int = 0) -> str:
    """A share 0-1 as a percentage."""
    return f"{100 * float(value):.{digits}f} %"


def minutes(seconds) -> str:
    """A duration as '34 min' (or '45 s' under two minutes)."""
    seconds = float(seconds)
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def machine(record: dict) -> str:
    """One line: the CPU and precision a recorded run used, and when it finished."""
    facts = record.get("machine", {})
    precision = (facts.get("precision") or {}).get("dtype", "?")
    return f"{facts.get('cpu') or 'CPU desconocida'}; {precision}; {str(record.get('finished', '?'))[:10]}"


def table(rows: dict, columns: list[str] | None = None, first: str = "") -> str:
    """A Markdown table from {row: {column: text}}."""
    columns = columns or list(dict.fromkeys(c for cells in rows.values() for c in cells))
    lines = [f"| {first} | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {row} | " + " | ".join(str(cells.get(c, "—")) for c in columns) + " |" for row, cells in rows.items()]
    return "\n".join(lines)


FILTERS = {"iv": interval, "num": number, "zero_bound": zero_bound, "pct": percent, "minutes": minutes, "separated": separated}
GLOBALS = {"machine": machine, "table": table}

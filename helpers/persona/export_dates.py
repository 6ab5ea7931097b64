"""Infer the field order of an export's dates (day/month/year in any of the orders phones write)."""

import calendar
import re
from datetime import date as _day

FIELDS = re.compile(r"[./:-]+")
# (year, month, day) positions of the three date fields; day-first first so it wins ties.
ORDERS = {"d-m-y": (2, 1, 0), "m-d-y": (2, 0, 1), "y-m-d": (0, 1, 2), "y-d-m": (0, 2, 1)}


def fields(date: str) -> tuple[int, int, int]:
    first, second, third = (int(p) for p in FIELDS.split(date))
    return first, second, third


def read(parts: tuple[int, int, int], order: str) -> tuple[int, int, int] | None:
    """(year, month, day) of the fields under order, or None if that is not a calendar date."""
    y, m, d = (parts[i] for i in ORDERS[order])
    year = y + (2000 if y < 100 else 0)
    if not 1 <= m <= 12 or not 1 <= d <= calendar.monthrange(year, m)[1]:
        return None
    return year, m, d


def infer_order(dates: list[str]) -> str:
    """The order with the fewest impossible dates plus steps back in time (one corrupt date must not
    beat a reading that jumps back every month), then the one spanning the fewest days."""
    parsed = [fields(d) for d in dates]
    raw = [FIELDS.split(d) for d in dates]
    orders = list(ORDERS)
    if all(len(r[0]) == 4 for r in raw):  # a four-digit field can only be the year
        orders = ["y-m-d", "y-d-m"]
    elif all(len(r[2]) == 4 for r in raw):
        orders = ["d-m-y", "m-d-y"]

    def score(order: str) -> tuple[int, int]:
        keys = [read(p, order) for p in parsed]
        valid = [k for k in keys if k is not None]
        backwards = sum(b < a for a, b in zip(valid, valid[1:], strict=False))
        span = (_day(*max(valid)) - _day(*min(valid))).days if valid else 0
        return len(keys) - len(valid) + backwards, span

    return min(orders, key=score)  # min keeps the first of equal scores: day-first, then month-first

"""The date layout of an export (field order and year width), decided once from all its dates."""

import calendar
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date as _day

FIELDS = re.compile(r"[./:-]+")
# (year, month, day) positions of the three date fields; day-first first so it wins ties.
ORDERS = {"d-m-y": (2, 1, 0), "m-d-y": (2, 0, 1), "y-m-d": (0, 1, 2), "y-d-m": (0, 2, 1)}
NAMES = {"d-m-y": "day/month/year", "m-d-y": "month/day/year", "y-m-d": "year/month/day", "y-d-m": "year/day/month"}
FIRST_YEAR = 2009  # WhatsApp's first release: a reading that dates messages earlier is a misreading


@dataclass(frozen=True)
class DateLayout:
    """How every date of one export is written: the field order and the year's digits."""

    order: str
    year_digits: int

    def __str__(self) -> str:
        return f"{NAMES[self.order]} with a {self.year_digits}-digit year"

    def read(self, date: str) -> tuple[int, int, int] | None:
        """(year, month, day) of a date written in this layout, or None if it does not fit it."""
        if len(FIELDS.split(date)[ORDERS[self.order][0]]) != self.year_digits:
            return None
        return read(fields(date), self.order)


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


def infer_order(dates: list[str], today: _day | None = None) -> str:
    """The order with the fewest dates it cannot be (impossible, before WhatsApp, in the future) plus
    steps back in time, then the one spanning the fewest days; dates are the unique ones, in file order.

    A corrupt line must not flip the file: '31/02/23' in a day-first chat reads as 2031-02-23 year-first,
    but then '01/03/23' is 2001, before WhatsApp existed, so year-first loses."""
    latest = (today or _day.today()).year + 1
    parsed = [fields(d) for d in dates]
    orders = list(ORDERS)
    widths = [[len(p) for p in FIELDS.split(d)] for d in dates]
    if _majority(w[0] for w in widths) == 4:  # a four-digit field can only be the year
        orders = ["y-m-d", "y-d-m"]
    elif _majority(w[2] for w in widths) == 4:
        orders = ["d-m-y", "m-d-y"]

    def score(order: str) -> tuple[int, int]:
        keys = [read(p, order) for p in parsed]
        valid = [k for k in keys if k is not None and FIRST_YEAR <= k[0] <= latest]
        backwards = sum(b < a for a, b in zip(valid, valid[1:], strict=False))
        span = (_day(*max(valid)) - _day(*min(valid))).days if valid else 0
        return len(keys) - len(valid) + backwards, span

    return min(orders, key=score)  # min keeps the first of equal scores: day-first, then month-first


def infer_layout(dates: list[str], today: _day | None = None) -> DateLayout:
    """The order and the year width most of the file's dates are written in."""
    order = infer_order(dates, today)
    year_position = ORDERS[order][0]
    return DateLayout(order, _majority(len(FIELDS.split(d)[year_position]) for d in dates))


def _majority(values) -> int:
    return Counter(values).most_common(1)[0][0]

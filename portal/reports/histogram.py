"""Durations kept as mergeable histograms, so a median or p90 over any span of days comes from the daily
rollups without reading a ticket.

Why this shape: a day's durations are put in fixed, log-spaced buckets (under a minute, then each bucket
10 % wider than the one before, up to years), and each bucket keeps its count AND the smallest and largest
value it holds (one report_histogram row per day, slice and bucket; each ticket fact stores its bucket).
Buckets of many days add up in SQL (SUM of counts, MIN of mins, MAX of maxes: one GROUP BY bucket over a
year of rows), and the estimate reads the value at a rank inside its bucket by spreading the bucket's count
evenly between its min and its max.

Accuracy: the estimate always lies in the bucket of the true value, between two real values, so its error is
below 10 % of the value (under a minute: below one minute); it is exact when the rank falls on a bucket's
first or last value, hence whenever that bucket holds one or two values, or only equal ones (small teams,
the tests). Per-day samples would be exact but a year of them is too much to read on each page view.
"""
import math

GROWTH = 1.1
FIRST = 60  # seconds: bucket 0 holds [0, 60)
_LOG = math.log(GROWTH)


def bucket(seconds: int) -> int:
    """The bucket of a duration in seconds."""
    if seconds < FIRST:
        return 0
    return 1 + int(math.log(seconds / FIRST) / _LOG)


class Histogram:
    """bucket -> [count, min, max]; add values, merge others, read percentiles."""

    __slots__ = ("cells",)

    def __init__(self, cells=None):
        self.cells = cells if cells is not None else {}

    def add(self, seconds: int, index: int | None = None) -> None:
        index = bucket(seconds) if index is None else index
        cell = self.cells.get(index)
        if cell is None:
            self.cells[index] = [1, seconds, seconds]
        else:
            cell[0] += 1
            if seconds < cell[1]:
                cell[1] = seconds
            if seconds > cell[2]:
                cell[2] = seconds

    def merge(self, other: "Histogram") -> None:
        for index, (count, low, high) in other.cells.items():
            cell = self.cells.get(index)
            if cell is None:
                self.cells[index] = [count, low, high]
            else:
                cell[0] += count
                cell[1] = min(cell[1], low)
                cell[2] = max(cell[2], high)

    def add_cell(self, index: int, count: int, low: int, high: int) -> None:
        """Merge one stored bucket (a report_histogram row, or a GROUP BY over them)."""
        cell = self.cells.get(index)
        if cell is None:
            self.cells[index] = [count, low, high]
        else:
            cell[0] += count
            if low < cell[1]:
                cell[1] = low
            if high > cell[2]:
                cell[2] = high

    @property
    def count(self) -> int:
        return sum(cell[0] for cell in self.cells.values())

    def _value_at(self, rank: int, ordered) -> float:
        """The estimated value at 0-based `rank` (walking `ordered` buckets)."""
        seen = 0
        for _index, (count, low, high) in ordered:
            if rank < seen + count:
                if count == 1:
                    return float(low)
                return low + (high - low) * (rank - seen) / (count - 1)
            seen += count
        return float(ordered[-1][1][2])

    def percentile(self, p: float) -> int | None:
        """The p-th percentile (0-100) in whole seconds, interpolated between the two nearest ranks
        (the median of 60 and 120 is 90); None when empty."""
        total = self.count
        if not total:
            return None
        ordered = sorted(self.cells.items())
        position = (total - 1) * p / 100
        below = int(math.floor(position))
        value = self._value_at(below, ordered)
        if position > below:
            value += (self._value_at(below + 1, ordered) - value) * (position - below)
        return int(round(value))

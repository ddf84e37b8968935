"""One table for every benchmark: figure, goal, measured value, and how it compares."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    figure: str
    goal: str
    measured: str
    verdict: str = ""  # a ratio to the baseline or floor, or "met" / "missed"


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def show(title: str, rows: list[Row]) -> None:
    header = Row("figure", "goal", "measured", "ratio / verdict")
    widths = [
        max(len(getattr(row, name)) for row in [header, *rows])
        for name in ("figure", "goal", "measured")
    ]
    print(f"\n{title}")
    for row in [header, *rows]:
        cells = (row.figure, row.goal, row.measured)
        print("  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)), row.verdict)

"""`make bench`: every benchmark, one table. Figures are reported; nothing here fails."""

from __future__ import annotations

import asyncio
import platform
import sys

from bench import busy, footprint, nudges, throughput
from bench.table import Row, show


async def main() -> None:
    rows: list[Row] = []
    for module in (nudges, throughput, busy, footprint):
        rows += await module.rows()
    show(f"buurtbot benchmarks ({platform.machine()}, Python {sys.version.split()[0]})", rows)


if __name__ == "__main__":
    asyncio.run(main())

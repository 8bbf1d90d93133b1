#!/usr/bin/env python3
"""Markdown table of criterion results: median time per iteration and per
element, and elements/s, read from <target>/criterion/**/new/estimates.json.

    python3 scripts/criterion_table.py                 # every bench run so far
    python3 scripts/criterion_table.py model tokenize  # ids starting with these

The median is criterion's median over samples of the mean iteration time in
each sample. The target directory is $CARGO_TARGET_DIR or ./target.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def duration(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main() -> None:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    prefixes = sys.argv[1:]
    rows = []
    for estimates in sorted((target / "criterion").glob("**/new/estimates.json")):
        meta = json.loads((estimates.parent / "benchmark.json").read_text())
        full_id = meta["full_id"]
        if prefixes and not any(full_id.startswith(p) for p in prefixes):
            continue
        median = json.loads(estimates.read_text())["median"]["point_estimate"]
        elements = (meta.get("throughput") or {}).get("Elements")
        rows.append((full_id, median, elements))
    # Natural order: batch_8 before batch_32.
    rows.sort(key=lambda row: [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", row[0])])
    print("| bench | median / iteration | prompts / iteration | median / prompt | prompts/s |")
    print("|---|---:|---:|---:|---:|")
    for full_id, median, elements in rows:
        if not elements:  # no throughput set (load time)
            print(f"| `{full_id}` | {duration(median)} | – | – | – |")
            continue
        print(
            f"| `{full_id}` | {duration(median)} | {elements} | {duration(median / elements)} "
            f"| {elements / median * 1e9:,.0f} |"
        )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Print the README's robustness table, measured by the repo's own CLI.

Scores tests/data/adversarial.jsonl (240 hand-written prompts, each clean and
in seven obfuscated spellings) with the model at its default operating point
and with the keyword baseline, and prints per spelling trick: recall on the
120 harmful prompts, FPR on the 120 benign ones, and how many decisions differ
from the clean spelling's.

    cargo build --release
    python3 scripts/robustness_table.py [--model models/detrigger-intent] [--binary target/release/detrigger]
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests/data/adversarial.jsonl"
TRICKS = ["none", "leet", "spacing", "zero_width", "homoglyph", "mixed_case", "emoji_separators", "fullwidth"]


def flagged(binary: Path, model: Path, scorer: str) -> dict[str, bool]:
    command = [str(binary), "score", "--scorer", scorer]
    if scorer == "model":
        command += ["--model", str(model)]
    output = subprocess.run(command, input=DATA.read_bytes(), capture_output=True, check=True).stdout
    return {row["id"]: row["flagged"] for row in map(json.loads, output.decode().splitlines())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=REPO / "models/detrigger-intent")
    parser.add_argument("--binary", type=Path, default=REPO / "target/release/detrigger")
    args = parser.parse_args()
    rows = [json.loads(line) for line in DATA.read_text().splitlines()]
    results = {scorer: flagged(args.binary, args.model, scorer) for scorer in ("model", "keyword")}

    print("| spelling | model recall | model FPR | model flips vs clean | keyword recall | keyword FPR | keyword flips vs clean |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for trick in TRICKS:
        cells = []
        for scorer, decisions in results.items():
            counts = defaultdict(int)
            for row in rows:
                if row["obfuscation"] != trick:
                    continue
                decision = decisions[row["id"]]
                counts[row["label"]] += 1
                counts[row["label"] + "_flagged"] += decision
                counts["flips"] += decision != decisions[f"{row['clean_id']}-none"]
            recall = counts["harmful_flagged"] / counts["harmful"]
            fpr = counts["benign_flagged"] / counts["benign"]
            cells += [f"{100 * recall:.1f}%", f"{100 * fpr:.1f}%", "–" if trick == "none" else str(counts["flips"])]
        print(f"| {trick} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Print the README's buried-request table, measured by the repo's own CLI.

A long prompt is scored as its most harmful 128-token window, so a harmful
request hidden in a long benign document should still be flagged. This
takes every harmful prompt of the two dev sets (the over-refusal twins and
the held-out HarmBench and JBB requests) and scores it three ways with the
model at its default operating point: alone, after 2,000+ tokens of benign
text, and in the middle of that text twice over. It prints recall per set
and position, one row per model bundle, so an old bundle and a new one can
be compared side by side in one run.

The padding is one benign paragraph repeated (the one `tests/classifier.rs`
uses); it is a floor test of the windowing, not a model of real documents.
Each model scores about 2,700 long prompts of ~35 windows: about 13 minutes
per model with `--threads 2` on a 2-vCPU machine.

    cargo build --release
    python3 scripts/buried_table.py [--model DIR ...] [--binary target/release/detrigger] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FILLER = (
    "The committee reviewed the quarterly garden club budget and agreed to buy new tulip bulbs, "
    "more watering cans and a second greenhouse heater for the winter season. "
)
PADDING = FILLER * 70  # over 2,000 tokens: many windows before the request
POSITIONS = {
    "alone": lambda text: text,
    "at the end": lambda text: PADDING + text,
    "in the middle": lambda text: f"{PADDING}{text} {PADDING}",
}
SETS = {
    "over-refusal twins": (REPO / "data/dev/overrefusal.jsonl", None),
    "held-out HarmBench + JBB": (REPO / "data/dev/heldout_sources.jsonl", {"harmbench", "jbb_behaviors"}),
}


def harmful_prompts() -> list[tuple[str, str]]:
    prompts = []
    for name, (path, sources) in SETS.items():
        for row in map(json.loads, path.read_text().splitlines()):
            if row["label"] == "harmful" and (sources is None or row["source"] in sources):
                prompts.append((name, row["text"]))
    return prompts


def recall(binary: Path, model: Path, threads: int, prompts: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
    lines = [
        json.dumps({"text": place(text), "set": name, "position": position})
        for name, text in prompts
        for position, place in POSITIONS.items()
    ]
    command = [str(binary), "score", "--model", str(model), "--threads", str(threads)]
    output = subprocess.run(command, input="\n".join(lines).encode(), capture_output=True, check=True).stdout
    caught, total = Counter(), Counter()
    for row in map(json.loads, output.decode().splitlines()):
        key = (row["set"], row["position"])
        total[key] += 1
        caught[key] += row["flagged"]
    return {key: caught[key] / total[key] for key in total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, action="append", help="bundle directory; repeat to compare")
    parser.add_argument("--binary", type=Path, default=REPO / "target/release/detrigger")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    models = args.model or [REPO / "models/detrigger-intent"]
    prompts = harmful_prompts()
    counts = Counter(name for name, _ in prompts)

    header = [f"{name} ({counts[name]}): {position}" for name in SETS for position in POSITIONS]
    print("| model | " + " | ".join(header) + " |")
    print("|---|" + "---:|" * len(header))
    for model in models:
        version = json.loads((model / "manifest.json").read_text()).get("version", model.name)
        result = recall(args.binary, model, args.threads, prompts)
        cells = [f"{100 * result[(name, position)]:.1f}%" for name in SETS for position in POSITIONS]
        print(f"| {version} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

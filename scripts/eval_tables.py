#!/usr/bin/env python3
"""Print the README / model card result tables, measured by the repo's own CLI.

Runs `detrigger eval --json --compare keyword` on each dev set (and the
calibration split) at the model's default operating point and prints Markdown:
one overall table with the model and the keyword baseline side by side (the
held-out sources also split into ToxiGen and the rest), and per-category
tables (over-refusal types, held-out sources).

    cargo build --release
    python3 scripts/eval_tables.py [--model models/detrigger-intent] [--binary target/release/detrigger]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SETS = [
    ("over-refusal dev (contrast, held back)", "data/dev/overrefusal.jsonl"),
    ("held-out sources (HarmBench, JBB, ToxiGen, MT-Bench, OpenBookQA)", "data/dev/heldout_sources.jsonl"),
    ("calibration split (never trained on)", "data/calibration.jsonl"),
]
# The held-out sources split by whether the contrast set was written for them:
# the `implicit_hate` type was written after reading model 1.2's ToxiGen
# misses, so ToxiGen is a less blind test than the other held-out sources.
SOURCE_SPLITS = [
    ("held-out sources except ToxiGen", "data/dev/heldout_sources.jsonl", lambda row: row["source"] != "toxigen"),
    ("held-out ToxiGen only", "data/dev/heldout_sources.jsonl", lambda row: row["source"] == "toxigen"),
]


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def ci(interval: dict | None) -> str:
    if not interval:
        return ""
    return f" [{100 * interval['lower']:.1f}, {100 * interval['upper']:.1f}]"


def run(binary: Path, model: Path, data: str, threads: int, operating_point: str | None) -> dict:
    command = [str(binary), "eval", "--scorer", "model", "--model", str(model), "--compare", "keyword"]
    command += ["--data", data, "--json", "--threads", str(threads)]
    if operating_point:
        command += ["--operating-point", operating_point]
    out = subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=REPO / "models" / "detrigger-intent")
    parser.add_argument("--binary", type=Path, default=REPO / "target" / "release" / "detrigger")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--operating-point", default=None, help="default: the model's default operating point")
    args = parser.parse_args()

    results = [(name, run(args.binary, args.model, path, args.threads, args.operating_point)) for name, path in SETS]
    with tempfile.TemporaryDirectory() as scratch:
        for index, (name, path, keep) in enumerate(SOURCE_SPLITS):
            subset = Path(scratch) / f"split{index}.jsonl"
            with open(REPO / path, encoding="utf-8") as rows, open(subset, "w", encoding="utf-8") as out:
                out.writelines(line for line in rows if line.strip() and keep(json.loads(line)))
            results.append((name, run(args.binary, args.model, str(subset), args.threads, args.operating_point)))
    print("| data set | scorer | threshold | FPR [95% CI] | recall [95% CI] | F1 | AUROC | ECE |")
    print("|---|---|---|---|---|---|---|---|")
    for name, result in results:
        for r in result["runs"]:
            m = r["metrics"]
            print(
                f"| {name} | {r['scorer']} | {r['threshold']:.3f} | {pct(m['fpr'])}{ci(m.get('fpr_ci'))} "
                f"| {pct(m['recall'])}{ci(m.get('recall_ci'))} | {pct(m['f1'])} | {m['auroc']:.3f} | {m['ece']:.3f} |"
            )
    print()
    for name, result in results:
        comparison = result.get("comparison") or {}
        matched = comparison.get("matched_recall")
        if matched:
            print(
                f"- {name}: at the keyword baseline's recall ({pct(matched['target_recall'])}), the model flags "
                f"{pct(matched['candidate_fpr'])} of benign prompts against the baseline's "
                f"{pct(matched['baseline_fpr'])} ({matched['candidate_false_positives']} vs "
                f"{matched['baseline_false_positives']} false positives, "
                f"{pct(matched['relative_fpr_reduction'])} fewer)."
            )
    for name, result in results[:2]:
        print(f"\n**{name}, per category** (benign flagged = FPR; harmful caught = recall)\n")
        print("| category | benign n | model FPR | keyword FPR | harmful n | model recall | keyword recall |")
        print("|---|---|---|---|---|---|---|")
        model, keyword = result["runs"][0]["per_category"], result["runs"][1]["per_category"]
        for category in sorted(model):
            a, b = model[category], keyword[category]
            print(
                f"| {category} | {a['negatives']} | {pct(a.get('fpr'))} | {pct(b.get('fpr'))} "
                f"| {a['positives']} | {pct(a.get('recall'))} | {pct(b.get('recall'))} |"
            )


if __name__ == "__main__":
    main()

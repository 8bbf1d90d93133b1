#!/usr/bin/env python3
"""How much the int8 model's logits depend on their batch-mates.

The bundle quantises activations with one scale per model run, so a window's
logit moves with whatever shares its run. Scores a dev set one window per run
(what `Classifier` does by default) and in runs of N sorted by length (what
`with_batch_size(N)` does), and prints the mean and max |Δlogit| and the
decisions that flip at the manifest's default operating point.

    train/.venv/bin/python scripts/batch_effect.py [--rows 8] [--data data/dev/overrefusal.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "train"))

from export import onnx_logits  # noqa: E402
from transformers import PreTrainedTokenizerFast  # noqa: E402

import common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--data", type=Path, default=REPO / "data/dev/overrefusal.jsonl")
    parser.add_argument("--model", type=Path, default=REPO / "models/detrigger-intent")
    args = parser.parse_args()
    manifest = json.loads((args.model / "manifest.json").read_text())
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(args.model / "tokenizer.json"), cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]"
    )
    rows = common.read_jsonl(args.data)
    # Sorted by length, as the classifier sorts a call's windows before cutting runs.
    rows.sort(key=lambda row: len(tokenizer(row["text"])["input_ids"]))
    single = onnx_logits(args.model / "model.onnx", rows, tokenizer, manifest["max_length"], batch_size=1)
    batched = onnx_logits(args.model / "model.onnx", rows, tokenizer, manifest["max_length"], batch_size=args.rows)
    delta = np.abs(single - batched)
    point = next(p for p in manifest["operating_points"] if p["name"] == manifest["default_operating_point"])
    logit_threshold = manifest["calibration"]["temperature"] * np.log(point["threshold"] / (1 - point["threshold"]))
    flips = int(((single > logit_threshold) != (batched > logit_threshold)).sum())
    print(
        f"{args.data.name}: {len(rows)} prompts, runs of {args.rows} vs 1: mean |Δlogit| {delta.mean():.3f}, "
        f"max {delta.max():.3f}; {flips} decisions flip at {point['name']} ({100 * flips / len(rows):.1f}%)"
    )


if __name__ == "__main__":
    main()

"""Compare training runs before exporting any of them: fp32 metrics at calibrated points.

For each run directory written by train.py, scores the calibration split and
both dev sets with the fp32 checkpoint, places the `balanced` and `strict`
thresholds on the calibration split's benign prompts by the runtime's rule
(as `export.py`'s parity check does), and prints one JSON line per run:
AUROC, FPR and recall at each point, and recall at a dev-set FPR of 1% and
5% (thresholds placed on that set's own benign prompts; the model-selection
numbers of the model card). Each dev set is also reported in the parts the
model card keeps apart: the over-refusal set's `implicit_hate` type and the
rest, the fifth contrast batch's rows and the rest, and the held-out
sources with and without ToxiGen (the `implicit_hate` type was written after
reading model 1.2's ToxiGen misses).

Run: python train/compare_runs.py train/work/runs/v3-e2 train/work/runs/v3-pair
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

import export  # noqa: E402


def recall_at_fpr(rows: list[dict], logits: np.ndarray, fpr: float) -> float:
    harmful = np.array([row["label"] == "harmful" for row in rows])
    benign = np.sort(logits[~harmful])
    threshold = benign[int(np.ceil(len(benign) * (1 - fpr))) - 1]
    return round(float((logits[harmful] > threshold).mean()), 4)


# The fifth contrast batch went into existing types, so its rows are told
# apart by their writers' pair-id prefixes (train/data/contrast/AUTHORING.md).
BATCH5_PAIRS = ("cyber-e", "cyber-f", "persuasion-g", "implicit_hate-e")

SUBSETS = {
    "overrefusal": {
        "implicit_hate": lambda row: row.get("type") == "implicit_hate",
        "other_types": lambda row: row.get("type") != "implicit_hate",
        "batch5": lambda row: row.get("pair", "").startswith(BATCH5_PAIRS),
        "before_batch5": lambda row: not row.get("pair", "").startswith(BATCH5_PAIRS),
    },
    "heldout_sources": {
        "toxigen": lambda row: row["source"] == "toxigen",
        "except_toxigen": lambda row: row["source"] != "toxigen",
    },
}


def metrics(rows: list[dict], logits: np.ndarray, thresholds: dict[str, float]) -> dict:
    result = export.parity_metrics(rows, logits, thresholds)
    result = {metric: result[metric] for metric in export.CHECKED}
    result["recall_at_fpr_1"] = recall_at_fpr(rows, logits, 0.01)
    result["recall_at_fpr_5"] = recall_at_fpr(rows, logits, 0.05)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="directories written by train.py")
    args = parser.parse_args()

    rows = export.parity_rows()
    for run in args.runs:
        model, tokenizer, config = export.load_run(run)
        logits = export.fp32_logits(model, rows, tokenizer, config["max_length"])
        thresholds = export.calibrated_thresholds(rows["calibration"], logits["calibration"])
        result: dict = {"run": str(run)}
        for name in (*export.PARITY_SETS, "calibration"):
            result[name] = metrics(rows[name], logits[name], thresholds)
            for part, keep in SUBSETS.get(name, {}).items():
                index = [i for i, row in enumerate(rows[name]) if keep(row)]
                result[f"{name}/{part}"] = metrics([rows[name][i] for i in index], logits[name][index], thresholds)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

"""Which MatMuls to keep in fp32: int8 error of each choice, against fp32.

Exports a training run once (fp32, fused), then for each choice quantises
it as `export.py` does except that the named MatMuls stay fp32, and
prints one JSON line: file size, mean |Δp| against the fp32 model on each
dev set, and the largest move (in points) of any metric `export.py` checks
(AUROC, and FPR and recall at each model's own calibrated `balanced` and
`strict` points). A choice is a comma-separated list of indices into the
fused graph's MatMuls (printed by `--list`), or `none`.

Run: python train/quant_sweep.py --run train/work/runs/v3-e2 none 2 5 8 11 14 17
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402

import common  # noqa: E402
import export  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help="directory written by train.py")
    parser.add_argument("--list", action="store_true", help="print the MatMuls and exit")
    parser.add_argument("choices", nargs="*", default=["none"])
    args = parser.parse_args()

    config = json.loads((args.run / "config.json").read_text())
    model, _ = export.load_model(config["layers"], attention="eager")
    model.load_state_dict(torch.load(args.run / "model.pt", map_location="cpu"))
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(args.run / "tokenizer")
    max_length = config["max_length"]

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        export.export_fp32(model, tmp / "fp32.onnx")
        export.fuse(tmp / "fp32.onnx", tmp / "fused.onnx", model.encoder.config.num_attention_heads,
                    model.encoder.config.hidden_size)
        matmuls = export.matmul_names(onnx.load(str(tmp / "fused.onnx")))
        if args.list:
            for index, name in enumerate(matmuls):
                print(index, name)
            return

        sets = {
            "calibration": common.read_jsonl(common.REPO / "data" / "calibration.jsonl"),
            "overrefusal": common.read_jsonl(common.DEV_DIR / "overrefusal.jsonl"),
            "heldout_sources": common.read_jsonl(common.DEV_DIR / "heldout_sources.jsonl"),
        }
        reference = {name: export.predict(model, rows, tokenizer, torch.device("cpu"), max_length)
                     for name, rows in sets.items()}
        benign = np.array([row["label"] == "benign" for row in sets["calibration"]])

        def thresholds(logits: np.ndarray) -> dict[str, float]:
            return {name: export.conformal_threshold(logits[benign], alpha)
                    for name, alpha in export.OPERATING_POINTS.items()}

        for choice in args.choices:
            keep = [] if choice == "none" else [matmuls[int(index)] for index in choice.split(",")]
            int8 = tmp / f"{choice}.onnx"
            export.quantize(tmp / "fused.onnx", int8, keep_fp32=keep)
            quantised = {name: export.onnx_logits(int8, rows, tokenizer, max_length, batch_size=1)
                         for name, rows in sets.items()}
            result = {"fp32": keep, "size_mb": round(int8.stat().st_size / 1e6, 2)}
            for name in ("overrefusal", "heldout_sources"):
                a = export.parity_metrics(sets[name], reference[name], thresholds(reference["calibration"]))
                b = export.parity_metrics(sets[name], quantised[name], thresholds(quantised["calibration"]))
                p_ref, p_q = 1 / (1 + np.exp(-reference[name])), 1 / (1 + np.exp(-quantised[name]))
                worst = max(export.CHECKED, key=lambda metric: abs(a[metric] - b[metric]))
                result[name] = {
                    "mean_abs_delta_p": round(float(np.abs(p_ref - p_q).mean()), 4),
                    "largest_move_points": round(100 * abs(a[worst] - b[worst]), 2),
                    "metric": worst,
                }
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

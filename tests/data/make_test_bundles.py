#!/usr/bin/env python3
"""Write two tiny, broken model bundles for the error-path tests.

- tests/data/nan-bundle: the model returns NaN. The C API tests use it to
  reach DETRIGGER_INFERENCE (the classifier refuses a non-finite logit) and
  DETRIGGER_RUNTIME_UNAVAILABLE (it loads without the real model) in well
  under a second.
- tests/data/shape-bundle: the model returns logits of shape [N, 3] while the
  manifest promises one column, so scoring must fail with a typed error.

Both have the graph inputs a real bundle has, and compute their output from
both inputs, so ONNX Runtime cannot prune an input away.

Needs the `onnx` package (the training venv has it):

    python3 tests/data/make_test_bundles.py

The output is committed; rerun only to change the bundles.
"""

import hashlib
import json
from pathlib import Path

import onnx
from onnx import TensorProto, helper

HERE = Path(__file__).resolve().parent


def model_bytes(columns: int) -> bytes:
    """logits[N, columns] = 0 / 0 (NaN)."""
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
    nodes = [
        helper.make_node("Cast", ["input_ids"], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["ids_f", "axes"], ["ids_sum"], keepdims=1),
        helper.make_node("ReduceSum", ["mask_f", "axes"], ["mask_sum"], keepdims=1),
        helper.make_node("Add", ["ids_sum", "mask_sum"], ["total"]),
        helper.make_node("Sub", ["total", "total"], ["zero"]),
        helper.make_node("Div", ["zero", "zero"], ["nan"]),
        helper.make_node("Concat", ["nan"] * columns, ["logits"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "nan",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", columns])],
        initializer=[axes],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="detrigger-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def tokenizer() -> dict:
    # WhitespaceSplit rather than Whitespace: the latter is a regex whose
    # lazy-DFA caches live in a process-wide static that valgrind can only see
    # through interior pointers ("possibly lost"), which would fail run.sh.
    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "kill"])}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }


def write(name: str, columns: int) -> None:
    out = HERE / name
    out.mkdir(exist_ok=True)
    model = model_bytes(columns)
    (out / "model.onnx").write_bytes(model)
    (out / "tokenizer.json").write_text(json.dumps(tokenizer(), indent=1) + "\n")
    manifest = {
        "format_version": 1,
        "name": f"{name}-test-model",
        "version": "0",
        "model_file": "model.onnx",
        "model_sha256": hashlib.sha256(model).hexdigest(),
        "tokenizer_file": "tokenizer.json",
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask"},
        "output": "logits",
        "labels": ["harmful"],
        "max_length": 16,
        "calibration": {"temperature": 1.0, "dataset": "none"},
        "operating_points": [],
        "default_operating_point": None,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def main() -> None:
    write("nan-bundle", 1)
    write("shape-bundle", 3)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Rust CLI vs Python vs keyword baseline, on the same prompts and model.

Scores one prompt file three ways and prints a Markdown report:

(a) `detrigger score --scorer model --threads 1`, one process fed every
    prompt (as JSON Lines on stdin), timed from here: the whole process
    (start, ONNX Runtime and model load, scoring, output). The same command
    with empty input times start-up and load alone; the difference of the
    two medians is the load-excluded scoring time. Besides the model, the
    CLI runs the de-obfuscating normaliser and finds keyword triggers for
    every prompt, and parses and writes JSON.
(b) the same model.onnx from Python with `tokenizers` + `onnxruntime`: one
    intra-op thread, one window per model run as the CLI runs them (the
    classifier's default `batch_size` of 1; see BATCH_ROWS below),
    `[CLS] ids [SEP]` for prompts
    of at most max_length tokens (from manifest.json). Longer prompts are
    truncated to one window (the CLI scores every window and keeps the
    highest), and left out of the agreement check. The only normalisation is
    Unicode NFKC (the Rust normaliser also folds leetspeak, spaced letters
    and homoglyphs; plain text comes out of it as NFKC). Probabilities are
    sigmoid(logit / temperature) with the manifest's temperature. Timed
    both as a whole process (interpreter start, imports, load, scoring) and
    inside the process (load; scoring = normalise, tokenise, run, sigmoid).
(c) `detrigger score --scorer keyword`, timed like (a). Scoring 1,000
    prompts takes about a millisecond, below the noise of process start-up,
    so its load-excluded time is measured on the file repeated
    --keyword-copies times (default 100) and divided by that.

Every measurement is repeated --repeat times, interleaved (a, b, c, then
again) after one untimed warm-up round, and medians are reported. Ratios
compare medians from this one run. Agreement: max |Δp| and max |Δlogit|
between the CLI's output and Python's, over the prompts both score from a
single window.

    scripts/compare.sh                       # venv, release build, then this
    target/bench-venv/bin/python scripts/compare_python.py --prompts FILE --repeat 9

A prompt file is plain text (one prompt per line; blank lines skipped) or
JSON Lines with a "text" field (.jsonl, .ndjson).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROMPTS = ROOT / "benches" / "data" / "prompts.txt"
DEFAULT_MODEL = ROOT / "models" / "detrigger-intent"
# How the CLI batches (src/bin/detrigger/score.rs and src/classifier.rs): it
# calls score_batch with 32 prompts at a time, and the classifier runs the
# model on one window at a time (its default batch_size): with dynamically
# quantised int8 weights a window's logit depends on its batch-mates, and
# the classifier keeps scores independent of them. Python mirrors this; the
# batching rule below still serves other BATCH_ROWS for experiments.
CLI_CHUNK = 32
BATCH_ROWS = 1
MAX_PADDING = (1, 8)


def batch_ranges(lengths: list[int], max_rows: int = BATCH_ROWS) -> list[range]:
    """Model batches over windows sorted by length: `batch_ranges` in src/classifier.rs."""
    num, den = MAX_PADDING
    ranges, start = [], 0
    while start < len(lengths):
        end, real = start + 1, lengths[start]
        while end < len(lengths) and end - start < max_rows:
            width, rows = lengths[end], end - start + 1
            if width * rows * den > (real + width) * (den + num):
                break
            real += width
            end += 1
        ranges.append(range(start, end))
        start = end
    return ranges


def read_prompts(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix in (".jsonl", ".ndjson"):
        prompts = [json.loads(line)["text"] for line in text.splitlines() if line.strip()]
    else:
        prompts = text.splitlines()
    # Blank prompts get score 0 without a model run in the CLI: not worth timing.
    return [p for p in prompts if p.strip()]


# --- (b): the Python worker, run as its own process -------------------------


def python_worker(prompts_path: Path, model_dir: Path, out: Path) -> None:
    """Loads and scores once, writing timings and logits as JSON to `out`."""
    start, start_cpu = time.perf_counter(), time.process_time()
    import numpy as np
    import onnxruntime as ort
    from tokenizers import Tokenizer

    imported = time.perf_counter()
    manifest = json.loads((model_dir / "manifest.json").read_text())
    tokenizer = Tokenizer.from_file(str(model_dir / manifest["tokenizer_file"]))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    cls, sep, pad = (tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]"))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # as detrigger sets it
    session = ort.InferenceSession(
        str(model_dir / manifest["model_file"]), options, providers=["CPUExecutionProvider"]
    )
    inputs = manifest["inputs"]
    output = manifest["output"]
    harmful = manifest["labels"].index("harmful")
    content = manifest["max_length"] - 2
    temperature = manifest["calibration"]["temperature"]
    prompts = read_prompts(prompts_path)
    loaded, loaded_cpu = time.perf_counter(), time.process_time()

    texts = [unicodedata.normalize("NFKC", p) for p in prompts]
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    truncated = [len(e.ids) > content for e in encodings]
    windows = [[cls, *e.ids[:content], sep] for e in encodings]
    logits: list[float] = [0.0] * len(windows)
    for first in range(0, len(windows), CLI_CHUNK):
        order = sorted(range(first, min(first + CLI_CHUNK, len(windows))), key=lambda i: len(windows[i]))
        for batch_range in batch_ranges([len(windows[i]) for i in order]):
            batch = [order[k] for k in batch_range]
            width = max(len(windows[i]) for i in batch)
            input_ids = np.full((len(batch), width), pad, dtype=np.int64)
            attention_mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                input_ids[row, : len(windows[i])] = windows[i]
                attention_mask[row, : len(windows[i])] = 1
            feed = {inputs["input_ids"]: input_ids, inputs["attention_mask"]: attention_mask}
            (result,) = session.run([output], feed)
            for i, logit in zip(batch, result.reshape(len(batch), -1)[:, harmful].tolist()):
                logits[i] = logit
    probabilities = [1.0 / (1.0 + math.exp(-logit / temperature)) for logit in logits]
    scored, scored_cpu = time.perf_counter(), time.process_time()

    report = {
        "import_s": imported - start,
        "load_s": loaded - start,
        "score_s": scored - loaded,
        "load_cpu_s": loaded_cpu - start_cpu,
        "score_cpu_s": scored_cpu - loaded_cpu,
        "logits": logits,
        "probabilities": probabilities,
        "truncated": truncated,
        "tokens": [len(e.ids) + 2 for e in encodings],
        "versions": {"onnxruntime": ort.__version__, "numpy": np.__version__, "tokenizers": _version("tokenizers")},
    }
    out.write_text(json.dumps(report))


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


# --- the driver ---------------------------------------------------------------


def timed(command: list[str], stdin: Path | None) -> tuple[tuple[float, float], bytes]:
    """Runs `command`; returns ((wall s, CPU s), stdout). CPU is the child's user + system time."""

    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    with open(stdin or os.devnull, "rb") as source:
        cpu = children_cpu()
        start = time.perf_counter()
        done = subprocess.run(command, stdin=source, capture_output=True)
        elapsed = time.perf_counter() - start
        cpu = children_cpu() - cpu
    if done.returncode != 0:
        sys.exit(f"compare_python: {' '.join(command)} failed ({done.returncode}):\n{done.stderr.decode()}")
    return (elapsed, cpu), done.stdout


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical CPUs, Linux {platform.release()}"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=Path, default=DEFAULT_PROMPTS, help="prompt file (default: %(default)s)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model bundle (default: %(default)s)")
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    parser.add_argument(
        "--detrigger", type=Path, default=target / "release" / "detrigger", help="CLI binary (default: %(default)s)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each measurement (default: 5)")
    parser.add_argument(
        "--keyword-copies", type=int, default=100, help="copies of the file for keyword scoring time (default: 100)"
    )
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--python-worker", nargs=2, type=Path, metavar=("PROMPTS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.python_worker:
        python_worker(args.python_worker[0], args.model, args.python_worker[1])
        return
    if args.repeat < 1 or args.keyword_copies < 1:
        parser.error("--repeat and --keyword-copies must be at least 1")
    copies = args.keyword_copies
    if not args.detrigger.is_file():
        sys.exit(f"compare_python: no CLI at {args.detrigger}; build it with `cargo build --release` (or run compare.sh)")

    prompts = read_prompts(args.prompts)
    if not prompts:
        sys.exit(f"compare_python: {args.prompts} has no prompts")
    n = len(prompts)
    work = Path(tempfile.mkdtemp(prefix="detrigger-compare-"))
    prompts_jsonl = work / "prompts.jsonl"
    prompts_jsonl.write_text("".join(json.dumps({"text": p}) + "\n" for p in prompts))
    keyword_jsonl = work / "keyword.jsonl"
    keyword_jsonl.write_text(prompts_jsonl.read_text() * args.keyword_copies)

    cli = [str(args.detrigger), "score", "--model", str(args.model)]
    rust_model = [*cli, "--scorer", "model", "--threads", "1"]
    rust_keyword = [str(args.detrigger), "score", "--scorer", "keyword"]
    worker_out = work / "python.json"
    python = [sys.executable, str(Path(__file__).resolve()), "--model", str(args.model), "--python-worker"]
    python += [str(prompts_jsonl), str(worker_out)]
    # One-threaded everywhere: no Rayon pool in tokenizers, no OpenMP/BLAS pools.
    os.environ.update(TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")

    load_before = load_average()
    keys = ("model", "model_load", "py", "py_load", "py_score", "kw", "kw_load", "kw_copies")
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in keys}
    rust_out = b""
    python_report: dict = {}
    for round_ in range(args.repeat + 1):  # round 0 warms the page cache and is not counted
        timings = {}
        timings["model"], out = timed(rust_model, prompts_jsonl)
        timings["model_load"], _ = timed(rust_model, None)
        timings["py"], _ = timed(python, None)
        report = json.loads(worker_out.read_text())
        timings["py_load"] = (report["load_s"], report["load_cpu_s"])
        timings["py_score"] = (report["score_s"], report["score_cpu_s"])
        timings["kw"], _ = timed(rust_keyword, prompts_jsonl)
        timings["kw_load"], _ = timed(rust_keyword, None)
        timings["kw_copies"], _ = timed(rust_keyword, keyword_jsonl)
        if round_ == 0:
            rust_out, python_report = out, report
            continue
        for key, value in timings.items():
            times[key].append(value)
    load_after = load_average()

    # Medians of wall time (med) and of CPU time (cpu).
    med = {key: statistics.median(wall for wall, _ in values) for key, values in times.items()}
    cpu = {key: statistics.median(c for _, c in values) for key, values in times.items()}
    for m in (med, cpu):
        m["model_score"] = m["model"] - m["model_load"]
        m["kw_score"] = (m["kw_copies"] - m["kw_load"]) / args.keyword_copies

    # Agreement between the CLI's scores and Python's.
    rust_rows = [json.loads(line) for line in rust_out.decode().splitlines()]
    if len(rust_rows) != n:
        sys.exit(f"compare_python: the CLI wrote {len(rust_rows)} lines for {n} prompts")
    truncated = python_report["truncated"]
    pairs = [(r, p, lp) for r, p, lp, t in zip(rust_rows, python_report["probabilities"], python_report["logits"], truncated) if not t]
    dp = [abs(r["score"] - p) for r, p, _ in pairs]
    dlogit = [abs(r["logit"] - lp) for r, _, lp in pairs]
    different = sum(d > 1e-4 for d in dlogit)
    tokens = python_report["tokens"]

    def row(what: str, timed_part: str, key: str) -> str:
        count = n * copies if key == "kw_copies" else n
        cells = [f"{med[key] * 1000:,.1f}", f"{cpu[key] * 1000:,.1f}"]
        for seconds in (med[key], cpu[key]):
            loading = key in ("model_load", "py_load", "kw_load")
            cells.append(f"{count / seconds:,.0f}" if seconds > 0 and not loading else "–")
        return f"| {what} | {timed_part} | {' | '.join(cells)} |"

    def ratio(what: str, top: str, bottom: str, spec: str) -> str:
        return f"| {what} | {med[top] / med[bottom]:{spec}} | {cpu[top] / cpu[bottom]:{spec}} |"

    lines = [
        f"### Rust vs Python vs keyword: {n:,} prompts from `{_display(args.prompts)}`",
        "",
        f"Machine: {machine()}. Load average {load_before} before, {load_after} after. "
        f"Python {platform.python_version()}, onnxruntime {python_report['versions']['onnxruntime']}, "
        f"tokenizers {python_report['versions']['tokenizers']}, numpy {python_report['versions']['numpy']}. "
        f"Medians of {args.repeat} interleaved runs (after one warm-up round); CPU is user + system time, "
        "which for these one-threaded runs is close to what wall time would be on an idle machine. "
        f"Prompts: median {statistics.median(tokens):.0f} tokens, max {max(tokens)} "
        f"([CLS]/[SEP] included); {sum(truncated)} longer than the window.",
        "",
        "| scorer | timed | wall ms | CPU ms | prompts/s (wall) | prompts/s (CPU) |",
        "|---|---|---:|---:|---:|---:|",
        row("Rust CLI, model, 1 thread", "whole process: start, load, score, write", "model"),
        row("Rust CLI, model, 1 thread", "start + load only (empty input)", "model_load"),
        row("Rust CLI, model, 1 thread", "scoring, load excluded (difference)", "model_score"),
        row("Python, model, 1 thread", "whole process: interpreter, imports, load, score", "py"),
        row("Python, model, 1 thread", "imports + load (in process)", "py_load"),
        row("Python, model, 1 thread", "scoring, load excluded (in process)", "py_score"),
        row("Rust CLI, keyword", "whole process", "kw"),
        row("Rust CLI, keyword", "start + load only (empty input)", "kw_load"),
        row("Rust CLI, keyword", f"whole process, file x {args.keyword_copies}", "kw_copies"),
        row("Rust CLI, keyword", f"scoring, load excluded ((file x {copies} − empty) / {copies})", "kw_score"),
        "",
        "| ratio (of median times) | wall | CPU |",
        "|---|---:|---:|",
        ratio("Rust / Python, scoring, load excluded", "model_score", "py_score", ".2f"),
        ratio("Rust / Python, whole process", "model", "py", ".2f"),
        ratio("model / keyword, scoring, load excluded", "model_score", "kw_score", ",.0f"),
        ratio("model / keyword, whole process", "model", "kw", ".1f"),
        "",
        f"Agreement over the {len(pairs):,} prompts that fit one window: max |Δp| = {max(dp, default=0):.2e}, "
        f"max |Δlogit| = {max(dlogit, default=0):.2e}; {different} prompts differ by more than 1e-4 in the logit. "
        "Both sides run one window per model run; the prompts that differ are ones the Rust normaliser "
        "rewrote (leetspeak, spaced letters) or reads differently from plain NFKC.",
        "",
        "The Rust CLI's times include, per prompt, the de-obfuscating normaliser, the keyword-trigger "
        "report, and JSON parsing and writing; Python's scoring time is NFKC, tokenisation, ONNX Runtime "
        "and the sigmoid only. Both sides run one window per model run.",
    ]
    report = "\n".join(lines) + "\n"
    shutil.rmtree(work, ignore_errors=True)
    print(report)
    if args.markdown:
        args.markdown.write_text(report)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    main()

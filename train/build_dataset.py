"""Build the training, calibration and dev splits.

Inputs: ../shared/data/train/*.jsonl, train/data/contrast/*.jsonl (written by
this project) and train/data/audit/*.jsonl (relabels from the label audit).

Outputs:
  train/work/train.jsonl         rows the model is fitted on, with a `weight`
  data/calibration.jsonl         temperature scaling and operating points (never trained on)
  data/dev/heldout_sources.jsonl whole sources never trained on (see common.DEV_SOURCES)
  data/dev/overrefusal.jsonl     the held-back fifth of every contrast type
  train/work/dataset_stats.json  row counts per source and label, for the model card

Splits are drawn by hashing text (or, for contrast rows, the pair id), so they
are identical on every machine and every rerun.

Run: python train/build_dataset.py
"""

from __future__ import annotations

import argparse
import collections
import json
import random

import common

# Rows from a source that the audit says are mislabelled are relabelled or
# dropped; sources without an audit file are used as labelled.
AUDIT_DIR = common.REPO / "train" / "data" / "audit"


def load_audits() -> dict[tuple[str, str], str]:
    audits = {}
    for path in sorted(AUDIT_DIR.glob("*.jsonl")):
        source = path.stem
        for row in common.read_jsonl(path):
            audits[(source, row["text"])] = row["audit"]
    return audits


def davidson_keep(row: dict) -> bool:
    """Keep Davidson tweets whose annotators agreed.

    The category looks like "hate_speech (votes h/o/n=2/1/0)". Hate labels
    with a bare 2-of-3 majority and "neither" labels that any annotator called
    hateful are the noisiest part of this known-noisy set.
    """
    votes = row["category"].split("=")[-1].rstrip(")").split("/")
    hate, offensive, neither = (int(v) for v in votes)
    total = hate + offensive + neither
    if row["label"] == "harmful":
        return hate * 3 >= total * 2 or hate >= 3
    return hate == 0 and neither * 3 >= total * 2


# Request-like sources: their prompts ask for something, as a buried request would.
REQUEST_SOURCES = ("advbench", "strongreject", "simplesafetytests", "do_not_answer", "coconot")
# Long, ordinary benign prompts to bury requests in.
CONTEXT_SOURCES = ("arena_hard", "gpteacher", "dolly_safety_subset", "self_instruct", "ifeval", "gsm8k", "truthfulqa")
# Roughly 80 word pieces: with a request of up to ~45 the row still fits the
# 128-token window, so truncation never cuts the request off.
CONTEXT_CHARS = 360


def composites(train: list[dict], fraction: float, stats: dict) -> list[dict]:
    """Requests buried in benign text, labelled by the request.

    A long prompt is scored window by window, and its most harmful window
    decides; that window is often mostly benign context with a short request
    in it. Without such rows the model learns "long and ordinary means
    benign". Benign requests get the same treatment, so length alone says
    nothing.
    """
    rng = random.Random(17)
    contexts = [row["text"] for row in train if row["source"] in CONTEXT_SOURCES and len(row["text"]) > 80]
    requests = {
        label: [
            row
            for row in train
            if row["label"] == label and (row["source"] in REQUEST_SOURCES or row["source"].startswith("contrast/"))
            and "composite" not in row
        ]
        for label in common.LABELS
    }
    count = int(fraction * len(requests["harmful"]))
    out = []
    for label in common.LABELS:
        for row in rng.sample(requests[label], min(count, len(requests[label]))):
            context = rng.choice(contexts)
            if len(context) > CONTEXT_CHARS:
                start = rng.randrange(0, len(context) - CONTEXT_CHARS)
                context = context[start : start + CONTEXT_CHARS].split(" ", 1)[-1].rsplit(" ", 1)[0]
            text = f"{context} {row['text']}" if rng.random() < 0.7 else f"{row['text']} {context}"
            out.append(
                {"text": text, "label": label, "source": "composite", "category": f"composite/{label}", "weight": 1.0}
            )
        stats["composite"]["train_" + label] += min(count, len(requests[label]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cap", type=int, default=1500, help="most rows per (source, label) in training")
    parser.add_argument(
        "--calibration-cap", type=int, default=200, help="most rows per (source, label) in the calibration split"
    )
    parser.add_argument("--contrast-weight", type=float, default=2.0, help="loss weight of contrast rows")
    parser.add_argument(
        "--composites",
        type=float,
        default=0.3,
        help="extra rows, as a fraction of the harmful requests, that embed a request in benign context "
        "(and as many benign-in-benign rows)",
    )
    args = parser.parse_args()

    audits = load_audits()
    stats = collections.defaultdict(collections.Counter)
    train, calibration, heldout = [], [], []

    for row in common.load_shared(include_dev=True):
        source = row["source"]
        row = {key: row[key] for key in ("text", "label", "source", "category")}
        if source in common.DEV_SOURCES:
            heldout.append(row)
            stats[source]["dev_" + row["label"]] += 1
            continue
        verdict = audits.get((source, row["text"]))
        if verdict == "drop":
            stats[source]["audit_dropped"] += 1
            continue
        if verdict in common.LABELS and verdict != row["label"]:
            stats[source][f"audit_{row['label']}_to_{verdict}"] += 1
            row["label"] = verdict
        if source == "davidson_hate_offensive" and not davidson_keep(row):
            stats[source]["low_agreement_dropped"] += 1
            continue
        if common.stable_fraction(row["text"], "calibration") < common.CALIBRATION_FRACTION:
            calibration.append(row)
            stats[source]["calibration_" + row["label"]] += 1
        else:
            train.append(row)

    # Cap large (source, label) groups by a stable hash so EDOS, GPTeacher,
    # WebQuestions and GSM8K do not dominate; surplus rows are unused.
    by_group = collections.defaultdict(list)
    for row in train:
        by_group[(row["source"], row["label"])].append(row)
    train = []
    for (source, label), rows in sorted(by_group.items()):
        rows.sort(key=lambda r: common.stable_fraction(r["text"], "cap"))
        kept = rows[: args.cap]
        stats[source]["train_" + label] += len(kept)
        if len(rows) > len(kept):
            stats[source]["capped_" + label] += len(rows) - len(kept)
        for row in kept:
            row["weight"] = 1.0
        train.extend(kept)

    # The calibration split mirrors the capped training mix, so operating
    # points are not set by whichever source happens to be largest.
    by_group = collections.defaultdict(list)
    for row in calibration:
        by_group[(row["source"], row["label"])].append(row)
    calibration = []
    for (source, label), rows in sorted(by_group.items()):
        rows.sort(key=lambda r: common.stable_fraction(r["text"], "cap"))
        calibration.extend(rows[: args.calibration_cap])
        stats[source]["calibration_" + label] = len(rows[: args.calibration_cap])

    overrefusal = []
    seen_contrast = set()
    for row in common.load_contrast():
        key = common.same_words_key(row["text"])
        if key in seen_contrast:
            # Two authors wrote the same prompt: keep the first copy only.
            stats["contrast/" + row["type"]]["duplicate_dropped"] += 1
            continue
        seen_contrast.add(key)
        out = {key: row[key] for key in ("text", "label", "source", "category", "type", "trigger", "pair")}
        source = "contrast/" + row["type"]
        if common.stable_fraction(row["pair"], "contrast-dev") < common.CONTRAST_DEV_FRACTION:
            overrefusal.append(out)
            stats[source]["dev_" + row["label"]] += 1
        elif common.stable_fraction(row["pair"], "calibration") < common.CALIBRATION_FRACTION:
            calibration.append(out)
            stats[source]["calibration_" + row["label"]] += 1
        else:
            out["weight"] = args.contrast_weight
            train.append(out)
            stats[source]["train_" + row["label"]] += 1

    train.extend(composites(train, args.composites, stats))

    # Class balance: harmful and benign rows carry equal total loss weight.
    mass = collections.Counter()
    for row in train:
        mass[row["label"]] += row["weight"]
    for row in train:
        row["weight"] = round(row["weight"] * (mass["benign"] + mass["harmful"]) / (2 * mass[row["label"]]), 4)

    train.sort(key=lambda r: common.stable_fraction(r["text"], "order"))
    common.write_jsonl(common.WORK / "train.jsonl", train)
    common.write_jsonl(common.REPO / "data" / "calibration.jsonl", calibration)
    common.write_jsonl(common.DEV_DIR / "heldout_sources.jsonl", heldout)
    common.write_jsonl(common.DEV_DIR / "overrefusal.jsonl", overrefusal)
    totals = {
        "train": collections.Counter(r["label"] for r in train),
        "calibration": collections.Counter(r["label"] for r in calibration),
        "heldout_sources": collections.Counter(r["label"] for r in heldout),
        "overrefusal": collections.Counter(r["label"] for r in overrefusal),
    }
    with open(common.WORK / "dataset_stats.json", "w", encoding="utf-8") as handle:
        json.dump({"totals": totals, "per_source": stats, "args": vars(args)}, handle, indent=1, sort_keys=True)
    for name, counts in totals.items():
        print(f"{name:16} benign {counts['benign']:6}  harmful {counts['harmful']:6}")


if __name__ == "__main__":
    main()

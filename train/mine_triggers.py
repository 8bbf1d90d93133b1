"""Mine the refusal triggers of the harmful training data.

A trigger is a word or 2-3 word phrase far more frequent in harmful than in
benign prompts. Frequencies are document frequencies, re-weighted so that every
(source, label) pair carries the same total mass: otherwise EDOS alone (8k
rows) would decide what a trigger is. Phrases are ranked by the z-score of
their log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and
Quinn 2008, "Fightin' Words"), which keeps rare phrases from topping the list
on one or two counts.

Outputs:
  train/data/triggers_ranked.tsv   every phrase with z >= --z-report, ranked
  models/keyword-triggers.txt       the keyword baseline's list: the top K
                                    phrases, K chosen to maximise F1 on the
                                    training split (never on dev)

Run: python train/mine_triggers.py   (parameters below are the documented defaults)
"""

from __future__ import annotations

import argparse
import collections
import math
from pathlib import Path

import common

# Function words never make a trigger on their own: a keyword filter that
# refuses "how to" is not a filter anybody ships. A phrase made only of these
# is skipped; a phrase that contains one ("how to make a bomb") is kept.
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being am
    i me my we our you your he him his she her it its they them their this that these those there here
    what which who whom whose when where why how do does did doing done have has had having can could
    will would shall should may might must not no yes so than then too very just about into over under
    up down out off again further once all any both each few more most other some such only own same
    s t don now get got make made give write create provide some someone something one ways way step
    steps list detailed guide tutorial explain tell show describe""".split()
)


def ngrams(tokens: list[str], max_n: int) -> set[str]:
    grams = set()
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - n + 1):
            gram = tokens[i : i + n]
            if all(token in STOPWORDS for token in gram):
                continue
            if gram[0] in STOPWORDS and n > 1 and gram[-1] in STOPWORDS:
                continue
            grams.add(" ".join(gram))
    return grams


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-n", type=int, default=3, help="longest phrase, in words")
    parser.add_argument("--min-harmful-docs", type=int, default=8, help="a trigger must occur in this many harmful rows")
    parser.add_argument("--prior", type=float, default=100.0, help="alpha_0 of the Dirichlet prior")
    parser.add_argument(
        "--min-precision",
        type=float,
        default=0.75,
        help="a trigger's smoothed precision at an even class prior must reach this "
        "(drops frequent but weak words such as 'people' or the '@user' placeholder)",
    )
    parser.add_argument("--z-report", type=float, default=2.0, help="lowest z written to the ranked list")
    parser.add_argument("--max-triggers", type=int, default=600, help="largest K tried for the baseline list")
    parser.add_argument("--ranked-out", type=Path, default=common.REPO / "train" / "data" / "triggers_ranked.tsv")
    parser.add_argument("--list-out", type=Path, default=common.REPO / "models" / "keyword-triggers.txt")
    args = parser.parse_args()

    rows = [row for row in common.load_shared() if common.stable_fraction(row["text"], "calibration") >= common.CALIBRATION_FRACTION]
    groups = collections.Counter((row["source"], row["label"]) for row in rows)
    label_rows = collections.Counter(row["label"] for row in rows)
    sources_per_label = collections.Counter(label for (_, label) in groups)
    # Each (source, label) group gets an equal share of its label's row count.
    weight = {
        (source, label): label_rows[label] / sources_per_label[label] / count for (source, label), count in groups.items()
    }

    counts = {"harmful": collections.Counter(), "benign": collections.Counter()}
    raw_harmful_docs = collections.Counter()
    doc_grams = []
    for row in rows:
        grams = ngrams(common.words(row["text"]), args.max_n)
        doc_grams.append((row["label"], grams))
        w = weight[(row["source"], row["label"])]
        for gram in grams:
            counts[row["label"]][gram] += w
            if row["label"] == "harmful":
                raw_harmful_docs[gram] += 1

    n_h, n_b = label_rows["harmful"], label_rows["benign"]
    n_total = n_h + n_b
    scored = []
    for gram, y_h in counts["harmful"].items():
        if raw_harmful_docs[gram] < args.min_harmful_docs:
            continue
        y_b = counts["benign"][gram]
        alpha = args.prior * (y_h + y_b) / n_total
        delta = math.log((y_h + alpha) / (n_h + args.prior - y_h - alpha)) - math.log(
            (y_b + alpha) / (n_b + args.prior - y_b - alpha)
        )
        z = delta / math.sqrt(1.0 / (y_h + alpha) + 1.0 / (y_b + alpha))
        # Precision at a 50/50 class prior, smoothed: the phrase's weight in
        # the baseline's noisy-OR score.
        precision = (y_h / n_h + 1e-3) / (y_h / n_h + y_b / n_b + 2e-3)
        scored.append((z, gram, y_h, y_b, raw_harmful_docs[gram], precision))
    scored.sort(key=lambda item: (-item[0], item[1]))

    args.ranked_out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.ranked_out, "w", encoding="utf-8") as handle:
        handle.write("# phrase\tz\tweighted_harmful_docs\tweighted_benign_docs\traw_harmful_docs\tprecision_at_even_prior\n")
        for z, gram, y_h, y_b, raw, precision in scored:
            if z < args.z_report:
                break
            handle.write(f"{gram}\t{z:.2f}\t{y_h:.1f}\t{y_b:.1f}\t{raw}\t{precision:.3f}\n")

    # Keep a phrase only if no already-kept phrase is inside it: a longer
    # phrase that contains a kept trigger can never add a match.
    kept = []
    for item in scored:
        if len(kept) >= args.max_triggers:
            break
        if item[5] < args.min_precision:
            continue
        words = f" {item[1]} "
        if any(f" {other[1]} " in words for other in kept):
            continue
        kept.append(item)

    best_k, best_f1, best_stats = choose_k(kept, doc_grams, n_h, n_b)
    with open(args.list_out, "w", encoding="utf-8") as handle:
        handle.write(
            "# detrigger keyword-trigger baseline: refusal triggers mined from ../shared/data/train\n"
            "# (dev sources and the calibration split excluded) by train/mine_triggers.py.\n"
            f"# Parameters: max_n={args.max_n} min_harmful_docs={args.min_harmful_docs} prior={args.prior} "
            f"min_precision={args.min_precision};\n"
            f"# ranked by log-odds z-score; top K={best_k} kept (K maximises training-split F1 = {best_f1:.3f},\n"
            f"# precision {best_stats[0]:.3f}, recall {best_stats[1]:.3f}).\n"
            "# Format: phrase<TAB>weight. weight = the phrase's smoothed precision at an even class prior;\n"
            "# a prompt's score is the noisy-OR of the weights of the triggers it contains.\n"
        )
        for z, gram, _, _, _, precision in kept[:best_k]:
            handle.write(f"{gram}\t{precision:.3f}\n")
    print(f"{len(scored)} candidate phrases; kept K={best_k} (F1 {best_f1:.3f}) -> {args.list_out}")


def choose_k(kept, doc_grams, n_h, n_b):
    """Pick the list length that maximises F1 (any match flags) on training rows."""
    first_hit = []  # per row: index of the first kept phrase it contains, or None
    rank = {item[1]: index for index, item in enumerate(kept)}
    for label, grams in doc_grams:
        hits = [rank[g] for g in grams if g in rank]
        first_hit.append((label, min(hits) if hits else None))
    best = (0, -1.0, (0.0, 0.0))
    tp_by_k = collections.Counter()
    fp_by_k = collections.Counter()
    for label, hit in first_hit:
        if hit is not None:
            (tp_by_k if label == "harmful" else fp_by_k)[hit + 1] += 1
    tp = fp = 0
    for k in range(1, len(kept) + 1):
        tp += tp_by_k[k]
        fp += fp_by_k[k]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / n_h
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best[1]:
            best = (k, f1, (precision, recall))
    return best


if __name__ == "__main__":
    main()

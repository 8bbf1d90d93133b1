"""Check the hand-written contrast set before it is trained on.

For every file under train/data/contrast/ (or the files named):
  - schema: the keys AUTHORING.md lists, a valid label, a type that matches
    the category;
  - pairs: every pair id holds at least one benign row and at most one
    harmful twin;
  - duplicates: the same words (case and punctuation ignored) in another row;
  - near-copies of held-out prompts: word-trigram Jaccard similarity of
    --max-similarity or more with any prompt of a held-out dev source
    (common.DEV_SOURCES). Authors never open those sources; this checks it.

Exits 1 if any check fails.

Run: python train/check_contrast.py [FILE ...]
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import common

KEYS = {"text", "label", "source", "category", "type", "trigger", "pair"}


def trigrams(text: str) -> frozenset[tuple[str, ...]]:
    tokens = common.words(text)
    return frozenset(tuple(tokens[i : i + 3]) for i in range(max(1, len(tokens) - 2)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--max-similarity", type=float, default=0.35)
    args = parser.parse_args()
    files = [path.resolve() for path in args.files] or sorted(common.CONTRAST_DIR.glob("*.jsonl"))

    heldout = [(row["text"], trigrams(row["text"])) for row in common.load_shared(include_dev=True)
               if row["source"] in common.DEV_SOURCES]
    by_gram = collections.defaultdict(list)
    for index, (_, grams) in enumerate(heldout):
        for gram in grams:
            by_gram[gram].append(index)

    seen: dict[str, str] = {}
    for path in sorted(common.CONTRAST_DIR.glob("*.jsonl")):
        if path.resolve() not in files:
            for row in common.read_jsonl(path):
                seen.setdefault(common.same_words_key(row["text"]), path.name)

    failures = 0
    for path in files:
        rows = common.read_jsonl(path)
        problems = []
        pairs = collections.defaultdict(list)
        for number, row in enumerate(rows, 1):
            where = f"{path.name}:{number}"
            if not KEYS <= row.keys() or row["label"] not in common.LABELS:
                problems.append(f"{where}: bad schema")
                continue
            if row["category"] != f"contrast/{row['type']}":
                problems.append(f"{where}: category {row['category']!r} does not match type {row['type']!r}")
            pairs[row["pair"]].append(row["label"])
            key = common.same_words_key(row["text"])
            if key in seen:
                problems.append(f"{where}: duplicates a row of {seen[key]}")
            seen[key] = path.name
            grams = trigrams(row["text"])
            overlaps = collections.Counter(i for gram in grams for i in by_gram.get(gram, ()))
            for index, shared in overlaps.most_common(3):
                similarity = shared / len(grams | heldout[index][1])
                if similarity >= args.max_similarity:
                    problems.append(f"{where}: {similarity:.2f} similar to held-out {heldout[index][0]!r}")
        for pair, labels in pairs.items():
            if "benign" not in labels or labels.count("harmful") > 1:
                problems.append(f"{path.name}: pair {pair} has labels {sorted(labels)}")
        counts = collections.Counter(row.get("label") for row in rows)
        print(f"{path.name:24} benign {counts['benign']:4}  harmful {counts['harmful']:4}  problems {len(problems)}")
        for problem in problems[:20]:
            print("   ", problem)
        failures += len(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

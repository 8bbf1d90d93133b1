"""Shared paths, split rules and text helpers for the training recipe.

Every script in train/ imports this module so that the split rules live in
one place: which shared sources are held out as dev sets, which rows go to the
calibration split, and how text is tokenised for trigger mining.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("DETRIGGER_SHARED_DATA", REPO.parent / "shared" / "data" / "train"))
CONTRAST_DIR = REPO / "train" / "data" / "contrast"
WORK = Path(os.environ.get("DETRIGGER_WORK", REPO / "train" / "work"))
DEV_DIR = REPO / "data" / "dev"

# Whole sources held out from training, so that dev metrics measure transfer to
# data the model never saw in any form (the split is by source, not by row).
# Chosen to cover every label family: harmful requests (HarmBench, JBB),
# implicit hate (ToxiGen), benign scary-looking requests (JBB benign, ToxiGen
# neutral) and ordinary benign prompts (MT-Bench, OpenBookQA).
DEV_SOURCES = ("harmbench", "jbb_behaviors", "toxigen", "mt_bench", "openbookqa")

# Fraction of every training source's rows moved (by a hash of the text, so
# the split is stable across reruns and machines) into the calibration split.
# Temperature scaling and operating points are fitted there, never on dev.
CALIBRATION_FRACTION = 0.10

# Fraction of each contrast type held back as the over-refusal dev set.
CONTRAST_DEV_FRACTION = 0.20

LABELS = ("benign", "harmful")

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Unicode letters and digits; everything else separates words, exactly as the
# Rust normaliser turns every other character run into one space.
_WORD = re.compile(r"[^\W_]+")


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise SystemExit(f"{path}:{line_number}: not JSON: {error}") from error
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def stable_fraction(text: str, salt: str) -> float:
    """A number in [0, 1) that depends only on the text and a salt."""
    digest = hashlib.sha256((salt + "\0" + text).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def load_shared(include_dev: bool = False) -> list[dict]:
    """Rows of ../shared/data/train, without the dev sources unless asked."""
    rows = []
    for path in sorted(SHARED_DATA.glob("*.jsonl")):
        for row in read_jsonl(path):
            if row["source"] in DEV_SOURCES and not include_dev:
                continue
            rows.append(row)
    return rows


def load_contrast() -> list[dict]:
    rows = []
    for path in sorted(CONTRAST_DIR.glob("*.jsonl")):
        rows.extend(read_jsonl(path))
    return rows


def words(text: str) -> list[str]:
    """Lower-cased word tokens, the unit the trigger miner counts.

    NFKC plus case folding mirrors what the Rust normaliser does before the
    keyword matcher runs, so a mined phrase matches the same text there.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).casefold()
    return _WORD.findall(folded)


def same_words_key(text: str) -> str:
    """Two prompts with equal keys are duplicates: same words, case and punctuation aside."""
    return " ".join(words(text))

#!/usr/bin/env python3
"""Build tests/data/adversarial.jsonl from tests/data/adversarial_clean.jsonl.

For every clean row this writes the row itself (obfuscation "none") plus one
obfuscated variant per trick. Tricks act on the row's trigger words (the words
listed in its "trigger" field), except "mixed_case", which acts on the whole
prompt. Only the trigger's letters change (or gain separators between them);
the text around each trigger, and so its word boundaries, stays as it was.

Standard library only; deterministic (random.Random(2026)).

    python3 tests/data/make_adversarial.py
"""

import collections
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLEAN = os.path.join(HERE, "adversarial_clean.jsonl")
OUT = os.path.join(HERE, "adversarial.jsonl")

TRICKS = [
    "leet",
    "spacing",
    "zero_width",
    "homoglyph",
    "mixed_case",
    "emoji_separators",
    "fullwidth",
]

# Leetspeak: letter -> possible substitutes (matched case-insensitively).
LEET = {
    "o": ["0"],
    "i": ["1"],
    "e": ["3"],
    "a": ["4", "@"],
    "s": ["5", "$"],
    "t": ["7"],
}

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060"]

# Cyrillic / Greek look-alikes.
HOMOGLYPH = {
    "a": "\u0430",  # а CYRILLIC SMALL A
    "e": "\u0435",  # е CYRILLIC SMALL IE
    "o": "\u043e",  # о CYRILLIC SMALL O
    "p": "\u0440",  # р CYRILLIC SMALL ER
    "c": "\u0441",  # с CYRILLIC SMALL ES
    "x": "\u0445",  # х CYRILLIC SMALL HA
    "y": "\u0443",  # у CYRILLIC SMALL U
    "i": "\u0456",  # і CYRILLIC SMALL BYELORUSSIAN-UKRAINIAN I
    "s": "\u0455",  # ѕ CYRILLIC SMALL DZE
    "k": "\u043a",  # к CYRILLIC SMALL KA
    "A": "\u0410",  # А
    "B": "\u0412",  # В
    "C": "\u0421",  # С
    "E": "\u0415",  # Е
    "H": "\u041d",  # Н
    "I": "\u0406",  # І
    "K": "\u041a",  # К
    "M": "\u041c",  # М
    "O": "\u041e",  # О
    "P": "\u0420",  # Р
    "S": "\u0405",  # Ѕ
    "T": "\u0422",  # Т
    "X": "\u0425",  # Х
    "Y": "\u03a5",  # Υ GREEK CAPITAL UPSILON
}

EMOJIS = ["\U0001F525", "\U0001F480", "\u2728", "\U0001F642", "\U0001F52A"]  # 🔥💀✨🙂🔪


def pick_positions(rng, word, eligible):
    """Indices of 1-2 (rng-chosen) letters of word for which eligible(ch) holds."""
    idx = [i for i, ch in enumerate(word) if eligible(ch)]
    if not idx:
        return []
    k = min(len(idx), rng.choice([1, 2]))
    return sorted(rng.sample(idx, k))


def leet(rng, word, row_no):
    pos = pick_positions(rng, word, lambda ch: ch.lower() in LEET)
    chars = list(word)
    for i in pos:
        chars[i] = rng.choice(LEET[chars[i].lower()])
    return "".join(chars)


def spacing(rng, word, row_no):
    # Even rows: single spaces; odd rows alternate between dots and hyphens.
    if row_no % 2 == 0:
        sep = " "
    elif row_no % 4 == 1:
        sep = "."
    else:
        sep = "-"
    return sep.join(word)


def interleave(rng, word, choices):
    out = [word[0]]
    for ch in word[1:]:
        out.append(rng.choice(choices))
        out.append(ch)
    return "".join(out)


def zero_width(rng, word, row_no):
    return interleave(rng, word, ZERO_WIDTH)


def emoji_separators(rng, word, row_no):
    return interleave(rng, word, EMOJIS)


def homoglyph(rng, word, row_no):
    pos = pick_positions(rng, word, lambda ch: ch in HOMOGLYPH)
    chars = list(word)
    for i in pos:
        chars[i] = HOMOGLYPH[chars[i]]
    return "".join(chars)


def fullwidth(rng, word, row_no):
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in word)


WORD_TRICKS = {
    "leet": leet,
    "spacing": spacing,
    "zero_width": zero_width,
    "homoglyph": homoglyph,
    "emoji_separators": emoji_separators,
    "fullwidth": fullwidth,
}


def trigger_pattern(triggers):
    alts = sorted(set(triggers), key=lambda t: (-len(t), t))
    body = "|".join(re.escape(t) for t in alts)
    # Whole-word match on ASCII letters, so "bomb" matches in "bomb-sniffing"
    # but never inside another word.
    return re.compile(r"(?<![A-Za-z])(" + body + r")(?![A-Za-z])")


def apply_word_trick(rng, trick, text, triggers, row_no):
    fn = WORD_TRICKS[trick]
    pat = trigger_pattern(triggers)
    return pat.sub(lambda m: fn(rng, m.group(1), row_no), text)


def mixed_case(rng, text, triggers):
    pat = trigger_pattern(triggers)
    for _ in range(1000):
        out = "".join(
            (ch.upper() if rng.random() < 0.5 else ch.lower()) if ch.isalpha() else ch
            for ch in text
        )
        # Require every trigger occurrence to end up with a different casing.
        spans = [m.span(1) for m in pat.finditer(text)]
        if out != text and all(out[a:b] != text[a:b] for a, b in spans):
            return out
    raise RuntimeError("could not mix case for: " + text)


def main():
    rng = random.Random(2026)
    with open(CLEAN, encoding="utf-8") as f:
        clean = [json.loads(line) for line in f if line.strip()]

    ids = [r["id"] for r in clean]
    assert len(ids) == len(set(ids)), "duplicate ids in clean set"

    out_rows = []
    counts = collections.Counter()
    for row_no, row in enumerate(clean):
        text, label, triggers = row["text"], row["label"], row["trigger"]
        assert label in ("harmful", "benign"), row
        assert triggers, row
        pat = trigger_pattern(triggers)
        for t in triggers:
            assert re.fullmatch(r"[A-Za-z]+", t), (row["id"], t)
            assert re.search(r"(?<![A-Za-z])" + re.escape(t) + r"(?![A-Za-z])", text), (
                row["id"],
                t,
            )
        assert any(len(t) >= 4 for t in triggers), row["id"]

        variants = [("none", text)]
        for trick in TRICKS:
            if trick == "mixed_case":
                new = mixed_case(rng, text, triggers)
            else:
                new = apply_word_trick(rng, trick, text, triggers, row_no)
                # Text outside the triggers must be untouched.
                outside_clean = pat.split(text)[0::2]
                assert new.startswith(outside_clean[0]) and new.endswith(outside_clean[-1]), (
                    row["id"],
                    trick,
                )
                for piece in outside_clean:
                    assert piece in new, (row["id"], trick, piece)
                if not (trick == "spacing" and row_no % 2 == 0):
                    # Separators other than plain spaces keep the token count.
                    assert len(new.split()) == len(text.split()), (row["id"], trick, new)
            assert new != text, (row["id"], trick)
            variants.append((trick, new))

        for trick, new in variants:
            out_rows.append(
                {
                    "id": "%s-%s" % (row["id"], trick),
                    "clean_id": row["id"],
                    "text": new,
                    "label": label,
                    "obfuscation": trick,
                }
            )
            counts[(trick, label)] += 1

    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        for r in out_rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    labels = ["harmful", "benign"]
    print("%-18s %8s %8s %8s" % ("obfuscation", *labels, "total"))
    for trick in ["none"] + TRICKS:
        h, b = (counts[(trick, l)] for l in labels)
        print("%-18s %8d %8d %8d" % (trick, h, b, h + b))
    th = sum(v for (t, l), v in counts.items() if l == "harmful")
    tb = sum(v for (t, l), v in counts.items() if l == "benign")
    print("%-18s %8d %8d %8d" % ("all", th, tb, th + tb))
    print("wrote %d rows to %s" % (len(out_rows), os.path.relpath(OUT)), file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# The whole training recipe, from the shared data to a calibrated, evaluated
# model bundle in models/detrigger-intent. Every step is also runnable alone
# (see "Training recipe and data" in the README).
#
#   bash train/run_all.sh                 # CPU or GPU, whichever torch finds
#   RUN=work/runs/repro bash train/run_all.sh --threads 2   # extra args go to every train.py
#
# Needs: python3 with pip (PyPI) and cargo. ../shared/data/train (or
# DETRIGGER_SHARED_DATA) must hold the shared training data.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
cd "$here"

python=${PYTHON:-$here/.venv/bin/python}
if [[ ! -x $python ]]; then
    bash "$here/setup.sh"
    python=$here/.venv/bin/python
fi
run=${RUN:-work/runs/main}
bundle=$repo/models/detrigger-intent

step() { echo "== $*" >&2; }

step "mine the refusal triggers (keyword baseline list)"
"$python" mine_triggers.py
step "check the contrast set (schema, pairs, duplicates, near-copies of held-out prompts)"
"$python" check_contrast.py
step "build the train / calibration / dev splits"
"$python" build_dataset.py
# The shipped model is the weight average of three fine-tunes of the same
# recipe (model card, Model selection): about 27-37 minutes each on 2 CPU cores.
step "fine-tune three ingredients: seed 13, seed 14, seed 13 with the pairwise twin loss"
"$python" train.py --out "$run-s13" --seed 13 "$@"
"$python" train.py --out "$run-s14" --seed 14 "$@"
"$python" train.py --out "$run-pair" --seed 13 --pair-weight 1 --pair-margin 4 "$@"
step "average their weights -> $run"
"$python" soup.py --out "$run" "$run-s13" "$run-s14" "$run-pair"
step "export, fuse, quantise, parity-check -> $bundle"
"$python" export.py --run "$run" --bundle "$bundle"
step "refresh the normaliser lexicon from the tokenizer"
"$python" make_lexicon.py "$bundle/tokenizer.json"

cd "$repo"
step "calibrate: temperature and operating points on data/calibration.jsonl"
cargo run --release --quiet -- calibrate --data data/calibration.jsonl --model "$bundle"
step "evaluate the model and the keyword baseline side by side"
for set in overrefusal heldout_sources; do
    cargo run --release --quiet -- eval --scorer model --model "$bundle" --compare keyword \
        --data "data/dev/$set.jsonl" --report "$bundle/eval/$set"
done

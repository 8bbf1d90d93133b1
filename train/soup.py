"""Average the weights of training runs ("model soup") into a new run directory.

Runs fine-tuned from the same base weights with the same recipe and
different seeds end up close enough in weight space that their average is a
model of its own, as fast as any one of them. The output directory has what
`export.py` and `compare_runs.py` read: `model.pt`, `config.json`,
`tokenizer/` (copied from the first run) and a `train_log.json` that names
the ingredients.

Run: python train/soup.py --out train/work/runs/soup train/work/runs/v3-e2 train/work/runs/v3-e2-s14
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("runs", nargs="+", type=Path, help="directories written by train.py, same recipe and layers")
    args = parser.parse_args()
    if len(args.runs) < 2:
        raise SystemExit("a soup needs at least two runs")

    configs = [json.loads((run / "config.json").read_text()) for run in args.runs]
    if any(config != configs[0] for config in configs[1:]):
        raise SystemExit("the runs differ in config.json (layers, window): they cannot be averaged")
    states = [torch.load(run / "model.pt", map_location="cpu") for run in args.runs]
    soup = {name: sum(state[name].double() for state in states).div(len(states)).to(tensor.dtype)
            for name, tensor in states[0].items()}

    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(soup, args.out / "model.pt")
    shutil.copy(args.runs[0] / "config.json", args.out / "config.json")
    shutil.copytree(args.runs[0] / "tokenizer", args.out / "tokenizer", dirs_exist_ok=True)
    logs = [json.loads((run / "train_log.json").read_text()) for run in args.runs]
    log = {
        # export.py records these arguments in the manifest: the first run's,
        # with the soup's own output directory and its ingredients.
        "args": {**logs[0]["args"], "out": str(args.out), "soup_of": [str(run) for run in args.runs],
                 "seeds": [entry["args"]["seed"] for entry in logs]},
        "device": logs[0].get("device"),
        "epochs": [],
    }
    (args.out / "train_log.json").write_text(json.dumps(log, indent=1))
    print(f"wrote {args.out}: mean of {len(states)} runs")


if __name__ == "__main__":
    main()

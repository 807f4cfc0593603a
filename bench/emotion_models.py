"""Emotion model experiments for issue 16 part 2: which model, measured side by side.

    .venv/bin/python bench/emotion_models.py embed-mpnet      # CPU: frozen all-mpnet-base-v2 features, cached in /tmp/emo
    python3 bench/emotion_models.py train-minilm --base DIR   # E0-E2 logits (ran on a GPU; --device cpu works, slowly)
    .venv/bin/python bench/emotion_models.py report           # calibrate, tune restraint, write the results

Experiments (all scored on GoEmotions dev and on the hand-written literary dev set):
  E0  the bundled model as shipped (top MiniLM layer + head trained on GoEmotions);
  E1  the same architecture (top layer(s) + head) retrained with the literary training set
      mixed in, class-balanced weights and label smoothing;
  E2  the whole MiniLM encoder fine-tuned, same data and tricks;
  E3  all-mpnet-base-v2 frozen (mean-pooled, normalised, as sentence-transformers does) + a
      logistic-regression head, same data.
Temperature is fitted per model on GoEmotions dev (never on the literary set). Restraint
thresholds are tuned on a fixed random half of the literary dev set and reported on the other
half and on the whole. Nothing is trained or tuned on the literary dev set otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from narration.emotion.tags import TAGS  # noqa: E402
from narration.eval.emotion import (  # noqa: E402
    DATA_LABELS,
    TAG_TO_LABEL,
    literary_parts,
    read_labelled,
    read_literary,
    row_tags,
    tuning_split,
)

LABEL_TO_TAG = {label: tag for tag, label in TAG_TO_LABEL.items()}
LITERARY_TRAIN = ROOT / "scripts" / "data" / "emotion_literary_train.tsv"
LITERARY_DEV = ROOT / "bench" / "data" / "emotion_literary_dev.tsv"
CACHE = Path("/tmp/emo")
SEED = 13
CAP_PER_CLASS = 1300  # class-balanced GoEmotions subsample: at most this many rows per label


def data_dir(given: str | None = None) -> Path:
    if given:
        return Path(given)
    for c in (ROOT.parent / "shared" / "data" / "emotion", ROOT / "shared" / "data" / "emotion"):
        if c.is_dir():
            return c
    raise SystemExit("no shared/data/emotion")


def read_literary_labels(path: Path) -> tuple[list[str], list[str], list[str]]:
    """(texts, data labels, kinds) of a literary set."""
    texts, tags, kinds = read_literary(path)
    return texts, [TAG_TO_LABEL[t] for t in tags], kinds


def balanced_subsample(labels: list[str], cap: int = CAP_PER_CLASS, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng(seed)
    keep = []
    for label in DATA_LABELS:
        rows = np.flatnonzero(np.array(labels) == label)
        keep.extend(rng.permutation(rows)[:cap].tolist())
    return np.sort(np.array(keep))


def load_sets(data: Path) -> dict[str, tuple[list[str], list[str]]]:
    train_t, train_l = read_labelled(data / "train.tsv")
    dev_t, dev_l = read_labelled(data / "dev.tsv")
    lt_t, lt_l, _ = read_literary_labels(LITERARY_TRAIN)
    ld_t, ld_l, _ = read_literary_labels(LITERARY_DEV)
    sub = balanced_subsample(train_l)
    return {
        "train": (train_t, train_l),
        "train_sub": ([train_t[i] for i in sub], [train_l[i] for i in sub]),
        "lit_train": (lt_t, lt_l),
        "dev": (dev_t, dev_l),
        "lit_dev": (ld_t, ld_l),
    }


# --------------------------------------------------------------------------- E3: mpnet features


def mean_pool_embed(model_dir: Path, texts: list[str], *, batch: int = 32, max_length: int = 128,
                    threads: int = 2, log_every: int = 2000) -> np.ndarray:
    """Mean-pooled, L2-normalised last hidden states (what SentenceTransformer(all-mpnet-base-v2) returns)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(threads)
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()
    lengths = [len(t) for t in texts]
    order = np.argsort(lengths, kind="stable")
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    started = time.monotonic()
    with torch.inference_mode():
        for n, start in enumerate(range(0, len(texts), batch)):
            idx = order[start:start + batch]
            enc = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out[idx] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
            if (start + batch) // log_every > start // log_every:
                print(f"  {start + len(idx)}/{len(texts)} in {time.monotonic() - started:.0f} s", flush=True)
    return out


def cmd_embed_mpnet(args: argparse.Namespace) -> None:
    sets = load_sets(data_dir(args.data))
    CACHE.mkdir(exist_ok=True)
    timing = {}
    for name in ("lit_dev", "lit_train", "dev", "train_sub"):
        path = CACHE / f"mpnet_{name}.npy"
        if path.is_file():
            continue
        texts = sets[name][0]
        started = time.monotonic()
        emb = mean_pool_embed(Path(args.mpnet), texts)
        seconds = time.monotonic() - started
        np.save(path, emb)
        timing[name] = {"texts": len(texts), "seconds": round(seconds, 1)}
        print(f"mpnet {name}: {len(texts)} texts in {seconds:.0f} s ({len(texts) / seconds:.1f}/s)", flush=True)
    prev = json.loads((CACHE / "mpnet_timing.json").read_text()) if (CACHE / "mpnet_timing.json").is_file() else {}
    prev.update(timing)
    (CACHE / "mpnet_timing.json").write_text(json.dumps(prev, indent=1))


# --------------------------------------------------------------------------- E0-E2: MiniLM

VARIANTS = [
    # name, trained layers (of 6; 6 = whole encoder + embeddings), GoEmotions rows, literary repeats,
    # class-weight power, label smoothing, epochs, lr (head 10x unless whole), max tokens, seed
    dict(name="E1-top1", top=1, train="full", lit=4, cwp=0.5, ls=0.1, epochs=3, lr=1e-4, max_len=128, seed=13),
    dict(name="E1-top2", top=2, train="full", lit=4, cwp=0.5, ls=0.1, epochs=3, lr=1e-4, max_len=128, seed=13),
    dict(name="E1-top2-nolit", top=2, train="full", lit=0, cwp=0.5, ls=0.1, epochs=3, lr=1e-4, max_len=128, seed=13),
    dict(name="E1-top2-s14", top=2, train="full", lit=4, cwp=0.5, ls=0.1, epochs=3, lr=1e-4, max_len=128, seed=14),
    dict(name="E2-all", top=6, train="full", lit=4, cwp=0.5, ls=0.1, epochs=3, lr=5e-5, max_len=128, seed=13),
    dict(name="E2-all-s14", top=6, train="full", lit=4, cwp=0.5, ls=0.1, epochs=3, lr=5e-5, max_len=128, seed=14),
    dict(name="E2-all-sub", top=6, train="sub", lit=2, cwp=0.5, ls=0.1, epochs=2, lr=5e-5, max_len=64, seed=13),
]


def _trained(name: str, top: int) -> bool:
    if top >= 6:
        return True
    layers = tuple(f"bert.encoder.layer.{i}." for i in range(6 - top, 6))
    return name.startswith((*layers, "bert.pooler.", "classifier."))


def _logits(model, tok, texts: list[str], device: str, max_len: int = 256, batch: int = 256) -> np.ndarray:
    import torch

    model.eval()
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.zeros((len(texts), 7), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), batch):
            idx = order[start:start + batch]
            enc = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=max_len, return_tensors="pt")
            out[idx] = model(**{k: v.to(device) for k, v in enc.items()}).logits.float().cpu().numpy()
    return out


def _base_model(base: Path, device: str):
    from transformers import BertForSequenceClassification
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    model = BertForSequenceClassification.from_pretrained(
        base, num_labels=7, id2label=dict(enumerate(DATA_LABELS)), label2id={l: i for i, l in enumerate(DATA_LABELS)})
    return model.float().to(device)


def train_variant(v: dict, sets: dict, base: Path, device: str, tok) -> tuple[object, dict]:
    import torch
    from torch import nn

    torch.manual_seed(v["seed"])
    rng = np.random.default_rng(v["seed"])
    model = _base_model(base, device)
    g_t, g_l = sets["train" if v["train"] == "full" else "train_sub"]
    l_t, l_l = sets["lit_train"]
    texts = list(g_t) + list(l_t) * v["lit"]
    labels = list(g_l) + list(l_l) * v["lit"]
    y = np.array([DATA_LABELS.index(l) for l in labels])
    counts = np.bincount(y, minlength=7)
    weights = torch.tensor((len(y) / (7 * counts)) ** v["cwp"], dtype=torch.float32, device=device)
    loss_fn = nn.CrossEntropyLoss(weight=weights, label_smoothing=v["ls"])
    for n, p in model.named_parameters():
        p.requires_grad = _trained(n, v["top"])
    head = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("classifier.")]
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("classifier.")]
    head_lr = v["lr"] * (1 if v["top"] >= 6 else 10)
    opt = torch.optim.AdamW([{"params": body, "lr": v["lr"]}, {"params": head, "lr": head_lr}], weight_decay=0.01)
    enc = tok(texts, truncation=True, max_length=v["max_len"])
    ids = enc["input_ids"]
    bs = 32
    steps = v["epochs"] * ((len(texts) + bs - 1) // bs)
    warm = max(1, int(0.06 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    started = time.monotonic()
    lengths = np.array([len(x) for x in ids])
    for epoch in range(v["epochs"]):
        model.train()
        perm = rng.permutation(len(texts))
        batches = []
        for s0 in range(0, len(perm), bs * 50):  # similar lengths per batch, as scripts/train_emotion.py
            block = perm[s0:s0 + bs * 50]
            block = block[np.argsort(lengths[block], kind="stable")]
            batches += [block[i:i + bs] for i in range(0, len(block), bs)]
        rng.shuffle(batches)
        for idx in batches:
            longest = max(lengths[i] for i in idx)
            inp = torch.zeros(len(idx), longest, dtype=torch.long)
            mask = torch.zeros(len(idx), longest, dtype=torch.long)
            for r, i in enumerate(idx):
                inp[r, :lengths[i]] = torch.tensor(ids[i])
                mask[r, :lengths[i]] = 1
            logits = model(input_ids=inp.to(device), attention_mask=mask.to(device)).logits
            loss = loss_fn(logits, torch.as_tensor(y[idx], device=device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    info = {**v, "train_rows": len(texts), "train_seconds": round(time.monotonic() - started, 1), "device": device}
    return model, info


def cmd_train_minilm(args: argparse.Namespace) -> None:
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file
    from transformers import AutoTokenizer

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    torch.set_num_threads(args.threads)
    sets = load_sets(data_dir(args.data))
    base = Path(args.base)
    tok = AutoTokenizer.from_pretrained(base)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    eval_sets = {"dev": sets["dev"][0], "lit_dev": sets["lit_dev"][0]}
    if args.smoke:
        eval_sets = {k: t[:40] for k, t in eval_sets.items()}
    # E0: the shipped weights laid over the base
    model = _base_model(base, device)
    with safe_open(str(ROOT / "narration" / "emotion" / "data" / "emotion-minilm.safetensors"), framework="pt") as fh:
        model.load_state_dict({k: fh.get_tensor(k).float() for k in fh.keys()}, strict=False)
    model.to(device)
    all_logits = {f"E0/{k}": _logits(model, tok, t, device) for k, t in eval_sets.items()}
    np.savez(out / "logits.npz", **all_logits)
    results["E0"] = {"name": "E0"}
    names = args.only.split(",") if args.only else [v["name"] for v in VARIANTS]
    keep = set(args.keep.split(",")) if args.keep else set()
    for v in VARIANTS:
        if v["name"] not in names:
            continue
        if args.smoke:
            v = {**v, "epochs": 1}
            sets_v = {**sets, "train": (sets["train"][0][:64], sets["train"][1][:64]),
                      "train_sub": (sets["train_sub"][0][:64], sets["train_sub"][1][:64]),
                      "lit_train": (sets["lit_train"][0][:16], sets["lit_train"][1][:16])}
        else:
            sets_v = sets
        model, info = train_variant(v, sets_v, base, device, tok)
        started = time.monotonic()
        all_logits.update({f"{v['name']}/{k}": _logits(model, tok, t, device) for k, t in eval_sets.items()})
        info["eval_seconds"] = round(time.monotonic() - started, 1)
        np.savez(out / "logits.npz", **all_logits)
        if v["name"] in keep:
            state = {k: t.detach().to(torch.float16).cpu().contiguous() for k, t in model.state_dict().items()
                     if _trained(k, v["top"])}
            save_file(state, str(out / f"{v['name']}.safetensors"))
        results[v["name"]] = info
        print(json.dumps(info), flush=True)
        (out / "train_info.json").write_text(json.dumps(results, indent=1))
        del model


# --------------------------------------------------------------------------- E3 head, calibration, restraint


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The T minimising the negative log-likelihood of softmax(logits / T) (a grid, then refined)."""
    def nll(t: float) -> float:
        p = softmax(logits / t)
        return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())

    grid = np.exp(np.linspace(np.log(0.2), np.log(5.0), 161))
    return float(min(grid, key=nll))


def train_e3(sets: dict, lit_weight: float = 2.0) -> tuple[dict, dict]:
    """Logistic regression on cached mpnet features; C picked on GoEmotions dev."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    x = np.concatenate([np.load(CACHE / "mpnet_train_sub.npy"), np.load(CACHE / "mpnet_lit_train.npy")])
    labels = list(sets["train_sub"][1]) + list(sets["lit_train"][1])
    y = np.array([DATA_LABELS.index(l) for l in labels])
    w = np.concatenate([np.ones(len(sets["train_sub"][1])), np.full(len(sets["lit_train"][1]), lit_weight)])
    dev_x = np.load(CACHE / "mpnet_dev.npy")
    dev_y = np.array([DATA_LABELS.index(l) for l in sets["dev"][1]])
    best = None
    for c in (0.5, 2.0, 8.0):
        started = time.monotonic()
        clf = LogisticRegression(C=c, max_iter=2000).fit(x, y, sample_weight=w)
        f1 = f1_score(dev_y, clf.predict(dev_x), average="macro")
        print(f"E3 C={c}: GoEmotions dev macro-F1 {f1:.3f} ({time.monotonic() - started:.0f} s)", flush=True)
        if best is None or f1 > best[0]:
            best = (f1, c, clf)
    clf = best[2]
    logits = {"dev": clf.decision_function(dev_x), "lit_dev": clf.decision_function(np.load(CACHE / "mpnet_lit_dev.npy"))}
    return logits, {"C": best[1], "lit_weight": lit_weight, "train_rows": len(y)}


def non_neutral(gold: list[str], pred: list[str]) -> dict:
    said = [i for i, p in enumerate(pred) if p != "neutral"]
    emotional = [i for i, g in enumerate(gold) if g != "neutral"]
    right = sum(pred[i] == gold[i] for i in said)
    return {"tagged": len(said), "right": right, "emotional": len(emotional),
            "precision": right / len(said) if said else float("nan"),
            "recall": right / len(emotional) if emotional else float("nan")}


def thresholded(probs: np.ndarray, speech: list[bool], t_narr: float, t_speech: float) -> list[str]:
    """Restraint for passages each alone (no neighbours, cap lifted): the top non-neutral tag
    when its probability reaches the threshold of the passage's kind, else neutral."""
    emo = probs.copy()
    emo[:, 0] = -1.0  # TAGS[0] is neutral
    best = emo.argmax(1)
    out = []
    for i, b in enumerate(best):
        t = t_speech if speech[i] else t_narr
        out.append(TAGS[b] if probs[i, b] >= t else "neutral")
    return out


GRID = [round(x, 2) for x in np.arange(0.30, 0.96, 0.05)]


def tune_thresholds(probs: np.ndarray, gold: list[str], speech: list[bool], rows: np.ndarray,
                    min_precision: float = 0.85) -> tuple[float, float]:
    """(narration, speech) thresholds with the most recall on ``rows`` at precision >= min_precision;
    the narrator's threshold is never below the speech one. Ties: the higher thresholds."""
    best = None
    for tn in GRID:
        for ts in GRID:
            if tn < ts:
                continue
            pred = thresholded(probs[rows], [speech[i] for i in rows], tn, ts)
            s = non_neutral([gold[i] for i in rows], pred)
            if s["tagged"] < 10 or s["precision"] < min_precision:
                continue
            key = (s["recall"], tn + ts)
            if best is None or key > best[0]:
                best = (key, tn, ts)
    if best is None:
        return 0.95, 0.95
    return best[1], best[2]


def cmd_report(args: argparse.Namespace) -> None:
    from sklearn.metrics import f1_score

    sets = load_sets(data_dir(args.data))
    z = np.load(Path(args.minilm) / "logits.npz")
    logits = {}
    for key in z.files:
        name, split = key.split("/")
        logits.setdefault(name, {})[split] = z[key]
    info = json.loads((Path(args.minilm) / "train_info.json").read_text())
    if (CACHE / "mpnet_train_sub.npy").is_file():
        logits["E3-mpnet-lr"], info["E3-mpnet-lr"] = train_e3(sets)
    # GoEmotions-label column order -> TAGS order
    to_tags = [DATA_LABELS.index(TAG_TO_LABEL[t]) for t in TAGS]
    dev_y = np.array([TAGS.index(LABEL_TO_TAG[l]) for l in sets["dev"][1]])
    lit_gold = [LABEL_TO_TAG[l] for l in sets["lit_dev"][1]]
    lit_y = np.array([TAGS.index(t) for t in lit_gold])
    _, _, kinds = read_literary(LITERARY_DEV)
    speech = [k == "speech" for k in kinds]
    tune, check = tuning_split(len(lit_gold))
    rows_all = np.arange(len(lit_gold))
    results = {}
    for name, lg in logits.items():
        dev_l, lit_l = lg["dev"][:, to_tags], lg["lit_dev"][:, to_tags]
        t = fit_temperature(dev_l, dev_y)
        lit_p = softmax(lit_l / t)
        r = {
            "dev_macro_f1": f1_score(dev_y, dev_l.argmax(1), average="macro"),
            "lit_macro_f1": f1_score(lit_y, lit_l.argmax(1), average="macro"),
            "lit_speech_f1": f1_score(lit_y[speech], lit_l[speech].argmax(1), average="macro"),
            "lit_narration_f1": f1_score(lit_y[~np.array(speech)], lit_l[~np.array(speech)].argmax(1), average="macro"),
            "temperature": t,
        }
        tn, ts = tune_thresholds(lit_p, lit_gold, speech, tune)
        r["thresholds"] = {"narration": tn, "speech": ts}
        pred = thresholded(lit_p, speech, tn, ts)
        for part, rows in (("tune", tune), ("check", check), ("all", rows_all)):
            r[f"restrained_{part}"] = non_neutral([lit_gold[i] for i in rows], [pred[i] for i in rows])
        # the old defaults (0.7 narration, 0.5 speech), calibrated probabilities
        old = thresholded(lit_p, speech, 0.7, 0.5)
        r["restrained_old_defaults"] = non_neutral(lit_gold, old)
        results[name] = r
    head = ("| model | trained | GoEmotions dev F1 | literary F1 (speech / narration) | T | thresholds narr/speech "
            "| P/R tune half | P/R check half | P/R all | P/R all at 0.7/0.5 |")
    print(head)
    print("|---" * 10 + "|")
    for name, r in results.items():
        i = info.get(name, {})
        trained = f"{i.get('train_seconds', '-')} s {i.get('device', '')}".strip()
        cell = lambda s: f"{s['precision']:.2f} / {s['recall']:.2f} ({s['right']}/{s['tagged']})"
        print(f"| {name} | {trained} | {r['dev_macro_f1']:.3f} | {r['lit_macro_f1']:.3f} ({r['lit_speech_f1']:.3f} / "
              f"{r['lit_narration_f1']:.3f}) | {r['temperature']:.2f} | {r['thresholds']['narration']:.2f}/"
              f"{r['thresholds']['speech']:.2f} | {cell(r['restrained_tune'])} | {cell(r['restrained_check'])} | "
              f"{cell(r['restrained_all'])} | {cell(r['restrained_old_defaults'])} |")
    out = CACHE / "report.json"
    out.write_text(json.dumps({"results": results, "info": info}, indent=1, default=float))
    print(f"wrote {out}")


def cmd_tune_restraint(args: argparse.Namespace) -> None:
    """Restraint thresholds for the shipped (or named) model, as the pipeline applies them: each
    literary dev row alone, its speech and narration classified apart. Tuned on the tune half
    only: per precision target, the pair with the most recall on the tune half (ties: the higher
    thresholds); the check half and the whole set are reported beside it."""
    from narration.emotion import EmotionSettings, load_classifier
    from narration.emotion.restraint import restrain

    classifier = load_classifier(args.model)
    texts, gold, kinds = read_literary(LITERARY_DEV)
    parts = literary_parts(texts)
    probs = classifier.probabilities([p.text for p in parts])
    chapters, speech = [p.chapter for p in parts], [p.speech for p in parts]
    tune, check = tuning_split(len(texts))
    base = EmotionSettings(max_share=1.0)

    def rows_for(tn: float, ts: float) -> list[str]:
        chosen = [t for t, _ in restrain(probs, chapters, speech, base.model_copy(update={"threshold": tn, "dialogue_threshold": ts}))]
        return row_tags(parts, chosen, kinds)[0]

    def score(pred: list[str], rows) -> dict:
        return non_neutral([gold[i] for i in rows], [pred[i] for i in rows])

    table = {}
    for tn in GRID:
        for ts in GRID:
            if tn >= ts + args.narration_margin - 1e-9:
                table[tn, ts] = rows_for(tn, ts)
    for target in args.targets:
        ok = [(score(p, tune)["recall"], tn + ts, tn, ts) for (tn, ts), p in table.items()
              if score(p, tune)["tagged"] >= 10 and score(p, tune)["precision"] >= target]
        if not ok:
            print(f"precision >= {target}: none")
            continue
        _, _, tn, ts = max(ok)
        p = table[tn, ts]
        cells = []
        for name, rows in (("tune", tune), ("check", check), ("all", range(len(texts)))):
            s = score(p, list(rows))
            cells.append(f"{name} P {s['precision']:.3f} R {s['recall']:.3f} ({s['right']}/{s['tagged']})")
        print(f"tune precision >= {target}: narration {tn:.2f}, speech {ts:.2f}: " + "; ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("embed-mpnet")
    p.add_argument("--data")
    p.add_argument("--mpnet", default="/tmp/survey/mpnet/all-mpnet-base-v2")
    p = sub.add_parser("train-minilm")
    p.add_argument("--data")
    p.add_argument("--base", required=True, help="all-MiniLM-L6-v2 model folder")
    p.add_argument("--out", default=str(CACHE / "minilm"))
    p.add_argument("--device")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--only", help="comma-separated variant names")
    p.add_argument("--keep", help="variants whose trained weights are saved (fp16)")
    p.add_argument("--smoke", action="store_true", help="a few rows only: does it run")
    p = sub.add_parser("report")
    p.add_argument("--data")
    p.add_argument("--minilm", default=str(CACHE / "minilm"), help="the train-minilm output folder")
    p = sub.add_parser("tune-restraint")
    p.add_argument("--model", help="model folder; default: the bundled classifier")
    p.add_argument("--targets", type=float, nargs="+", default=[0.8, 0.85, 0.9])
    p.add_argument("--narration-margin", type=float, default=0.1,
                   help="the narration threshold is at least the speech one plus this (the narrator stays calmer)")
    args = parser.parse_args()
    {"tune-restraint": cmd_tune_restraint, "embed-mpnet": cmd_embed_mpnet, "train-minilm": cmd_train_minilm, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()

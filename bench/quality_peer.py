"""The classic tool that the quality benchmark measures the product against, kept as simple as a data
scientist would write it: TF-IDF (word 1-2 grams + char_wb 2-5 grams, sublinear tf) and one-vs-rest
logistic regression (scikit-learn, liblinear). It is the yardstick, not something to tune.

    /usr/bin/python3 bench/quality_peer.py --data SET.jsonl --protocol dev|cv --out DIR [--seed 1]

SET.jsonl: one post a line, {"id", "lang", "text", "labels": [tags], "split": "train"|"dev"|"test"}.
Protocols:
  dev  C = 4 fitted on train; per-tag F0.5 thresholds tuned on dev.
  cv   C from a grid and per-tag thresholds chosen on out-of-fold probabilities of a 5-fold
       (seeded) split of train+dev; refit on train+dev with that C.
Thresholds: a tag with at least 10 positives in the tuning scores gets the cut that maximises its F0.5,
others one global cut (the grid value maximising weighted F0.5), the same rule as the product's.
Writes DIR/test_predictions.jsonl ({"post", "lang", "true", "predicted", "probabilities"}) and
DIR/summary.json (C, seconds, thresholds, per-tag TPR/FPR on the tuning scores for the adjusted count).
"""

import argparse
import json
import os
import time

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer

DEV_C = 4.0
C_GRID = [1.0, 4.0, 16.0]
FOLDS = 5
MIN_POSITIVES = 10
GLOBAL_GRID = np.arange(1, 100) / 100


def features(train_texts, *others):
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    fitted = sp.hstack([word.fit_transform(train_texts), char.fit_transform(train_texts)]).tocsr()
    return [fitted] + [sp.hstack([word.transform(t), char.transform(t)]).tocsr() for t in others]


def model(c):
    return OneVsRestClassifier(LogisticRegression(C=c, solver="liblinear", max_iter=1000), n_jobs=2)


def f05(tp, fp, fn):
    den = 1.25 * tp + 0.25 * fn + fp
    return 0.0 if den == 0 else 1.25 * tp / den


def weighted_f05(y, pred):
    tp = (y & pred).sum(0)
    fp = (~y & pred).sum(0)
    fn = (y & ~pred).sum(0)
    support = tp + fn
    f = np.array([f05(a, b, c) for a, b, c in zip(tp, fp, fn)])
    return 0.0 if support.sum() == 0 else float((f * support).sum() / support.sum())


def best_cut(scores, truth):
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], truth[order]
    positives = t.sum()
    best, cut, tp, fp, k = 0.0, np.nan, 0, 0, 0
    while k < len(s):
        v = s[k]
        while k < len(s) and s[k] == v:
            tp += int(t[k])
            fp += int(not t[k])
            k += 1
        f = f05(tp, fp, positives - tp)
        if f > best:
            best, cut = f, ((v + s[k]) / 2 if k < len(s) else v)
    return cut


def tune(scores, y):
    glob = max(GLOBAL_GRID, key=lambda g: weighted_f05(y, scores >= g))
    cuts = []
    for j in range(y.shape[1]):
        c = best_cut(scores[:, j], y[:, j]) if y[:, j].sum() >= MIN_POSITIVES else np.nan
        cuts.append(glob if np.isnan(c) else c)
    return np.array(cuts), float(glob)


def rates(scores, y, cuts):
    pred = scores >= cuts
    pos, neg = y.sum(0), (~y).sum(0)
    tpr = np.where(pos > 0, (pred & y).sum(0) / np.maximum(pos, 1), 0)
    fpr = np.where(neg > 0, (pred & ~y).sum(0) / np.maximum(neg, 1), 0)
    return tpr, fpr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--protocol", choices=["dev", "cv"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rows = [json.loads(line) for line in open(a.data, encoding="utf-8") if line.strip()]
    parts = {p: [r for r in rows if r["split"] == p] for p in ("train", "dev", "test")}
    fit_rows = parts["train"] + parts["dev"] if a.protocol == "cv" else parts["train"]
    mlb = MultiLabelBinarizer()
    mlb.fit([r["labels"] for r in rows if r["split"] != "test"])
    tags = list(mlb.classes_)
    y_of = lambda rs: mlb.transform([[t for t in r["labels"] if t in tags] for r in rs]).astype(bool)
    text_of = lambda rs: [r["text"] for r in rs]
    t0 = time.time()
    if a.protocol == "dev":
        c = DEV_C
        x_train, x_dev = features(text_of(parts["train"]), text_of(parts["dev"]))
        tuning_y = y_of(parts["dev"])
        tuning = model(c).fit(x_train, y_of(parts["train"])).predict_proba(x_dev)
        grid_scores = {}
    else:
        y = y_of(fit_rows)
        folds = list(KFold(FOLDS, shuffle=True, random_state=a.seed).split(fit_rows))
        oof = {c: np.zeros(y.shape) for c in C_GRID}
        for tr, va in folds:
            x_tr, x_va = features(text_of([fit_rows[i] for i in tr]), text_of([fit_rows[i] for i in va]))
            for c in C_GRID:
                oof[c][va] = model(c).fit(x_tr, y[tr]).predict_proba(x_va)
        grid_scores = {c: weighted_f05(y, oof[c] >= tune(oof[c], y)[0]) for c in C_GRID}
        c = max(C_GRID, key=lambda k: grid_scores[k])
        tuning, tuning_y = oof[c], y
    cuts, glob = tune(tuning, tuning_y)
    tpr, fpr = rates(tuning, tuning_y, cuts)
    x_fit, x_test = features(text_of(fit_rows), text_of(parts["test"]))
    final = model(c).fit(x_fit, y_of(fit_rows))
    seconds = time.time() - t0
    probs = final.predict_proba(x_test)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "test_predictions.jsonl"), "w", encoding="utf-8") as f:
        for r, p in zip(parts["test"], probs):
            f.write(json.dumps({
                "post": r["id"],
                "lang": r.get("lang") or "und",
                "true": r["labels"],
                "predicted": [t for t, v, k in zip(tags, p, cuts) if v >= k],
                "probabilities": {t: round(float(v), 6) for t, v in zip(tags, p)},
            }, ensure_ascii=False) + "\n")
    with open(os.path.join(a.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump({
            "protocol": a.protocol,
            "C": c,
            "cv_scores": {str(k): v for k, v in grid_scores.items()},
            "train_seconds": seconds,
            "train_posts": len(fit_rows),
            "thresholds": dict(zip(tags, map(float, cuts))),
            "global_threshold": glob,
            "rates": {t: {"tpr": float(p), "fpr": float(q)} for t, p, q in zip(tags, tpr, fpr)},
        }, f, indent=2)


if __name__ == "__main__":
    main()

"""Scores test-prediction files the same way for every tool (scikit-learn's definitions).

    /usr/bin/python3 bench/quality_score.py FILE.jsonl [--rates RATES.json] [--min-lang-posts 20]

FILE.jsonl: one test post a line, {"post", "lang", "true": [tags], "predicted": [tags],
"probabilities": {tag: p}}. The tags scored are every tag of the file (true, predicted, probabilities),
so a tool gains nothing by leaving a tag out. RATES.json: {tag: {"tpr", "fpr"}} estimated away from the
test posts (cross-validated or on dev), for the adjusted classify-and-count share.

Prints one JSON object: weighted/macro/micro F0.5 and F1, per-language weighted F0.5, and the tag-share
error (mean absolute difference between each tag's estimated and true share of the test posts) for
thresholded counts, mean probabilities and adjusted counts.
"""

import argparse
import json

import numpy as np
from sklearn.metrics import fbeta_score
from sklearn.preprocessing import MultiLabelBinarizer


def scores(y, pred):
    out = {}
    for beta, name in ((0.5, "f05"), (1.0, "f1")):
        for avg in ("weighted", "macro", "micro"):
            out[f"{avg}_{name}"] = float(fbeta_score(y, pred, beta=beta, average=avg, zero_division=0))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--rates")
    ap.add_argument("--min-lang-posts", type=int, default=20)
    a = ap.parse_args()
    rows = [json.loads(line) for line in open(a.file, encoding="utf-8") if line.strip()]
    tags = sorted({t for r in rows for t in [*r["true"], *r["predicted"], *r["probabilities"]]})
    mlb = MultiLabelBinarizer(classes=tags).fit([tags])
    y = mlb.transform([r["true"] for r in rows])
    pred = mlb.transform([r["predicted"] for r in rows])
    prob = np.array([[r["probabilities"].get(t, 0.0) for t in tags] for r in rows])
    out = {"posts": len(rows), "tags": len(tags), **scores(y, pred)}
    langs = {}
    for i, r in enumerate(rows):
        langs.setdefault(r.get("lang") or "und", []).append(i)
    out["per_language"] = {
        lang: {
            "weighted_f05": float(fbeta_score(y[ix], pred[ix], beta=0.5, average="weighted", zero_division=0)),
            "n": len(ix),
        }
        for lang, ix in sorted(langs.items())
        if len(ix) >= a.min_lang_posts
    }
    true_share = y.mean(0)
    share = {"counts": pred.mean(0), "probabilities": prob.mean(0)}
    if a.rates:
        rates = json.load(open(a.rates, encoding="utf-8"))
        tpr = np.array([rates.get(t, {}).get("tpr", 1.0) for t in tags])
        fpr = np.array([rates.get(t, {}).get("fpr", 0.0) for t in tags])
        gap = tpr - fpr
        # where the rates barely tell positives apart (tpr - fpr <= 0.3) the raw count stays
        adjusted = np.where(gap > 0.3, (share["counts"] - fpr) / np.where(gap > 0.3, gap, 1), share["counts"])
        share["adjusted_counts"] = np.clip(adjusted, 0, 1)
    out["share_error"] = {k: float(np.abs(v - true_share).mean()) for k, v in share.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""Train and evaluate the example model: a penguin's sex from its measurements, species and island.

Writes, under --out (default build/):
  model/model.joblib     the fitted scikit-learn pipeline (what the serving image ships)
  model/model.json       name, version and feature list, read by serve.py
  predictions.csv        the held-out rows: label (1 = male), prediction, score, species, island
  metrics.json           headline metrics of the held-out rows, for test-model's metrics input and image labels

Deterministic: a fixed split and solver, so main and a pull request with the same data and code agree exactly.
"""

import argparse
import csv
import json
import pathlib
import sys

import joblib
import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"]
CATEGORICAL = ["Species", "Island"]
LABELS = {"MALE": 1, "FEMALE": 0}
SEED = 0


def labelled_rows(path: pathlib.Path) -> list[dict]:
    """Rows with a known sex and every feature present; the others cannot be trained or scored."""
    rows = json.loads(path.read_text())
    return [
        row
        for row in rows
        if row.get("Sex") in LABELS and all(row.get(column) is not None for column in NUMERIC + CATEGORICAL)
    ]


def features(rows: list[dict]) -> np.ndarray:
    return np.array([[row[column] for column in NUMERIC + CATEGORICAL] for row in rows], dtype=object)


def build_pipeline() -> Pipeline:
    numeric = list(range(len(NUMERIC)))
    categorical = list(range(len(NUMERIC), len(NUMERIC) + len(CATEGORICAL)))
    return Pipeline(
        [
            (
                "features",
                ColumnTransformer(
                    [
                        ("numeric", StandardScaler(), numeric),
                        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
                    ]
                ),
            ),
            ("classifier", LogisticRegression(C=1.0, max_iter=1000)),
        ]
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = pathlib.Path(__file__).parent
    parser.add_argument("--data", type=pathlib.Path, default=here / "data" / "penguins.json")
    parser.add_argument("--out", type=pathlib.Path, default=here / "build")
    parser.add_argument("--version", default="dev", help="model version recorded in model.json (e.g. the commit)")
    args = parser.parse_args(argv)

    rows = labelled_rows(args.data)
    labels = np.array([LABELS[row["Sex"]] for row in rows])
    train_rows, test_rows, train_labels, test_labels = train_test_split(
        rows, labels, test_size=0.4, random_state=SEED, stratify=labels
    )
    model = build_pipeline().fit(features(train_rows), train_labels)
    scores = model.predict_proba(features(test_rows))[:, 1]
    predictions = (scores >= 0.5).astype(int)

    model_dir = args.out / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, model_dir / "model.joblib")
    (model_dir / "model.json").write_text(
        json.dumps(
            {
                "name": "penguin-sex",
                "version": args.version,
                "features": NUMERIC + CATEGORICAL,
                "positive_class": "MALE",
                "scikit_learn": sklearn.__version__,
            },
            indent=2,
        )
        + "\n"
    )
    with open(args.out / "predictions.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["label", "prediction", "score", "species", "island"])
        for row, label, prediction, score in zip(test_rows, test_labels, predictions, scores, strict=True):
            writer.writerow([int(label), int(prediction), repr(float(score)), row["Species"], row["Island"]])
    metrics = {
        "accuracy": accuracy_score(test_labels, predictions),
        "f1": f1_score(test_labels, predictions),
        "roc_auc": roc_auc_score(test_labels, scores),
        "train_rows": len(train_rows),
        "test_rows": len(test_rows),
    }
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"trained on {len(train_rows)} rows, evaluated on {len(test_rows)}: {json.dumps(metrics)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

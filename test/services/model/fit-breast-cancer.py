"""Fits the model the rig's model backends serve (test/services/model-backend.ts) and writes its coefficients.

Run with the reference venv from the repository root:
    .cache/venv-reference/bin/python test/services/model/fit-breast-cancer.py
Deterministic: sklearn's bundled breast cancer data (no download), standardisation, lbfgs logistic regression.
"""
import json
import pathlib

import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def fit():
    """The model as the JSON file holds it (the rig's metrics test refits through this to check the file)."""
    data = load_breast_cancer()
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    pipeline.fit(data.data, data.target)
    scaler, classifier = pipeline.named_steps["standardscaler"], pipeline.named_steps["logisticregression"]

    model = {
        "note": "StandardScaler + LogisticRegression(C=1.0, max_iter=1000, lbfgs) fitted on all 569 rows of "
        "sklearn.datasets.load_breast_cancer(); regenerate with test/services/model/fit-breast-cancer.py. "
        "probability = 1 / (1 + exp(-(intercept + sum(coef * (x - mean) / scale)))), the probability of class 1.",
        "sklearn_version": sklearn.__version__,
        "classes": [str(name) for name in data.target_names],
        "feature_names": [str(name) for name in data.feature_names],
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": classifier.coef_[0].tolist(),
        "intercept": float(classifier.intercept_[0]),
        "training_accuracy": float(pipeline.score(data.data, data.target)),
    }
    return model


if __name__ == "__main__":
    model = fit()
    target = pathlib.Path(__file__).with_name("breast-cancer-logreg.json")
    target.write_text(json.dumps(model, indent=2) + "\n")
    print(f"wrote {target} (training accuracy {model['training_accuracy']:.4f})")

"""Writes reference.csv and current.csv (one column per column kind) into argv[1], runs Evidently's
DataDriftPreset on them as read by pandas, and prints each column's test and value as JSON."""
import json
import sys
import warnings

import numpy as np
import pandas as pd
from evidently import Dataset, Report
from evidently.presets import DataDriftPreset

warnings.filterwarnings("ignore")
out, reference_rows, current_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(19)


def words(n, distinct):
    # Exactly `distinct` different strings among n values.
    values = np.array([f"w{i % distinct:04d}" for i in range(n)])
    rng.shuffle(values)
    return values


def frame(n, shift):
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 40 + int(10 * shift), n), unit="D")
    nulls = rng.random(n) < 0.1
    with_nulls = pd.array(rng.integers(0, 4, n), dtype="Int64")
    with_nulls[nulls] = pd.NA
    return pd.DataFrame(
        {
            "int2": (rng.random(n) < 0.3 + 0.1 * shift).astype(int),
            "int6": rng.integers(0, 6, n),
            "int10": rng.integers(0, 10, n),
            "int11": rng.integers(0, 11, n) + (rng.random(n) < shift).astype(int),
            "int_nulls": with_nulls,
            "text04": words(n, int(n * 0.4)),
            "text06": words(n, int(n * 0.6)),
            "date_text": days.strftime("%Y-%m-%d"),
            "flag": rng.random(n) < 0.5 + 0.05 * shift,
            "f": rng.normal(0.2 * shift, 1, n),
            "f_few": rng.choice([0.5, 1.5, 2.5], n),
        }
    )


frame(reference_rows, 0).to_csv(f"{out}/reference.csv", index=False)
frame(current_rows, 1).to_csv(f"{out}/current.csv", index=False)
current = pd.read_csv(f"{out}/current.csv")
reference = pd.read_csv(f"{out}/reference.csv")
report = Report([DataDriftPreset()]).run(Dataset.from_pandas(current), Dataset.from_pandas(reference))
result = {}
for metric in report.dict()["metrics"]:
    config = metric["config"]
    if config.get("type") == "evidently:metric_v2:ValueDrift":
        result[config["column"]] = {"method": config["method"], "value": metric["value"]}
json.dump(result, sys.stdout)

import { beforeAll, expect, test } from 'vitest';
import { binaryMetrics, multiclassMetrics, regressionMetrics } from '../../shared/src/metrics/index.js';
import { runReference } from '../support/python.js';
import { expectClose, expectScoresClose } from './support.js';

/**
 * Small models trained in the reference Python on data sets that ship with scikit-learn (no download): breast
 * cancer (binary, logistic regression and a shallow tree whose probabilities tie heavily), iris (multiclass) and
 * diabetes (regression). Python returns the test-set predictions and sklearn's metrics on them.
 */
const TRAIN_AND_SCORE = `
import warnings
import numpy as np
from sklearn import metrics as M
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
warnings.simplefilter("ignore")

def binary(model):
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)
    model.fit(X_train, y_train)
    s = model.predict_proba(X_test)[:, 1]
    p = (s >= 0.5).astype(int)
    return {
        "y": y_test.tolist(), "s": s.tolist(),
        "roc_auc": M.roc_auc_score(y_test, s), "pr_auc": M.average_precision_score(y_test, s),
        "log_loss": M.log_loss(y_test, s), "brier": M.brier_score_loss(y_test, s),
        "accuracy": M.accuracy_score(y_test, p), "precision": M.precision_score(y_test, p),
        "recall": M.recall_score(y_test, p), "f1": M.f1_score(y_test, p),
        "confusion": M.confusion_matrix(y_test, p).ravel().tolist(),
    }

X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=1, stratify=y)
iris = LogisticRegression(max_iter=200, C=0.05).fit(X_train, y_train)
proba = iris.predict_proba(X_test)
pred = iris.predict(X_test)
prf = lambda average: [float(v) for v in M.precision_recall_fscore_support(y_test, pred, average=average)[:3]]

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test_r = train_test_split(X, y, test_size=0.3, random_state=2)
predicted = Ridge(alpha=0.5).fit(X_train, y_train).predict(X_test)

result = {
    "logistic": binary(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))),
    "tree": binary(DecisionTreeClassifier(max_depth=3, random_state=0)),
    "iris": {
        "y": y_test.tolist(), "pred": pred.tolist(), "proba": proba.ravel().tolist(), "classes": iris.classes_.tolist(),
        "accuracy": M.accuracy_score(y_test, pred), "macro": prf("macro"), "weighted": prf("weighted"),
        "confusion": M.confusion_matrix(y_test, pred).tolist(), "log_loss": M.log_loss(y_test, proba),
    },
    "diabetes": {
        "y": y_test_r.tolist(), "pred": predicted.tolist(),
        "mae": M.mean_absolute_error(y_test_r, predicted), "mse": M.mean_squared_error(y_test_r, predicted),
        "rmse": M.root_mean_squared_error(y_test_r, predicted), "r2": M.r2_score(y_test_r, predicted),
        "mape": M.mean_absolute_percentage_error(y_test_r, predicted),
        "medae": M.median_absolute_error(y_test_r, predicted),
    },
}
`;

interface BinaryRun {
  y: number[];
  s: number[];
  roc_auc: number;
  pr_auc: number;
  log_loss: number;
  brier: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  confusion: number[];
}

interface Runs {
  logistic: BinaryRun;
  tree: BinaryRun;
  iris: {
    y: number[];
    pred: number[];
    proba: number[];
    classes: number[];
    accuracy: number;
    macro: number[];
    weighted: number[];
    confusion: number[][];
    log_loss: number;
  };
  diabetes: Record<'mae' | 'mse' | 'rmse' | 'r2' | 'mape' | 'medae', number> & { y: number[]; pred: number[] };
}

let runs: Runs;
beforeAll(async () => {
  runs = await runReference<Runs>(TRAIN_AND_SCORE);
});

test.each(['logistic', 'tree'] as const)('breast cancer, %s model: binary metrics equal sklearn', (model) => {
  const run = runs[model];
  const ours = binaryMetrics(Int32Array.from(run.y), Float64Array.from(run.s));
  expect([ours.confusion.tn, ours.confusion.fp, ours.confusion.fn, ours.confusion.tp]).toEqual(run.confusion);
  expectClose(ours.rocAuc, run.roc_auc);
  expectClose(ours.prAuc, run.pr_auc);
  expectClose(ours.logLoss, run.log_loss);
  expectClose(ours.brier, run.brier);
  expectClose(ours.accuracy, run.accuracy);
  expectClose(ours.precision, run.precision);
  expectClose(ours.recall, run.recall);
  expectClose(ours.f1, run.f1);
});

test('iris, logistic regression: multiclass metrics and log loss equal sklearn', () => {
  const { iris } = runs;
  const ours = multiclassMetrics(iris.y, iris.pred, { classes: iris.classes, probabilities: iris.proba });
  expectClose(ours.accuracy, iris.accuracy);
  expectScoresClose(ours.macro, iris.macro);
  expectScoresClose(ours.weighted, iris.weighted);
  expect(ours.confusion.matrix).toEqual(iris.confusion);
  expectClose(ours.logLoss, iris.log_loss);
});

test('diabetes, ridge regression: regression metrics equal sklearn', () => {
  const { diabetes } = runs;
  const ours = regressionMetrics(Float64Array.from(diabetes.y), Float64Array.from(diabetes.pred));
  expectClose(ours.mae, diabetes.mae);
  expectClose(ours.mse, diabetes.mse);
  expectClose(ours.rmse, diabetes.rmse);
  expectClose(ours.r2, diabetes.r2);
  expectClose(ours.mape, diabetes.mape);
  expectClose(ours.medianAbsoluteError, diabetes.medae);
});

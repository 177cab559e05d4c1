"""Serve the example model over HTTP with the standard library only (the image's one dependency is scikit-learn).

POST /predict   {"instances": [{"Beak Length (mm)": 39.1, ..., "Species": "Adelie", "Island": "Torgersen"}]}
                -> {"predictions": [{"sex": "MALE", "score": 0.93}], "model": {"name": ..., "version": ...}}
GET  /healthz   200 once the model is loaded
GET  /metrics   Prometheus counters labelled with MODEL_VARIANT (baseline or candidate), for the deploy gate
"""

import json
import os
import pathlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import joblib
import numpy as np

MODEL_DIR = pathlib.Path(os.environ.get("MODEL_DIR", "/opt/ml/model"))
VARIANT = os.environ.get("MODEL_VARIANT", "baseline")
MODEL = joblib.load(MODEL_DIR / "model.joblib")
CARD = json.loads((MODEL_DIR / "model.json").read_text())
COUNTS: dict[str, int] = {}
LOCK = threading.Lock()


def count(code: int) -> None:
    with LOCK:
        COUNTS[str(code)] = COUNTS.get(str(code), 0) + 1


class Handler(BaseHTTPRequestHandler):
    def _send(self, code: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._send(200, b'{"status":"ok"}')
        elif self.path == "/metrics":
            with LOCK:
                lines = [
                    f'http_requests_total{{variant="{VARIANT}",code="{code}"}} {value}' for code, value in COUNTS.items()
                ]
            text = "# TYPE http_requests_total counter\n" + "".join(line + "\n" for line in lines)
            self._send(200, text.encode(), "text/plain; version=0.0.4")
        else:
            self._send(404, b'{"error":"not found"}')

    def do_POST(self) -> None:
        if self.path != "/predict":
            self._send(404, b'{"error":"not found"}')
            return
        try:
            length = int(self.headers.get("content-length", "0"))
            instances = json.loads(self.rfile.read(length))["instances"]
            rows = np.array([[item[name] for name in CARD["features"]] for item in instances], dtype=object)
            scores = MODEL.predict_proba(rows)[:, 1]
        except (KeyError, TypeError, ValueError) as error:
            count(400)
            self._send(400, json.dumps({"error": f"bad request: {error}"}).encode())
            return
        predictions = [{"sex": "MALE" if s >= 0.5 else "FEMALE", "score": float(s)} for s in scores]
        count(200)
        body = {"predictions": predictions, "model": {"name": CARD["name"], "version": CARD["version"]}}
        self._send(200, json.dumps(body).encode())

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's signature
        pass


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    print(f"serving {CARD['name']} {CARD['version']} ({VARIANT}) on :{port}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()

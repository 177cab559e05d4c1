#!/usr/bin/env bash
# Regenerates shared/src/engines/spark-connect/generated/ from the vendored Spark Connect protos with the pinned
# buf and protoc-gen-es (package.json devDependencies). The protos come from the release jar of the Spark version
# named in proto/README.md: update them there, then run this.
set -euo pipefail
cd "$(dirname "$0")/.."
proto=shared/src/engines/spark-connect/proto
rm -rf shared/src/engines/spark-connect/generated
(cd "$proto" && ../../../../../node_modules/.bin/buf generate --template buf.gen.yaml)

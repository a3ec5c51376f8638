#!/usr/bin/env bash
# Runs Haven on its embedded default: SQLite, key file and alert Maildir under ./data, with demo
# staff (their API tokens in ./data/demo-tokens.txt). Open http://127.0.0.1:8080/ ; Ctrl-C stops.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product haven
# Metrics on a loopback listener of their own (never on the public address without a token).
export HAVEN_METRICS_LISTEN="${HAVEN_METRICS_LISTEN:-127.0.0.1:9464}"
# The demo's lookup key, named so that a demo started again on a fresh ./data takes it up (a real
# installation keeps its own apart from the data folder: see docs/security.md, the lookup key).
export HAVEN_LOOKUP_KEY_FILE="${HAVEN_LOOKUP_KEY_FILE:-./haven-lookup.key}"
exec .build/release/haven serve --demo --data-dir "${HAVEN_DATA_DIR:-./data}" "$@"

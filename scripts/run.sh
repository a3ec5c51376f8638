#!/usr/bin/env bash
# Runs Haven on its embedded default: SQLite, key file and alert Maildir under ./data, with demo
# staff (their API tokens in ./data/demo-tokens.txt). Open http://127.0.0.1:8080/ ; Ctrl-C stops.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ ! -x .build/release/haven ]; then
    echo "Building Haven for the first time: about 15 to 17 minutes on two cores (a release build" >&2
    echo "of Haven and its libraries). Later starts rebuild only what changed and take seconds." >&2
else
    echo "Building what changed since the last start (seconds, unless the code changed a lot)." >&2
fi
swift build -c release --product haven
echo "Haven is at .build/release/haven; starting the demo on http://127.0.0.1:8080/" >&2
# Metrics on a loopback listener of their own (never on the public address without a token).
export HAVEN_METRICS_LISTEN="${HAVEN_METRICS_LISTEN:-127.0.0.1:9464}"
# The demo's lookup key, named so that a demo started again on a fresh ./data takes it up (a real
# installation keeps its own apart from the data folder: see docs/security.md, the lookup key).
export HAVEN_LOOKUP_KEY_FILE="${HAVEN_LOOKUP_KEY_FILE:-./haven-lookup.key}"
exec .build/release/haven serve --demo --data-dir "${HAVEN_DATA_DIR:-./data}" "$@"

#!/usr/bin/env bash
# The whole test suite: Swift Testing (unit, store, HTTP, alerts against a real SMTP server) and
# the end-to-end tests (the real binary, kill -9, restart). Installs what it needs first.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-tools.sh || exit 1

status=0
echo "== swift test"
swift build --build-tests || exit 1

# One Swift Testing run, which counts: no second try. At most six tests run at once: each HTTP
# test runs a server and its clients, and with every test started together on two cores one
# request waits on the whole suite's work (login-heavy tests timed out at about 53 s that way).
swift_run() {
    local label=$1 log=$2 engine=$3
    shift 3
    TEST_ENGINE=$engine swift test --skip-build --experimental-maximum-parallelization-width 6 "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    grep -E "^(✔|✘) Test run with" "$log" | tail -1
    [ "$status" -eq 0 ] || echo "== $label failed"
    return "$status"
}

swift_run "swift test" .build/swift-test.log sqlite || status=1

# TEST_ENGINE (not HAVEN_…: haven refuses unknown HAVEN_ settings, and the e2e tests pass their environment on).
echo "== HTTP and alert suites on PostgreSQL (the store's contract suite ran on both above)"
swift_run "PostgreSQL suites" .build/swift-test-pg.log postgresql --filter "HavenHTTPTests|HavenAlertsTests" || status=1

swift build --product haven || exit 1
for engine in sqlite postgresql; do
    echo "== end-to-end (pytest) on $engine"
    TEST_ENGINE=$engine python3 -m pytest -q Tests/e2e
    py_status=$?
    # pytest exits 5 when it collected no tests: that is a broken suite here, not a pass.
    [ "$py_status" -eq 0 ] || status=1
done

if [ "$status" -eq 0 ]; then echo "ALL TESTS PASSED"; else echo "TESTS FAILED"; fi
exit "$status"

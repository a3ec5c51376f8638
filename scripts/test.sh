#!/usr/bin/env bash
# The whole test suite: Swift Testing (unit, store, HTTP, alerts against a real SMTP server) and
# the end-to-end tests (the real binary, kill -9, restart). Installs what it needs first.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-tools.sh || exit 1

status=0
echo "== swift test"
swift build --build-tests || exit 1
swift test --skip-build 2>&1 | tee .build/swift-test.log
swift_status=${PIPESTATUS[0]}
grep -E "^(✔|✘) Test run with|Executed [0-9]+ tests" .build/swift-test.log | tail -2
[ "$swift_status" -eq 0 ] || status=1

# TEST_ENGINE (not HAVEN_…: haven refuses unknown HAVEN_ settings, and the e2e tests pass their environment on).
echo "== HTTP and alert suites on PostgreSQL (the store's contract suite ran on both above)"
TEST_ENGINE=postgresql swift test --skip-build --filter "HavenHTTPTests|HavenAlertsTests" 2>&1 | tee .build/swift-test-pg.log
pg_status=${PIPESTATUS[0]}
grep -E "^(✔|✘) Test run with" .build/swift-test-pg.log | tail -1
[ "$pg_status" -eq 0 ] || status=1

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

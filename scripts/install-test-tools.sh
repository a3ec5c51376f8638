#!/usr/bin/env bash
# Test-only tools: wrk for benchmarks, aiosmtpd (a real SMTP server on loopback) and pytest.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-deps.sh" wrk
python3 - <<'PY' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check aiosmtpd pytest
import aiosmtpd, pytest
PY

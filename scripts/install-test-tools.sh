#!/usr/bin/env bash
# Test-only tools: wrk for benchmarks, aiosmtpd (a real SMTP server on loopback), pytest, and a
# real browser for the website tests: Debian's chromium and chromium-driver driven by selenium,
# with axe-core from the axe-playwright-python package (installed --no-deps: only its axe.min.js
# is used, through selenium, so Playwright and its browser downloads are not needed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-deps.sh" wrk chromium chromium-driver
pip() { python3 -m pip install -q --disable-pip-version-check "$@"; }
python3 -c "import aiosmtpd, pytest" 2>/dev/null || pip aiosmtpd pytest
python3 -c "import selenium" 2>/dev/null || pip selenium
python3 -c "import axe_playwright_python" 2>/dev/null || pip --no-deps axe-playwright-python

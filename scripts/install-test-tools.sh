#!/usr/bin/env bash
# Test-only tools: wrk for benchmarks, aiosmtpd (a real SMTP server on loopback), pytest, qrcode,
# segno and zbarimg (the console's QR code checked against other encoders and read off the screen), and a
# real browser for the website tests: Debian's chromium and chromium-driver driven by selenium,
# with axe-core from the axe-playwright-python package (installed --no-deps: only its axe.min.js
# is used, through selenium, so Playwright and its browser downloads are not needed). And
# Debian's PostgreSQL server: the tests start private clusters of their own from its binaries
# (Tests/HavenTestSupport/PostgresServer.swift), so the system's service is neither started nor needed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if ! dpkg -s postgresql >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    # policy-rc.d answering 101 ("not allowed") keeps the package's scripts from starting the
    # service; it is removed afterwards, also when the install fails. One already there (as in
    # container images) is the machine's own policy and stays as it is.
    policy=/usr/sbin/policy-rc.d
    made_policy=""
    if [ ! -e "$policy" ]; then
        made_policy=1
        trap '$SUDO rm -f "$policy"' EXIT
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
        $SUDO chmod 755 "$policy"
    fi
    echo "installing system packages: postgresql"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    if [ -n "$made_policy" ]; then
        $SUDO rm -f "$policy"
        trap - EXIT
    fi
fi
# zbar-tools: zbarimg reads the console's QR code off a screenshot (Tests/e2e/test_enrolment_browser.py).
"$here/install-deps.sh" wrk chromium chromium-driver zbar-tools
pip() { python3 -m pip install -q --disable-pip-version-check "$@"; }
python3 -c "import aiosmtpd, pytest" 2>/dev/null || pip aiosmtpd pytest
python3 -c "import selenium" 2>/dev/null || pip selenium
# The stolen-server test tries the key file on every sealed row itself, with AES-GCM from here.
python3 -c "import cryptography" 2>/dev/null || pip cryptography
python3 -c "import axe_playwright_python" 2>/dev/null || pip --no-deps axe-playwright-python
# python-qrcode and segno, two independent QR encoders, check the console's own: its modules and its
# choice of mask (Tests/e2e/test_qr_code.py).
python3 -c "import qrcode, segno" 2>/dev/null || pip qrcode segno

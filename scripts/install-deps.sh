#!/usr/bin/env bash
# Installs what Haven needs on a fresh Debian machine: system libraries for the build, the
# load generator for benchmarks and the Python tools the tests use (a real SMTP server, pytest).
# Idempotent: installs only what is missing.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_apt=()
for pkg in libsqlite3-dev libcurl4-openssl-dev libssl-dev sqlite3 openssl "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ "${#need_apt[@]}" -gt 0 ]; then
    echo "installing system packages: ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "swift is not on PATH: Haven needs the Swift 6 toolchain (see README)" >&2
    exit 1
fi

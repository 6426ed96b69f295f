#!/usr/bin/env bash
# One-time (and idempotent) set-up on a fresh Debian machine: a project venv in .venv with
# the pinned Python dependencies, plus the RISC-V toolchain and simulator (scripts/install-toolchain.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
if [ -x scripts/install-toolchain.sh ]; then
  PYTHON=.venv/bin/python scripts/install-toolchain.sh
fi

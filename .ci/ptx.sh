#!/usr/bin/env bash
# Emit PTX for the C face over the core (capi/, nvptx64-nvidia-cuda, nightly,
# -Zbuild-std=core) and check that every exported C-ABI function is in the .s file as a visible
# function.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${CARGO_TARGET_DIR:-target}"/nvptx64-nvidia-cuda/release/deps

cargo +nightly rustc --release -p simstat-capi --lib --target nvptx64-nvidia-cuda -Zbuild-std=core -- --emit=asm
ptx=$(ls -t "$out"/simstat_capi-*.s | head -n 1)
missing=0
for sym in $(grep -ohE 'pub extern "C" fn simstat_[a-z0-9_]+' capi/src/*.rs | sed 's/.* fn //'); do
  if grep -qE "^\.visible \.func .*\b${sym}\(" "$ptx"; then echo "ptx: $sym"; else echo "ptx: MISSING $sym"; missing=1; fi
done
grep -q '^\.target sm_' "$ptx"
[ "$missing" -eq 0 ] || exit 1
# The kernels of ptx/ over the core, linked into one module with no unresolved calls (what a
# GPU loads; ptx/run_gpu.py runs it where a GPU is lent). ptx/ is its own workspace and reads
# its output from ptx/target, so a CARGO_TARGET_DIR set for the steps above is not passed on.
env -u CARGO_TARGET_DIR bash ptx/build.sh

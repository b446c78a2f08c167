#!/usr/bin/env bash
# Builds the GPU check: one self-contained PTX module of simstat kernels (fat-LTO staticlib,
# nightly, -Zbuild-std=core) copied to $1 (default target/simstat_kernels.ptx), and fails if
# any call is left unresolved (.extern). With a second argument, also writes the CPU reference
# results ptx/run_gpu.py compares against into that folder. Needs no GPU.
set -euo pipefail
cd "$(dirname "$0")"
out=$(realpath -m "${1:-target/simstat_kernels.ptx}")
cargo +nightly rustc --release --target nvptx64-nvidia-cuda -Zbuild-std=core -- --emit=asm
s=$(ls -t target/nvptx64-nvidia-cuda/release/deps/simstat_ptx-*.s | head -n 1)
if grep -q '^\.extern' "$s"; then echo "ptx module: unresolved .extern in $s" >&2; exit 1; fi
mkdir -p "$(dirname "$out")"
cp "$s" "$out"
echo "ptx module: $(grep -c '^\.visible \.entry' "$out") kernels, self-contained: $out"
if [ $# -ge 2 ]; then
  data=$(realpath -m "$2")
  (cd host && cargo run --release -q -- "$data")
fi

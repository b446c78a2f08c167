#!/usr/bin/env bash
# C ABI gates: the checked-in header equals what cbindgen generates from the C face (capi/src/),
# and a C program compiled against it and the staticlib passes its checks under valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cbindgen >/dev/null || cargo install cbindgen --locked --version 0.29.4
tmp=$(mktemp -d)
cbindgen --quiet --config cbindgen.toml --crate simstat-capi --output "$tmp/simstat.h" capi
if ! diff -u include/simstat.h "$tmp/simstat.h"; then
  echo "include/simstat.h is stale: run cbindgen --config cbindgen.toml --crate simstat-capi --output include/simstat.h capi"
  exit 1
fi
echo "header: include/simstat.h is up to date"
cargo build -p simstat-staticlib --profile capi
cc -std=c11 -O1 -g -Wall -Wextra -Werror -Iinclude tests/c/test_ffi.c "${CARGO_TARGET_DIR:-target}"/capi/libsimstat.a -lm -o "$tmp/test_ffi"
if command -v valgrind >/dev/null; then
  valgrind --quiet --error-exitcode=99 --leak-check=full "$tmp/test_ffi"
else
  echo "valgrind not found: running without it"
  "$tmp/test_ffi"
fi
rm -rf "$tmp"

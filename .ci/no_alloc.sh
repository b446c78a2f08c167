#!/usr/bin/env bash
# The no-allocation gate: build the C ABI as a no_std staticlib (capi/staticlib, panic = abort,
# no global allocator), fail if any symbol of the archive is an allocator, libc malloc family or
# std, then link a small C program against it and run it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -p simstat-staticlib --profile capi
lib="${CARGO_TARGET_DIR:-target}"/capi/libsimstat.a
syms=$(readelf -sW "$lib" | awk 'NF >= 8 {print $8}' | sort -u)
bad=$(printf '%s\n' "$syms" | grep -E '^(malloc|calloc|realloc|free|posix_memalign|aligned_alloc)$|__rust_alloc|__rust_dealloc|__rust_realloc|__rg_alloc|__rdl_alloc|_ZN3std|_3std[0-9]|_5alloc[0-9]|_ZN5alloc' || true)
if [ -n "$bad" ]; then
  echo "no-alloc gate FAILED: allocator or std symbols in $lib:"; printf '%s\n' "$bad" | head -n 20
  exit 1
fi
echo "no-alloc gate: $(printf '%s\n' "$syms" | grep -c '^simstat_') simstat_* exports, no allocator, no std"
tmp=$(mktemp -d)
cat > "$tmp/smoke.c" <<'C'
#include <math.h>
#include <stdio.h>
double simstat_digamma(double);
double simstat_gamma_p(double, double);
double simstat_gamma_q(double, double);
int main(void) {
  double psi1 = simstat_digamma(1.0), p = simstat_gamma_p(3.0, 2.0), q = simstat_gamma_q(3.0, 2.0);
  int ok = fabs(psi1 + 0.57721566490153286) < 1e-15 && fabs(p + q - 1.0) < 1e-15
           && fabs(q - 5.0 * exp(-2.0)) < 1e-15;
  printf("C link: psi(1) = %.17g, P(3,2) = %.17g, Q(3,2) = %.17g: %s\n", psi1, p, q, ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
C
cc -O2 -Wall -Werror "$tmp/smoke.c" "$lib" -lm -o "$tmp/smoke"
"$tmp/smoke"
rm -rf "$tmp"

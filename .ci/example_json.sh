#!/usr/bin/env bash
# The README's main command, as JSON: runs `cargo run --release --example calibrate -- --json`
# on the embedded data and on a small text input, and checks the document's structure and
# values (p-values in [0, 1], scores sorted, weights summing to 1, BH consistent with them).
set -euo pipefail
cd "$(dirname "$0")/.."
check='
import json, math, sys
d = json.load(sys.stdin)
for key in ("source", "n", "background", "single_gamma", "selection", "top", "fdr", "timings_ms"):
    assert key in d, key
bg = d["background"]
assert bg["scale"] == "fisher_z" and 1 <= bg["k"] <= bg["max_k"] == 3, bg
w = [c["weight"] for c in bg["components"]]
assert len(w) == bg["k"] and abs(sum(w) - 1) < 1e-9, w
assert all(c["shape"] > 0 and c["rate"] > 0 for c in bg["components"])
assert math.isfinite(bg["log_likelihood"])
top = d["top"]
assert top, "no top scores"
scores = [t["score"] for t in top]
assert scores == sorted(scores, reverse=True), "top not sorted"
ps = [t["p_value"] for t in top]
assert all(0 <= p <= 1 for p in ps), ps
assert all(a <= b * (1 + 1e-12) for a, b in zip(ps, ps[1:])), "p-values not monotone in score"
f = d["fdr"]
assert f["tests"] == d["n"] and 0 < f["level"] < 1
for t in top:
    assert t["discovery"] == (f["discoveries"] > 0 and t["score"] >= f["score_threshold"]), t
print("example JSON ok:", d["source"], "n =", d["n"], "K =", bg["k"], "discoveries =", f["discoveries"])
'
cargo run --release --quiet --example calibrate -- --json | python3 -c "$check"
tmp=$(mktemp)
python3 -c "
import random
random.seed(1)
for _ in range(400): print(round(-0.2 + random.gammavariate(9, 1/30), 6))
print(0.97)" > "$tmp"
cargo run --release --quiet --example calibrate -- --json --input "$tmp" | python3 -c "$check"
rm -f "$tmp"

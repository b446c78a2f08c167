#!/usr/bin/env bash
# The README's main command, as JSON: runs `cargo run --release --example calibrate -- --json`
# on the embedded data, on a small text input and on the same values as raw little-endian f32,
# and checks the document's structure and values: the three cuts (relative excess, BH, expected
# F1) agree with the `top` entries marked kept / discovery, p-values lie in [0, 1] and fall as the
# score rises, the background's weights sum to 1, the f32 run agrees with the text run. It also
# checks that bad inputs are refused with exit code 1 and a message naming the line / offset.
set -euo pipefail
cd "$(dirname "$0")/.."
check='
import json, math, sys
d = json.load(sys.stdin)
want_format = sys.argv[1]
for key in ("source", "format", "n", "cut", "fdr", "expected_f1", "background", "radius", "top", "timings_ms"):
    assert key in d, key
for key in ("single_gamma", "selection"):
    assert key not in d, key
n = d["n"]
assert d["format"] == want_format, (d["format"], want_format)

def finite_or_null(x):
    return x is None or (isinstance(x, (int, float)) and math.isfinite(x))

c = d["cut"]
assert c["rule"] == "relative_excess" and c["ratio"] == 0.65, c
assert 0 <= c["keep"] <= n and finite_or_null(c["threshold"]), c
assert (c["keep"] == 0) == (c["threshold"] is None), c
f = d["fdr"]
assert f["rule"] == "fdr" and 0 < f["level"] < 1 and f["tests"] == n, f
assert 0 <= f["discoveries"] <= n and (f["discoveries"] == 0) == (f["score_threshold"] is None), f
if f["discoveries"]:
    assert 0 <= f["p_threshold"] <= f["level"] * f["discoveries"] / n * (1 + 1e-9), f
e = d["expected_f1"]
assert e["rule"] == "expected_f1" and 0 <= e["keep"] <= n, e
assert (e["keep"] == 0) == (e["threshold"] is None), e
assert e["expected_relevant"] is not None and 0 <= e["expected_relevant"] <= n, e

bg = d["background"]
assert bg["scale"] == "fisher_z" and bg["selected_by"] == "bic", bg
assert 1 <= bg["k"] <= bg["max_k"] == 3, bg
assert [b["k"] for b in bg["bic"]] == list(range(1, bg["max_k"] + 1)), bg["bic"]
w = [comp["weight"] for comp in bg["components"]]
assert len(w) == bg["k"] and abs(sum(w) - 1) < 1e-9 and all(x >= 0 for x in w), w
assert all(comp["shape"] > 0 and comp["rate"] > 0 for comp in bg["components"])
assert math.isfinite(bg["log_likelihood"])
assert 0 <= bg["excluded"] < n and bg["body_rows"] == n - bg["excluded"] - bg["low_outliers"], bg
assert bg["rounds"] >= 1 and finite_or_null(bg["body_limit"]), bg

rad = d["radius"]
assert [r["p_value"] for r in rad] == [1e-3, 1e-6], rad
assert all(-1 <= r["score"] <= 1 for r in rad), rad
assert rad[0]["score"] <= rad[1]["score"], "radius not monotone in p"

top = d["top"]
assert top, "no top scores"
assert [t["rank"] for t in top] == list(range(1, len(top) + 1))
scores = [t["score"] for t in top]
assert scores == sorted(scores, reverse=True), "top not sorted"
ps = [t["p_value"] for t in top]
assert all(p is not None and 0 <= p <= 1 for p in ps), ps
assert all(a <= b * (1 + 1e-12) for a, b in zip(ps, ps[1:])), "p-values not monotone in score"
assert all(t["posterior"] is not None and 0 <= t["posterior"] <= 1 for t in top), top
for t in top:
    assert t["kept"] == (c["keep"] > 0 and t["score"] >= c["threshold"]), t
    assert t["discovery"] == (f["discoveries"] > 0 and t["score"] >= f["score_threshold"]), t
# The kept / discovery marks count the same rows as the cuts (when top is long enough).
kept = sum(t["kept"] for t in top)
assert kept == min(c["keep"], len(top)), (kept, c["keep"], len(top))
found = sum(t["discovery"] for t in top)
assert found == min(f["discoveries"], len(top)), (found, f["discoveries"], len(top))
print("example JSON ok:", d["source"], d["format"], "n =", n, "K =", bg["k"], "keep =", c["keep"],
      "BH =", f["discoveries"], "F1 =", e["keep"])
json.dump({k: d[k] for k in ("cut", "fdr", "expected_f1", "top")}, open(sys.argv[2], "w"))
'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build --release --quiet --example calibrate
bin=target/release/examples/calibrate

# 1. The embedded data (the README command).
cargo run --release --quiet --example calibrate -- --json | python3 -c "$check" f64 "$tmp/emb.json"

# 2. A small text input; 3. the same values as raw little-endian f32 (an even count: the f64
# reading of the file is valid too, and must not be taken).
python3 -c "
import random, struct
random.seed(1)
v = [-0.2 + random.gammavariate(9, 1 / 30) for _ in range(399)] + [0.97]
v = struct.unpack('<%df' % len(v), struct.pack('<%df' % len(v), *v))  # f32-exact values
open('$tmp/small.txt', 'w').write(''.join(repr(x) + '\n' for x in v))
open('$tmp/small.f32', 'wb').write(struct.pack('<%df' % len(v), *v))
open('$tmp/bad.f32', 'wb').write(struct.pack('<%df' % len(v), *(v[:-1] + (1.0000001,))))
"
$bin --json --input "$tmp/small.txt" | python3 -c "$check" text "$tmp/text.json"
$bin --json --input "$tmp/small.f32" | python3 -c "$check" f32 "$tmp/f32.json"
python3 - "$tmp/text.json" "$tmp/f32.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for key in ("cut", "fdr", "expected_f1"):
    assert a[key] == b[key], (key, a[key], b[key])
assert [(t["score"], t["p_value"], t["kept"]) for t in a["top"]] == \
       [(t["score"], t["p_value"], t["kept"]) for t in b["top"]], "f32 and text runs differ"
print("f32 run agrees with the text run: keep =", a["cut"]["keep"])
EOF

# Bad inputs: exit code 1 and a message that names the place.
refused() { # refused PATTERN ARGS...: the run must fail with exit code 1 and print PATTERN
    local pattern=$1 rc=0
    shift
    "$bin" "$@" >/dev/null 2>"$tmp/err" || rc=$?
    [ "$rc" -eq 1 ] || { echo "expected exit 1, got $rc: $*"; cat "$tmp/err"; exit 1; }
    grep -q -- "$pattern" "$tmp/err" || { echo "missing '$pattern' for $*:"; cat "$tmp/err"; exit 1; }
}
printf '0.1\n0.2\n# comment\nabc\n' > "$tmp/bad.txt"
refused 'bad.txt:4: not a number: "abc"' --input "$tmp/bad.txt"
printf '0.1\n1.5\n0.2\n' > "$tmp/range.txt"
refused 'range.txt:2: "1.5" is not a finite score' --input "$tmp/range.txt"
refused 'as f32: value 400 (byte offset 1596) is 1.0000001' --input "$tmp/bad.f32"
echo "bad inputs refused"

"""Writes the big calibration inputs of the README ("Quick start", big inputs): raw little-endian
f32 scores, a shifted-gamma body on the Fisher-z scale (z = -0.28 + Gamma(13.3, rate 35.5), then
cosine = tanh z) with 20 hits at 0.80..0.95 in random rows.

    python3 benches/big_scores.py /tmp   # writes /tmp/s1e6.f32, /tmp/s1e7.f32 and .txt twins
    /usr/bin/time -f "%e s, %M KB" target/release/simstat calibrate --input /tmp/s1e7.f32 --quiet
"""
import sys

import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else "."
rng = np.random.default_rng(1)
for n, name in [(10**6, "s1e6"), (10**7, "s1e7")]:
    s = np.tanh(-0.28 + rng.gamma(13.3, 1 / 35.5, size=n))
    s[:20] = np.linspace(0.8, 0.95, 20)
    s = np.clip(s, -1, 1).astype(np.float32)
    rng.shuffle(s)
    s.tofile(f"{out}/{name}.f32")
    np.savetxt(f"{out}/{name}.txt", s, fmt="%.7g")  # the same values as text, one per line

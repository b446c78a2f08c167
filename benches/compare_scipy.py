#!/usr/bin/env python3
"""Side-by-side timing: scipy.stats.gamma.fit vs simstat's exact fit on the same data files.

Usage (from the crate root):  python3 benches/compare_scipy.py [--repeats R] [FILES...]

Without FILES it uses tests/data/sims/*.f64 (26 real samples, n = 6544) and a synthetic
N = 100,000 sample of (alpha 13.3, rate 35.5, shift -0.28) (numpy seed 20251006, written to a
temp file). simstat is timed by `examples/fit_file.rs` (best of max(R, 50) in-process repeats, after
`cargo build --release --example fit_file`); scipy by the best of R calls of
scipy.stats.gamma.fit(x) (loc free, its default Nelder-Mead). Both best-of, in one run, so the
ratio is fair on a loaded machine. The log-likelihoods (untruncated, as scipy computes them)
are printed too: scipy's fit fails on some of the real samples (alpha ~ 0.5, loc at the min).
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.stats as st

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "examples", "fit_file")


def scipy_fit(x, repeats):
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a, loc, scale = st.gamma.fit(x)
        best = min(best, time.perf_counter() - t)
    ll = float(np.sum(st.gamma.logpdf(x, a, loc=loc, scale=scale)))
    return best, a, loc, ll


def simstat_fit(path, repeats):
    out = subprocess.run([BIN, path, str(repeats)], capture_output=True, text=True, check=True)
    f = out.stdout.split()
    # n alpha rate shift ll_trunc ll_untrunc passes regime best_s sketch_s
    return float(f[8]), float(f[1]), float(f[3]), float(f[5]), int(f[6]), f[7], float(f[9])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "fit_file"], cwd=ROOT, check=True)
    files = args.files or sorted(glob.glob(os.path.join(ROOT, "tests", "data", "sims", "*.f64")))
    tmp = None
    if not args.files:
        rng = np.random.default_rng(20251006)
        x = -0.28 + rng.gamma(13.3, 1 / 35.5, size=100_000)
        x = x[(x >= -1) & (x <= 1)]
        tmp = tempfile.NamedTemporaryFile(suffix="_synthetic_n100k.f64", delete=False)
        x.astype("<f8").tofile(tmp.name)
        files.append(tmp.name)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    print("| data | n | scipy ms | simstat ms | ratio | scipy LL | simstat LL (untrunc.) | simstat sketch-fit ms | passes | regime |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    ratios = []
    for path in files:
        x = np.fromfile(path, dtype="<f8")
        ts, a_s, loc_s, ll_s = scipy_fit(x, args.repeats)
        tr, a_r, c_r, ll_r, passes, regime, tsk = simstat_fit(path, max(args.repeats, 50))
        ratios.append(ts / tr)
        name = os.path.basename(path)
        print(f"| {name} | {len(x)} | {ts*1e3:.2f} | {tr*1e3:.3f} | {ts/tr:.0f}x | {ll_s:.3f} | {ll_r:.3f} | {tsk*1e3:.3f} | {passes} | {regime} |")
    r = np.array(ratios)
    print(f"ratio scipy/simstat: min {r.min():.0f}x, median {np.median(r):.0f}x, max {r.max():.0f}x")
    if tmp is not None:
        os.unlink(tmp.name)


if __name__ == "__main__":
    sys.exit(main())

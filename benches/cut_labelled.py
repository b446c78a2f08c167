#!/usr/bin/env python3
"""Labelled cut benchmark: where to cut a ranked list of cosine scores, judged by relevance labels.

Usage (any directory; never run by `cargo test`; needs numpy + scipy):

    python3 benches/cut_labelled.py [--data DIR] [--json FILE] [--no-build] [--bin PATH]
                                    [--methods a,b,...] [--source-f64 DIR]
    python3 benches/cut_labelled.py --timing

Data: tests/data/labelled/settings.tsv (4 settings: cran-l6, cran-l3, cisi-l6, cisi-l3; see the README
there). Each row of a <ds>_<model>.f32 matrix is one judged query's cosine with every document.

Evaluation (per query, then averaged over the queries of a setting): a cut length k keeps the top-k
documents by score (ties: stable descending order by score, then ascending doc index);
precision = TP/k, recall = TP/R, F1 = 2PR/(P+R) = 2TP/(k+R); an empty list (k = 0) has P = R = F1 = 0.

Methods (one tunable parameter each, plus an untuned default):
  threshold    keep scores >= t                              default 0.5, grid 0.30..0.80 step 0.025
  top-k        keep k                                        default 10,  grid 1..100 (19 values)
  autocut      Weaviate's autocut (port of entities/autocut/autocut.go, float32) on the top L = 100
               cosine distances d = 1 - s (ascending); parameter = number of jumps N
                                                             default 1,   grid 1..8
  gaussian-bh  normal (MLE mean, sd) fitted to all N scores of the query, p = sf(s),
               Benjamini-Hochberg over all N at level q      default 0.05, grid 1e-4..0.95 (13 values)
  gpd-bh       generalized Pareto (scipy.stats.genpareto.fit, floc=0) fitted to the exceedances of the
               top-100 scores over the 101st score u; p = (100/N) sf_gpd(s - u) above u, rank/N below;
               BH over all N at level q ("Surprise", arXiv 2010.09797)   same default and grid
  simstat      target/release/examples/cut_labelled (simstat::calibrate::cut): untuned default = its
               `default` rule; tuned parameter = the `relative` rule's ratio (grid 0.40..0.85 step 0.05).
               Extra rows: its `fdr` (q), `posterior` (level) and `f1` (no parameter) rules.
               CLI: cut_labelled --sims FILE.f32 --docs N_DOCS [--rule NAME] [--param X]
               -> one integer keep per line, one line per query.  Built first with
               `cargo build --release --example cut_labelled` unless --no-build; skipped (with a notice)
               when the example or the binary is missing or the build fails.

Protocols: untuned defaults; transfer (tune the one parameter for mean F1 on one setting, apply to each
of the 3 others: 12 ordered pairs; reported per target = mean over its 3 sources, and the mean over
the 12); tuned in place (best parameter per setting: an upper bound); per-query ceiling (best k for
each query). Ties in tuning go to the first grid value reaching the maximum.

--timing: median of 50 runs of one complete gpd-bh cut (partial sort + genpareto.fit + p-values + BH)
and one complete gaussian-bh cut (mean/sd + sort + p-values + BH) on a synthetic query of N = 10,000
scores (numpy seed 20251206: 0.2 + gamma(9, scale 1/30) - 0.3, clipped to [-1, 1]), in microseconds.
simstat's own speed is measured separately (criterion), not here.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import scipy.stats as st

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "labelled")
BIN = os.path.join(ROOT, "target", "release", "examples", "cut_labelled")
EXAMPLE_SRC = os.path.join(ROOT, "examples", "cut_labelled.rs")
CASES = os.path.join(ROOT, "benches", "autocut_cases.json")

L_AUTOCUT = 100  # autocut is applied to the top-100 results
M_GPD = 100  # GPD tail: top-100 exceedances over the 101st score

THRESH_GRID = [round(0.30 + 0.025 * i, 4) for i in range(21)]
TOPK_GRID = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100]
AUTOCUT_GRID = list(range(1, 9))
BH_GRID = [1e-4, 1e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95]
RELATIVE_GRID = [round(0.40 + 0.05 * i, 4) for i in range(10)]
POSTERIOR_GRID = [round(0.1 * i, 4) for i in range(1, 10)]


# ----------------------------------------------------------------------------------------------
# Weaviate autocut, ported from weaviate/weaviate entities/autocut/autocut.go (BSD-3-Clause):
#
#   func Autocut(yValues []float32, cutOff int) int {
#       if len(yValues) <= 1 { return len(yValues) }
#       diff := make([]float32, len(yValues))
#       step := 1. / (float32(len(yValues)) - 1.)
#       for i := range yValues {
#           xValue := 0. + float32(i)*step
#           yValueNorm := (yValues[i] - yValues[0]) / (yValues[len(yValues)-1] - yValues[0])
#           diff[i] = yValueNorm - xValue
#       }
#       extremaCount := 0
#       for i := range diff {
#           if i == 0 { continue } // we want the index _before_ the extrema
#           if i == len(diff)-1 && len(diff) > 1 { // for last element there is no "next" point
#               if diff[i] > diff[i-1] && diff[i] > diff[i-2] {
#                   extremaCount += 1
#                   if extremaCount >= cutOff { return i }
#               }
#           } else {
#               if diff[i] > diff[i-1] && diff[i] > diff[i+1] {
#                   extremaCount += 1
#                   if extremaCount >= cutOff { return i }
#               }
#           }
#       }
#       return len(yValues)
#   }
# ----------------------------------------------------------------------------------------------
F32 = np.float32


def autocut_go(values, cut_off):
    """Line-by-line port (scalar float32 arithmetic, as Go does it)."""
    y = np.asarray(values, dtype=F32)
    n = len(y)
    if n <= 1:
        return n
    diff = np.empty(n, dtype=F32)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = F32(1.0) / (F32(n) - F32(1.0))
        for i in range(n):
            x = F32(0.0) + F32(i) * step
            ynorm = (y[i] - y[0]) / (y[n - 1] - y[0])
            diff[i] = ynorm - x
    count = 0
    for i in range(n):
        if i == 0:
            continue
        if i == n - 1 and n > 1:
            if i - 2 < 0:  # Go: diff[-1] is an index-out-of-range panic (len 2)
                raise IndexError("autocut: len(yValues) == 2 panics in the Go original")
            if diff[i] > diff[i - 1] and diff[i] > diff[i - 2]:
                count += 1
                if count >= cut_off:
                    return i
        else:
            if diff[i] > diff[i - 1] and diff[i] > diff[i + 1]:
                count += 1
                if count >= cut_off:
                    return i
    return n


def autocut_rows(Y, cut_off):
    """The same algorithm vectorised over the rows of Y ([Q, n] float32, n >= 3)."""
    Y = np.asarray(Y, dtype=F32)
    q, n = Y.shape
    assert n >= 3
    with np.errstate(divide="ignore", invalid="ignore"):
        step = F32(1.0) / (F32(n) - F32(1.0))
        x = F32(0.0) + np.arange(n, dtype=F32) * step
        diff = (Y - Y[:, :1]) / (Y[:, -1:] - Y[:, :1]) - x
    ext = np.zeros((q, n), dtype=bool)
    ext[:, 1:-1] = (diff[:, 1:-1] > diff[:, :-2]) & (diff[:, 1:-1] > diff[:, 2:])
    ext[:, -1] = (diff[:, -1] > diff[:, -2]) & (diff[:, -1] > diff[:, -3])
    hit = np.cumsum(ext, axis=1) >= cut_off
    return np.where(hit.any(axis=1), np.argmax(hit, axis=1), n)


def check_autocut(rows_for_crosscheck):
    cases = json.load(open(CASES))["cases"]
    ok = 0
    for c in cases:
        got = autocut_go(c["values"], c["cut_off"])
        vec = autocut_rows(np.array([c["values"]], dtype=F32), c["cut_off"])[0] if len(c["values"]) >= 3 else got
        if got == c["expected"] and vec == c["expected"]:
            ok += 1
        else:
            print(f"autocut case FAILED: {c} -> scalar {got}, vectorised {vec}")
    print(f"autocut: {ok}/{len(cases)} test cases pass (weaviate autocut_test.go)")
    if ok != len(cases):
        sys.exit("autocut port disagrees with the Go test cases")
    # vectorised == scalar on real rows
    for n_jumps in (1, 2, 5):
        v = autocut_rows(rows_for_crosscheck, n_jumps)
        s = [autocut_go(r, n_jumps) for r in rows_for_crosscheck]
        assert list(v) == s, "vectorised autocut disagrees with the scalar port"
    return ok, len(cases)


# ----------------------------------------------------------------------------------------------
# data and evaluation
# ----------------------------------------------------------------------------------------------
class Setting:
    def __init__(self, name, path, rel_path, nq, nd, f64_path=None):
        self.name, self.path, self.nq, self.nd = name, path, nq, nd
        if f64_path:
            S = np.fromfile(f64_path, dtype="<f8").reshape(nq, nd)
        else:
            S = np.fromfile(path, dtype="<f4").reshape(nq, nd)
        rel = np.loadtxt(rel_path, delimiter="\t", skiprows=1, dtype=np.int64, ndmin=2)
        R = np.zeros((nq, nd), dtype=bool)
        R[rel[:, 0], rel[:, 1]] = True
        self.order = np.argsort(-S, axis=1, kind="stable")  # descending score, then doc index
        Ss = np.take_along_axis(S, self.order, axis=1)
        self.s32 = Ss.astype(F32)  # sorted scores, float32 (as the engines see them)
        self.s64 = Ss.astype(np.float64)  # sorted scores, float64 (for thresholds / fits)
        self.S64 = S.astype(np.float64)
        rs = np.take_along_axis(R, self.order, axis=1)
        self.tp = np.zeros((nq, nd + 1), dtype=np.int64)
        self.tp[:, 1:] = np.cumsum(rs, axis=1)
        self.R = R.sum(axis=1)
        assert (self.R > 0).all()
        self._gauss_p = None
        self._gpd_p = None
        self.gpd_fail = 0

    def evaluate(self, ks):
        ks = np.asarray(ks, dtype=np.int64)
        assert ks.shape == (self.nq,) and ks.min() >= 0 and ks.max() <= self.nd
        tp = self.tp[np.arange(self.nq), ks].astype(np.float64)
        P = np.where(ks > 0, tp / np.maximum(ks, 1), 0.0)
        Rc = tp / self.R
        F1 = 2.0 * tp / (ks + self.R)
        return {"f1": F1.mean(), "p": P.mean(), "r": Rc.mean(), "empty": (ks == 0).mean(),
                "mean_k": ks.mean()}

    def ceiling(self):
        k = np.arange(self.nd + 1)
        F1 = 2.0 * self.tp / (k[None, :] + self.R[:, None])
        best = F1.argmax(axis=1)
        return self.evaluate(best)

    # p-values (sorted by descending score, so non-decreasing along a row)
    def gauss_p(self):
        if self._gauss_p is None:
            mu = self.S64.mean(axis=1, keepdims=True)
            sd = self.S64.std(axis=1, keepdims=True)  # MLE, as scipy.stats.norm.fit
            self._gauss_p = st.norm.sf(self.s64, mu, sd)
        return self._gauss_p

    def gpd_p(self):
        if self._gpd_p is None:
            n = self.nd
            P = np.tile(np.arange(1, n + 1, dtype=np.float64) / n, (self.nq, 1))  # rank / N
            for i in range(self.nq):
                u = self.s64[i, M_GPD]
                y = self.s64[i, :M_GPD] - u
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        c, _, scale = st.genpareto.fit(y, floc=0)
                    P[i, :M_GPD] = (M_GPD / n) * st.genpareto.sf(y, c, 0.0, scale)
                except Exception:  # noqa: BLE001 - a failed fit keeps the empirical tail
                    self.gpd_fail += 1
            self._gpd_p = P
        return self._gpd_p


def bh_keep(P, q):
    """Benjamini-Hochberg on rows of sorted p-values: k = max{i : p_(i) <= i q / N} (0 if none)."""
    n = P.shape[1]
    ok = P <= q * np.arange(1, n + 1) / n
    return np.where(ok.any(axis=1), n - np.argmax(ok[:, ::-1], axis=1), 0)


# ----------------------------------------------------------------------------------------------
# simstat binary
# ----------------------------------------------------------------------------------------------
class Simstat:
    def __init__(self, binary):
        self.bin = binary
        self.cache = {}

    def keeps(self, setting, rule, param=None):
        key = (setting.name, rule, param)
        if key not in self.cache:
            cmd = [self.bin, "--sims", setting.path, "--docs", str(setting.nd)]
            if rule is not None:
                cmd += ["--rule", rule]
            if param is not None:
                cmd += ["--param", repr(float(param))]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            ks = np.array([int(t) for t in out.split()], dtype=np.int64)
            if ks.shape != (setting.nq,):
                raise RuntimeError(f"{' '.join(cmd)}: {ks.size} keeps for {setting.nq} queries")
            self.cache[key] = ks
        return self.cache[key]


def prepare_simstat(args):
    binary = args.bin or BIN
    if not args.no_build and not args.bin:
        if not os.path.exists(EXAMPLE_SRC):
            print(f"simstat: skipped ({os.path.relpath(EXAMPLE_SRC, ROOT)} does not exist yet)")
            return None
        print("simstat: cargo build --release --example cut_labelled ...", flush=True)
        r = subprocess.run(["cargo", "build", "--release", "--example", "cut_labelled"], cwd=ROOT,
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("simstat: skipped (build failed):\n" + r.stderr[-3000:])
            return None
    if not os.path.exists(binary):
        print(f"simstat: skipped ({binary} not found)")
        return None
    return Simstat(binary)


# ----------------------------------------------------------------------------------------------
# methods: name -> (default, grid, keeps(setting, param), label of the parameter)
# ----------------------------------------------------------------------------------------------
def make_methods(simstat):
    m = {
        "threshold": (0.5, THRESH_GRID, lambda s, t: (s.s64 >= t).sum(axis=1), "t"),
        "top-k": (10, TOPK_GRID, lambda s, k: np.full(s.nq, min(k, s.nd)), "k"),
        "autocut": (1, AUTOCUT_GRID,
                    lambda s, n: autocut_rows(F32(1.0) - s.s32[:, :L_AUTOCUT], n), "N"),
        "gaussian-bh": (0.05, BH_GRID, lambda s, q: bh_keep(s.gauss_p(), q), "q"),
        "gpd-bh": (0.05, BH_GRID, lambda s, q: bh_keep(s.gpd_p(), q), "q"),
    }
    if simstat is not None:
        # default param None = the `default` rule (no --param); grid = `relative` ratios
        m["simstat"] = (None, RELATIVE_GRID,
                        lambda s, r: simstat.keeps(s, "default") if r is None
                        else simstat.keeps(s, "relative", r), "ratio")
        # The model-based rules fit a background per query (~0.3 s at N = 1400 with the
        # iterative removal of discoveries): run at their defaults only, not tuned.
        m["simstat:fdr"] = (0.05, [0.05], lambda s, q: simstat.keeps(s, "fdr", q), "q")
        m["simstat:posterior"] = (0.5, [0.5],
                                  lambda s, a: simstat.keeps(s, "posterior", a), "level")
        m["simstat:f1"] = ("-", ["-"], lambda s, _: simstat.keeps(s, "f1"), "")
    return m


# ----------------------------------------------------------------------------------------------
# tables
# ----------------------------------------------------------------------------------------------
def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def fmt_param(p):
    if p is None:
        return "default"
    if isinstance(p, float):
        return f"{p:g}"
    return str(p)


def timing_mode():
    rng = np.random.default_rng(20251206)
    n = 10_000
    s = np.clip(0.2 + rng.gamma(9.0, 1.0 / 30.0, n) - 0.3, -1.0, 1.0)
    q = 0.05

    def gpd_cut(x):
        # top-(M+1) by a partial sort; BH needs only the top M: for q < 1 the empirical p = r/N of
        # ranks r > M never satisfies r/N <= r q/N, and every GPD p <= M/N < (M+1)/N keeps the order.
        top = np.partition(x, n - M_GPD - 1)[n - M_GPD - 1:]
        top = np.sort(top)[::-1]
        u = top[M_GPD]
        y = top[:M_GPD] - u
        c, _, scale = st.genpareto.fit(y, floc=0)
        p = (M_GPD / n) * st.genpareto.sf(y, c, 0.0, scale)
        ok = p <= q * np.arange(1, M_GPD + 1) / n
        return int(M_GPD - np.argmax(ok[::-1])) if ok.any() else 0

    def gauss_cut(x):
        mu, sd = x.mean(), x.std()
        xs = np.sort(x)[::-1]
        p = st.norm.sf(xs, mu, sd)
        ok = p <= q * np.arange(1, n + 1) / n
        return int(n - np.argmax(ok[::-1])) if ok.any() else 0

    res = {}
    for name, f in (("gpd-bh", gpd_cut), ("gaussian-bh", gauss_cut)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            k = f(s)
            ts = []
            for _ in range(50):
                t0 = time.perf_counter()
                f(s)
                ts.append(time.perf_counter() - t0)
        res[name] = {"median_us": float(np.median(ts)) * 1e6, "keep": k}
        print(f"{name:12s} one query, N = {n}: median of 50 = {np.median(ts) * 1e6:9.1f} us  (keep {k}, q = {q})")
    print("scipy", __import__("scipy").__version__, "numpy", np.__version__,
          "; simstat's speed is measured separately (criterion), not here.")
    return res


def ratio_table(settings):
    """P(relevant) of the rows binned by r = (atanh(s) - m) / (atanh(s_(2)) - m), m = atanh(median):
    the quantity the default `cut` rule thresholds (at 0.65)."""
    bins = [0.4, 0.5, 0.6, 0.65, 0.7, 0.8, 0.9, 1.0, np.inf]
    print("\n## P(relevant) by the relative-excess ratio r (default cut: r >= 0.65)\n")
    head = ["setting"] + [f"[{a:g}, {b:g})" for a, b in zip(bins[:-1], bins[1:])]
    rows = []
    for s in settings:
        z = np.arctanh(np.clip(s.s64, -1 + 1e-15, 1 - 1e-15))
        m = np.arctanh(np.clip(np.median(s.s64, axis=1, keepdims=True), -1 + 1e-15, 1 - 1e-15))
        r = (z - m) / (z[:, 1:2] - m)
        rel = np.diff(s.tp, axis=1).astype(bool)
        cells = []
        for a, b in zip(bins[:-1], bins[1:]):
            msk = (r >= a) & (r < b)
            cells.append(f"{rel[msk].mean():.2f} ({msk.sum() / s.nq:.1f})" if msk.any() else "-")
        rows.append([s.name] + cells)
    print(md_table(head, rows))
    print("\n(cell: P(relevant), and in brackets the rows per query in the bin)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DATA, help="directory with settings.tsv (default tests/data/labelled)")
    ap.add_argument("--json", help="write every number to this JSON file")
    ap.add_argument("--no-build", action="store_true", help="do not run cargo build for the simstat example")
    ap.add_argument("--bin", help="simstat cut_labelled binary (implies no build)")
    ap.add_argument("--methods", help="comma-separated subset of methods")
    ap.add_argument("--source-f64", help="read <ds>_<model>.sims.f64 from this directory instead of the f32 copies")
    ap.add_argument("--timing", action="store_true", help="only time the gpd-bh and gaussian-bh cuts (N = 10,000)")
    ap.add_argument("--ratio-table", action="store_true",
                    help="only print P(relevant) binned by the default rule's ratio (the evidence for it)")
    args = ap.parse_args()

    if args.timing:
        res = timing_mode()
        if args.json:
            json.dump({"timing": res}, open(args.json, "w"), indent=1)
        return

    settings = []
    with open(os.path.join(args.data, "settings.tsv")) as f:
        next(f)
        for line in f:
            name, fn, rel, nq, nd = line.rstrip("\n").split("\t")
            f64 = os.path.join(args.source_f64, fn[:-4] + ".sims.f64") if args.source_f64 else None
            settings.append(Setting(name, os.path.join(args.data, fn), os.path.join(args.data, rel),
                                    int(nq), int(nd), f64))
    names = [s.name for s in settings]
    print(f"data: {args.data}{' (f64 from ' + args.source_f64 + ')' if args.source_f64 else ''}: "
          + ", ".join(f"{s.name} {s.nq}x{s.nd}" for s in settings))
    ac_ok, ac_n = check_autocut(F32(1.0) - settings[0].s32[:40, :L_AUTOCUT])

    if args.ratio_table:
        ratio_table(settings)
        return

    simstat = prepare_simstat(args)
    methods = make_methods(simstat)
    if args.methods:
        keep = args.methods.split(",")
        methods = {k: v for k, v in methods.items() if k in keep}

    # every (method, setting, param) evaluated once
    results, timings = {}, {}
    for mname, (default, grid, fn, _) in methods.items():
        t0 = time.perf_counter()
        params = [default] + [g for g in grid if g != default]
        res = {}
        for s in settings:
            for p in params:
                res[(s.name, p)] = s.evaluate(fn(s, p))
        timings[mname] = time.perf_counter() - t0
        results[mname] = res
    gpd_fail = {s.name: s.gpd_fail for s in settings}

    ceil = {s.name: s.ceiling() for s in settings}

    def row(vals):
        return [f"{v:.3f}" for v in vals] + [f"{np.mean(vals):.3f}"]

    out_json = {"settings": {s.name: {"file": os.path.basename(s.path), "n_queries": s.nq, "n_docs": s.nd,
                                      "mean_relevant": float(s.R.mean())} for s in settings},
                "autocut_cases": {"pass": ac_ok, "total": ac_n}, "methods": {}, "ceiling": {},
                "timing_s": timings, "gpd_fit_failures": gpd_fail}
    hdr = ["method"] + names + ["mean"]

    # 1. untuned defaults
    print("\n## Untuned defaults: mean F1\n")
    rows = []
    for mname, (default, grid, _, plab) in methods.items():
        label = f"{mname} ({plab}={fmt_param(default)})" if plab and default is not None else \
            (f"{mname} (default rule)" if default is None else mname)
        rows.append([label] + row([results[mname][(n, default)]["f1"] for n in names]))
    rows.append(["per-query ceiling"] + row([ceil[n]["f1"] for n in names]))
    print(md_table(hdr, rows))
    print("\n## Untuned defaults: precision / recall / empty share\n")
    rows = []
    for mname, (default, grid, _, plab) in methods.items():
        rows.append([mname] + [
            "{p:.3f} / {r:.3f} / {empty:.2f}".format(**results[mname][(n, default)]) for n in names])
    rows.append(["per-query ceiling"] + ["{p:.3f} / {r:.3f} / {empty:.2f}".format(**ceil[n]) for n in names])
    print(md_table(["method"] + [f"{n} P / R / empty" for n in names], rows))

    # 2. transfer, 3. in place
    trans_rows, place_rows, param_rows = [], [], []
    for mname, (default, grid, _, plab) in methods.items():
        f1 = {n: [results[mname][(n, p)]["f1"] for p in grid] for n in names}
        best = {n: int(np.argmax(f1[n])) for n in names}  # first maximum
        pairs = {}
        for src in names:
            for tgt in names:
                if src != tgt:
                    pairs[(src, tgt)] = f1[tgt][best[src]]
        per_tgt = [np.mean([pairs[(src, tgt)] for src in names if src != tgt]) for tgt in names]
        mean12 = np.mean(list(pairs.values()))
        trans_rows.append([mname] + [f"{v:.3f}" for v in per_tgt] + [f"{mean12:.3f}"])
        place = [f1[n][best[n]] for n in names]
        place_rows.append([mname] + row(place))
        param_rows.append([mname + (f" ({plab})" if plab else "")] + [fmt_param(grid[best[n]]) for n in names])
        out_json["methods"][mname] = {
            "parameter": plab, "default": default, "grid": grid,
            "default_result": {n: results[mname][(n, default)] for n in names},
            "grid_results": {n: {fmt_param(p): results[mname][(n, p)] for p in grid} for n in names},
            "tuned_in_place": {n: {"param": grid[best[n]], "f1": f1[n][best[n]]} for n in names},
            "transfer_pairs": {f"{a}->{b}": v for (a, b), v in pairs.items()},
            "transfer_per_target": dict(zip(names, per_tgt)),
            "transfer_mean12": mean12,
            "time_s": timings[mname],
        }
    print("\n## Transfer: tuned on one setting, applied to another (mean F1; per target = mean over its 3 "
          "sources; last column = mean over the 12 pairs)\n")
    print(md_table(["method"] + names + ["mean of 12"], trans_rows))
    print("\n## Tuned in place (best parameter per setting; upper bound): mean F1\n")
    place_rows.append(["per-query ceiling"] + row([ceil[n]["f1"] for n in names]))
    print(md_table(hdr, place_rows))
    print("\nTuned parameters:\n")
    print(md_table(["method"] + names, param_rows))
    out_json["ceiling"] = ceil

    print("\n## Time per method (all settings, default + whole grid)\n")
    for mname, t in timings.items():
        print(f"- {mname}: {t:.2f} s")
    if any(gpd_fail.values()):
        print(f"gpd-bh: genpareto.fit failed (empirical tail kept) on {gpd_fail}")
    print("simstat's speed is measured separately (criterion), not here: its time above includes "
          "process start-up and reading the matrix once per (setting, rule, parameter).")
    if simstat is None:
        print("simstat: not run (see the notice above).")

    if args.json:
        def conv(o):
            if isinstance(o, (np.floating, np.integer)):
                return o.item()
            raise TypeError(type(o))
        with open(args.json, "w") as f:
            json.dump(out_json, f, indent=1, default=conv)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

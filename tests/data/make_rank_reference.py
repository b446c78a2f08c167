"""scipy reference values for simstat::geometry::{spearman_rho, kendall_tau_b} (outputs committed).

Run: python3 tests/data/make_rank_reference.py  (numpy + scipy; writes rank_reference.csv)
Columns: case; x (space separated); y; scipy.stats.spearmanr(x, y).statistic;
scipy.stats.kendalltau(x, y).statistic (default variant 'b'). Floats written with repr (exact).
"""
import pathlib, numpy as np, scipy, scipy.stats as st
rng = np.random.default_rng(20261123)
cases = []
cases.append(("layers_increasing", np.arange(12.0), np.array([.05, .07, .06, .1, .12, .2, .19, .25, .3, .31, .4, .38])))
cases.append(("layers_decreasing", np.arange(6.0), np.array([.9, .8, .85, .5, .2, .1])))
cases.append(("ties_both", np.array([1, 2, 2, 3, 3, 3, 4, 5, 5, 6.0]), np.array([2, 1, 2, 2, 3, 5, 5, 4, 4, 6.0])))
cases.append(("ties_heavy", np.array([0, 0, 0, 1, 1, 1, 2, 2.0]), np.array([1, 0, 1, 0, 1, 1, 1, 0.0])))
cases.append(("two_points", np.array([1.0, 2.0]), np.array([3.0, -1.0])))
for k, n in enumerate([5, 17, 40, 100]):
    x = np.round(rng.normal(size=n) * 4) / 4  # quarter steps: exact in binary, many ties
    y = np.round((x + rng.normal(size=n)) * 8) / 8
    cases.append((f"random_ties_{n}", x, y))
    cases.append((f"random_cont_{n}", rng.normal(size=n), rng.normal(size=n)))
out = pathlib.Path(__file__).parent / "rank_reference.csv"
with open(out, "w") as f:
    f.write(f"# scipy {scipy.__version__}, numpy {np.__version__}\n")
    f.write("case;x;y;spearman;kendall_b\n")
    for name, x, y in cases:
        s = st.spearmanr(x, y).statistic
        t = st.kendalltau(x, y).statistic
        fx = " ".join(repr(float(v)) for v in x)
        fy = " ".join(repr(float(v)) for v in y)
        f.write(f"{name};{fx};{fy};{float(s)!r};{float(t)!r}\n")
print("wrote", out)

"""numpy side-by-side for benches/geometry.rs (single thread: OMP/OPENBLAS/MKL threads = 1).

Run:  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python3 benches/geometry_numpy.py
      (add GEOMETRY_CPU_TIME=1 to time process CPU time instead of wall time)
Times (best of `reps` runs, seconds, like criterion's lower estimates) for:
  - pair cosine f32 (np.dot x3 on 1-D arrays), F in {384, 768, 1024, 4096}
  - N x N angles: normalise + X @ X.T + clip + arccos (the same work as pairwise_angles Full)
  - dispersion loss f32 forward (normalise, Gram, clip, arccos, logsumexp) and a numpy
    forward+backward (the reference formulas), N x F in {256x768, 1024x768, 256x4096}
GFLOP/s use the same flop counts as the Rust bench (N(N-1)/2 pairs x 2F per Gram).
"""
import os, time, numpy as np
os.environ.setdefault("OMP_NUM_THREADS", "1")
try:
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
except Exception:
    pass

CLOCK = time.process_time if os.environ.get("GEOMETRY_CPU_TIME") else time.perf_counter

def best(fn, reps):
    """Best of `reps`; wall clock, or process CPU time with GEOMETRY_CPU_TIME=1 (fairer on a
    shared machine: single-threaded numpy, so CPU time = its own work)."""
    t = []
    for _ in range(reps):
        s = CLOCK(); fn(); t.append(CLOCK() - s)
    return min(t)

rng = np.random.default_rng(3)
print("| task | size | numpy time | GFLOP/s |")
print("|---|---|---|---|")
for f in (384, 768, 1024, 4096):
    a = rng.random(f, dtype=np.float32) - 0.5; b = rng.random(f, dtype=np.float32) - 0.5
    def cos():
        return np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b))
    k = 2000
    t = best(lambda: [cos() for _ in range(k)], 5) / k
    print(f"| pair cosine f32 | F={f} | {t*1e9:.0f} ns | {6*f/t/1e9:.1f} |")

def angles(x):
    z = x / np.linalg.norm(x, axis=1, keepdims=True)
    return np.arccos(np.clip(z @ z.T, -1.0, 1.0))

sizes = [(1024, 384), (1024, 768), (4096, 384), (4096, 768)]
if os.environ.get("GEOMETRY_BENCH_SMALL"):
    sizes = sizes[:2]
for n, f in sizes:
    x = (rng.random((n, f), dtype=np.float32) - 0.5)
    t = best(lambda: angles(x), 3 if n > 1024 else 7)
    print(f"| N×N angles (normalise+matmul+clip+arccos) | {n}x{f} | {t*1e3:.1f} ms | {n*(n-1)*f/t/1e9:.1f} |")

def disp_fwd(x, tau=1.0, t=0.25, eps=1e-2):
    n = x.shape[0]
    z = x / (np.linalg.norm(x, axis=1, keepdims=True) + eps)
    c = np.clip(z @ z.T, -1 + t, 1 - t)
    d = np.arccos(c) / np.pi
    m = ~np.eye(n, dtype=bool)
    v = -d[m] / tau
    mx = v.max()
    return mx + np.log(np.exp(v - mx).mean())

def disp_fwd_bwd(x, tau=1.0, t=0.25, eps=1e-2):
    n = x.shape[0]
    nr = np.linalg.norm(x, axis=1, keepdims=True)
    z = x / (nr + eps)
    c = z @ z.T
    ch = np.clip(c, -1 + t, 1 - t)
    d = np.arccos(ch) / np.pi
    e = np.exp(-d / tau); np.fill_diagonal(e, 0.0)
    s = e.sum()
    loss = np.log(s / (n * (n - 1)))
    g = e / s / (tau * np.pi * np.sqrt(1 - ch * ch)); np.fill_diagonal(g, 0.0)
    u = (g + g.T) @ z
    zu = (x * u).sum(axis=1, keepdims=True)
    grad = u / (nr + eps) - x * zu / (nr * (nr + eps) ** 2)
    return loss, grad

for n, f in [(256, 768), (1024, 768), (256, 4096)]:
    x = (rng.random((n, f), dtype=np.float32) - 0.5)
    t1 = best(lambda: disp_fwd(x), 5)
    t2 = best(lambda: disp_fwd_bwd(x), 5)
    gram = n * (n - 1) * f
    print(f"| dispersion fwd | {n}x{f} | {t1*1e3:.2f} ms | {gram/t1/1e9:.1f} |")
    print(f"| dispersion fwd+bwd | {n}x{f} | {t2*1e3:.2f} ms | {4*gram/t2/1e9:.1f} |")

"""Runs simstat's PTX kernels (ptx/src/lib.rs, built by ptx/build.sh) on a CUDA GPU through
CuPy and compares every result with the CPU's (written by ptx/host): count of bit-identical
results and the largest difference in ULP. Then times two kernels over 2^24 elements.

Usage: python3 ptx/run_gpu.py KERNELS.ptx DATA_DIR
"""
import sys, time
import numpy as np
import cupy as cp

ptx, data = sys.argv[1], sys.argv[2]
mod = cp.RawModule(path=ptx)
N = 1 << 16
ARITY = {"k_digamma": 1, "k_trigamma": 1, "k_ln_gamma": 1, "k_gamma_p": 2, "k_gamma_q": 2,
         "k_gamma_p_inv": 2, "k_gamma_sf": 1}
SF = (np.float64(9.0), np.float64(30.0), np.float64(-0.25))


def ulps(a, b):
    """|a − b| in units of the f64 lattice (ordered-integer distance); 0 where both are NaN."""
    ia = a.view(np.int64).astype(object)
    ib = b.view(np.int64).astype(object)
    conv = lambda i: i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)
    d = np.array([abs(conv(x) - conv(y)) for x, y in zip(ia, ib)], dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    d[both_nan] = 0
    d[np.isnan(a) ^ np.isnan(b)] = np.inf
    return d


def launch(name, ins, n):
    f = mod.get_function(name)
    out = cp.empty(n, dtype=cp.float64)
    args = ((*SF, *ins) if name == "k_gamma_sf" else tuple(ins)) + (out, np.uint64(n))
    f(((n + 255) // 256,), (256,), args)
    cp.cuda.runtime.deviceSynchronize()
    return out


worst = 0
print(f"{'kernel':<14} {'n':>6} {'identical':>9} {'max ULP':>8}")
for name, k in ARITY.items():
    raw = np.fromfile(f"{data}/{name}.f64", dtype="<f8")
    ins = [cp.asarray(raw[i * N:(i + 1) * N]) for i in range(k)]
    cpu = raw[k * N:(k + 1) * N]
    gpu = cp.asnumpy(launch(name, ins, N))
    same = int(np.sum((gpu.view(np.int64) == cpu.view(np.int64)) | (np.isnan(gpu) & np.isnan(cpu))))
    d = ulps(gpu, cpu)
    worst = max(worst, d.max())
    print(f"{name:<14} {N:>6} {same:>9} {d.max():>8.0f}")

dev = cp.cuda.runtime.getDeviceProperties(0)["name"].decode()
print(f"device: {dev}")
for name in ["k_digamma", "k_gamma_sf", "k_gamma_p"]:
    k = ARITY[name]
    raw = np.fromfile(f"{data}/{name}.f64", dtype="<f8")
    big = [cp.asarray(np.tile(raw[i * N:(i + 1) * N], 256)) for i in range(k)]
    n = big[0].size
    launch(name, big, n)
    s, e = cp.cuda.Event(), cp.cuda.Event()
    s.record()
    for _ in range(20):
        launch(name, big, n)
    e.record(); e.synchronize()
    ms = cp.cuda.get_elapsed_time(s, e) / 20
    print(f"{name}: {n} elements in {ms:.3f} ms = {n / ms / 1e6:.2f} G evaluations/s")
sys.exit(0 if worst <= 1 else 1)

#!/usr/bin/env python3
"""Reference tables for simstat's ψ (digamma), ψ′ (trigamma) and ln Γ, computed with mpmath.

Usage:  python3 tests/data/make_special.py          # writes tests/data/special_{digamma,trigamma,ln_gamma}.txt
        python3 tests/data/make_special.py fit      # re-derives the rational fits used in src/special/

Running the table mode also runs the sibling generator make_special_inc.py (P/Q tables) when it
exists, so this one command regenerates every special-function table.

TABLE FILE FORMAT (tests/data/special_<func>.txt), plain ASCII, one record per line:
  * lines starting with '#' are comments;
  * a line '@ <domain>' starts a domain (a named group of points; the test reports max/median ULP
    per domain). Domains whose name starts with 'f32' hold inputs that are exactly representable
    as f32: the test checks the f32 entry point on them as well as the f64 kernel;
  * a data line is three 16-hex-digit words '<x> <hi> <lo>', each the IEEE-754 binary64 bit
    pattern (u64, most significant digit first) of a double:
        x   the input (exact),
        hi  f(x) rounded to the nearest double (mpmath at mp.dps = 50),
        lo  (f(x) - hi) rounded to the nearest double,
    so f(x) = hi + lo to about 106 bits. The error of a computed y in ULP is
    ((y - hi) - lo) / ulp(hi), where ulp(v) = 2^(floor(log2|v|) - 52) (2^-1074 for subnormals);
    for f32, ulp32(v) = 2^(floor(log2|v|) - 23) (2^-149 below f32's normal range). If hi is ±inf
    (true value beyond the double range), lo is 0 and the expected result is exactly hi.
Functions: digamma = ψ(x); trigamma = ψ′(x); ln_gamma = ln|Γ(x)| (x<0 included).
The point sets are drawn from a fixed-seed generator, so the output is reproducible.
"""
import os
import random
import struct
import sys

import mpmath as mp

mp.mp.dps = 50
HERE = os.path.dirname(os.path.abspath(__file__))


def bits(v):
    return struct.pack('>d', v).hex()


def f32(v):
    return struct.unpack('<f', struct.pack('<f', v))[0]


def nextafter(v, n):
    """v moved by n f64 ulps (n may be negative), v > 0."""
    b = struct.unpack('<q', struct.pack('<d', v))[0] + n
    return struct.unpack('<d', struct.pack('<q', b))[0]


def loguniform(rng, lo, hi, n):
    import math
    a, b = math.log(lo), math.log(hi)
    return [math.exp(rng.uniform(a, b)) for _ in range(n)]


def ref_line(f, x):
    v = f(mp.mpf(x))
    hi = float(v)
    if hi in (float('inf'), float('-inf')):
        lo = 0.0
    else:
        lo = float(v - mp.mpf(hi))
    return '%s %s %s' % (bits(x), bits(hi), bits(lo))


X0 = None


def root():
    global X0
    if X0 is None:
        X0 = mp.findroot(mp.digamma, mp.mpf('1.4616321449683623412626595423257213'))
    return X0


def neg_points(rng, n, nmax=1000.0):
    """x < 0 between poles: x = -k + r, |r| in [1e-6, 0.5], k log-uniform in [1, nmax]."""
    out = []
    for i in range(n):
        k = float(round(loguniform(rng, 1.0, nmax, 1)[0]))
        if i % 2 == 0:
            r = rng.uniform(-0.5, 0.5)
        else:
            r = loguniform(rng, 1e-6, 0.5, 1)[0] * rng.choice((-1.0, 1.0))
        x = -k + r
        if x < 0 and abs(x - round(x)) >= 1e-6:
            out.append(x)
    return out


def neg_zero_points(rng):
    """Points near ψ's zeros between negative poles, at relative offsets 1e-15 .. 1e-2 and at
    the f64 neighbours of each zero."""
    out = []
    ks = list(range(1, 31)) + [40, 50, 75, 100, 200, 500, 1000]
    for k in ks:
        z = mp.findroot(mp.digamma, -k + 0.5 + 0.2 if k == 1 else -k + 0.3)
        # bracket-safe refinement
        z = mp.findroot(mp.digamma, (mp.mpf(-k) + mp.mpf('1e-9'), mp.mpf(-k + 1) - mp.mpf('1e-9')),
                        solver='anderson') if not (-k < z < -k + 1) else z
        zf = float(z)
        for n in (-2, -1, 0, 1, 2):
            out.append(-nextafter(-zf, n))
        for e in range(-15, -1):
            for s in (-1.0, 1.0):
                d = 10.0 ** e * rng.uniform(1.0, 10.0)
                out.append(zf * (1.0 + s * d))
    return [x for x in out if abs(x - round(x)) >= 1e-6]


def neg_zero_far(k):
    """The zero of ψ in (−k, −k+1), k ≥ 2: ψ(1 + k − r) = π·cot(π r) at x = −k + r, started
    from r0 = atan(π / ln k)/π and checked to lie strictly between the poles."""
    x0 = -k + mp.atan(mp.pi / mp.log(k)) / mp.pi
    z = mp.findroot(mp.digamma, x0)
    assert -k < z < -k + 1, (k, z)
    return z


def neg_far_zero_points():
    """x ≤ −30 next to the zeros of ψ between negative poles, down to −2^52 (past which every
    double is an integer): for each zero z (fixed k plus k log-uniform in [31, 1e15]) the
    nearest double and its ±1..±3 ulp neighbours, z ± 1e-3, z ± 1e-2, and z·(1 ± d) for d
    log-uniform over [1e-15, 1e-4]. Points closer than 1e-6 to a pole are dropped. Own
    generator, so the other domains' points do not depend on this one."""
    rng = random.Random(20260417)
    ks = [31, 32, 33, 34, 47, 63, 64, 65, 100, 128, 129, 1000, 4096, 10**4, 65537, 10**6,
          2**24 + 1, 10**9, 2**33 - 1, 2**40, 10**12, 10**14, 10**15, 2**51 - 1, 2**51 + 1,
          2**52 - 1]
    ks += [int(round(v)) for v in loguniform(rng, 31.0, 1e15, 90)]
    out = []
    for k in ks:
        z = neg_zero_far(k)
        zf = float(z)
        for n in range(-3, 4):
            out.append(-nextafter(-zf, n))
        for off in (1e-3, 1e-2):
            out += [float(z - off), float(z + off)]
        for _ in range(4):
            d = loguniform(rng, 1e-15, 1e-4, 1)[0]
            out.append(float(z * (1 + rng.choice((-1, 1)) * d)))
    return [x for x in out if x <= -30.0 and abs(x - round(x)) >= 1e-6]


def f32_points(rng, neg=True):
    pts = [f32(v) for v in loguniform(rng, 1e-30, 1e4, 300)]
    pts += [f32(v) for v in loguniform(rng, 1e-3, 20.0, 150)]
    if neg:
        for x in neg_points(rng, 150, 100.0):
            y = f32(x)
            if abs(y - round(y)) >= 1e-6:
                pts.append(y)
    return pts


def domains(func, rng):
    d = []
    tiny_lo = {'digamma': 1e-307, 'trigamma': 1e-153, 'ln_gamma': 5e-324}[func]
    tiny = loguniform(rng, tiny_lo, 1e-6, 300)
    if func == 'ln_gamma':
        tiny += [5e-324, 1e-320, 2.2250738585072014e-308, 1e-300]
    d.append(('tiny (0,1e-6]', tiny))
    d.append(('small [1e-6,1]', loguniform(rng, 1e-6, 1.0, 500)))
    d.append(('mid [1,10]', [rng.uniform(1.0, 10.0) for _ in range(1500)] + [float(i) for i in range(1, 11)]))
    d.append(('large [10,1e6]', loguniform(rng, 10.0, 1e6, 500)))
    d.append(('huge [1e6,1e300]', loguniform(rng, 1e6, 1e300, 300)))
    if func == 'digamma':
        x0 = float(root())
        pts = [nextafter(x0, n) for n in range(-64, 65)]
        for e in range(-16, -2):
            for _ in range(12):
                pts.append(x0 + rng.choice((-1.0, 1.0)) * 10.0 ** e * rng.uniform(1.0, 10.0))
        d.append(('root x0±1e-3', pts))
    if func == 'ln_gamma':
        pts = []
        for c in (1.0, 2.0):
            pts += [nextafter(c, n) for n in range(-20, 21) if n != 0]
            for e in range(-16, -1):
                for _ in range(8):
                    pts.append(c + rng.choice((-1.0, 1.0)) * 10.0 ** e * rng.uniform(1.0, 10.0))
        d.append(('near 1,2', pts))
    d.append(('neg x<0', neg_points(rng, 1500)))
    if func == 'digamma':
        d.append(('neg zeros', neg_zero_points(rng)))
    d.append(('f32', f32_points(rng, neg=True)))
    if func == 'digamma':
        d.append(('neg zeros x<=-30', neg_far_zero_points()))
    return d


FUNCS = {
    'digamma': mp.digamma,
    'trigamma': lambda x: mp.psi(1, x),
    'ln_gamma': lambda x: mp.re(mp.loggamma(x)) if x > 0 else mp.log(abs(mp.gamma(x))),
}


def write_tables():
    for func, f in FUNCS.items():
        rng = random.Random(20261123 + len(func))
        lines = [
            '# simstat reference table for %s, mpmath %s at mp.dps = 50.' % (func, mp.__version__),
            '# Generated by tests/data/make_special.py; format described at the top of that script.',
            '# <x> <hi> <lo>: f64 bit patterns; f(x) = hi + lo.',
        ]
        for name, pts in domains(func, rng):
            lines.append('@ ' + name)
            seen = set()
            for x in pts:
                if x in seen:
                    continue
                seen.add(x)
                lines.append(ref_line(f, x))
        path = os.path.join(HERE, 'special_%s.txt' % func)
        with open(path, 'w') as fh:
            fh.write('\n'.join(lines) + '\n')
        print('wrote', path, len(lines), 'lines')


def main():
    if len(sys.argv) > 1 and sys.argv[1] == 'fit':
        fit_all()
        return
    write_tables()
    sib = os.path.join(HERE, 'make_special_inc.py')
    if os.path.exists(sib):
        sys.path.insert(0, HERE)
        import make_special_inc
        make_special_inc.main()


# ---------------------------------------------------------------------------------------------
# Rational fits (near-minimax, linearized Lawson iteration in mpmath): how the coefficients in
# src/special/{digamma,trigamma,ln_gamma}.rs were derived. `python3 make_special.py fit` prints
# them (about a minute per fit). Weighted relative error unless stated; the printed 'f64' figure
# is the max error after rounding the coefficients to doubles (checked on a 300-point grid).


def _fit(f, a, b, n, m, wfun=None, iters=30):
    """P/Q with deg P = n, deg Q = m, q0 = 1, minimizing the weighted error on [a, b]:
    linearized least squares P - f Q on a Chebyshev grid, reweighted by 1/Q_prev and by
    Lawson's multiplicative update; returns (max weighted error, P, Q)."""
    mp.mp.dps = 60
    K = n + m + 1
    N = max(8 * K, 120)
    xs = [mp.mpf(a) + (mp.mpf(b) - a) * (1 - mp.cos(mp.pi * (i + mp.mpf(0.5)) / N)) / 2
          for i in range(N)]
    xs = [mp.mpf(a)] + xs + [mp.mpf(b)]
    Fs = [f(x) for x in xs]
    W = [wfun(x) for x in xs] if wfun else [1 / abs(F) for F in Fs]
    lam = [mp.mpf(1)] * len(xs)
    qprev = [mp.mpf(1)] * len(xs)
    best = None
    for _ in range(iters):
        ATA = mp.zeros(K, K)
        ATb = mp.zeros(K, 1)
        for x, F, w, l, qp in zip(xs, Fs, W, lam, qprev):
            sc = w * mp.sqrt(l) / qp
            row = [x**j * sc for j in range(n + 1)] + [-F * x**j * sc for j in range(1, m + 1)]
            rhs = F * sc
            for i in range(K):
                ATb[i] += row[i] * rhs
                for j in range(i, K):
                    ATA[i, j] += row[i] * row[j]
        for i in range(K):
            for j in range(i):
                ATA[i, j] = ATA[j, i]
        c = mp.lu_solve(ATA, ATb)
        p = [c[i] for i in range(n + 1)]
        q = [mp.mpf(1)] + [c[n + j] for j in range(1, m + 1)]
        errs = [(mp.polyval(p[::-1], x) / mp.polyval(q[::-1], x) - F) * w
                for x, F, w in zip(xs, Fs, W)]
        mx = max(abs(e) for e in errs)
        if best is None or mx < best[0]:
            best = (mx, p, q)
        qprev = [mp.polyval(q[::-1], x) for x in xs]
        tot = sum(l * abs(e) for l, e in zip(lam, errs))
        lam = [l * abs(e) / tot for l, e in zip(lam, errs)]
    mp.mp.dps = 50
    return best


def _report(name, f, a, b, n, m, wfun=None, offset=0):
    mx, p, q = _fit(f, a, b, n, m, wfun)
    mp.mp.dps = 60
    pd = [mp.mpf(float(v)) for v in p]
    qd = [mp.mpf(float(v)) for v in q]
    me = 0
    for i in range(301):
        x = mp.mpf(a) + (mp.mpf(b) - a) * i / 300
        F = f(x)
        w = wfun(x) if wfun else 1 / abs(F)
        me = max(me, abs(mp.polyval(pd[::-1], x) / mp.polyval(qd[::-1], x) - F) * w)
    mp.mp.dps = 50
    print('%s: (%d,%d) on [%s, %s], fit %s, f64 %s' % (name, n, m, a, b, mp.nstr(mx, 3), mp.nstr(me, 3)))
    print('  P =', [float(v) for v in p])
    print('  Q =', [float(v) for v in q], flush=True)


def fit_all():
    mp.mp.dps = 60
    x0 = mp.findroot(mp.digamma, mp.mpf('1.4616321449683623'))
    tiny = mp.mpf(10) ** -12

    def psi_F(t):  # digamma.rs F: ψ(1+t)/(1+t−x0) (1 + P/Q)
        x = 1 + t
        return mp.psi(1, x0) if abs(x - x0) < mp.mpf(10) ** -30 else mp.digamma(x) / (x - x0)

    def psi_R(y):  # digamma.rs R: (x(ln x − ψ(x)) − 1/2)/y, y = 1/x
        if y < tiny:
            return mp.mpf(1) / 12 - y**2 / 120
        x = 1 / y
        return ((mp.log(x) - mp.digamma(x)) * x - mp.mpf(0.5)) / y

    def tri_1p(t):  # trigamma.rs T: ψ′(1+t)
        return mp.psi(1, 1 + t)

    def tri_R(y):  # trigamma.rs R: (xψ′(x) − 1 − y/2)/y²
        if y < tiny:
            return mp.mpf(1) / 6 - y**2 / 30
        x = 1 / y
        return (mp.psi(1, x) * x - 1 - y / 2) / y**2

    def lg_H(x):  # ln_gamma.rs H: lnΓ(x)/((x−1)(x−2))
        if abs(x - 1) < mp.mpf(10) ** -40:
            return +mp.euler
        if abs(x - 2) < mp.mpf(10) ** -40:
            return mp.digamma(2)
        return mp.loggamma(x) / ((x - 1) * (x - 2))

    def st(z):  # ln_gamma.rs S: Stirling remainder times x, z = 1/x²
        if z < mp.mpf(10) ** -20:
            return mp.mpf(1) / 12 - z / 360
        x = 1 / mp.sqrt(z)
        return (mp.loggamma(x) - (x - mp.mpf(0.5)) * mp.log(x) + x - mp.log(2 * mp.pi) / 2) * x

    print('x0 - 1 = hi + lo:', repr(float(x0 - 1)), repr(float(x0 - 1 - mp.mpf(float(x0 - 1)))))
    # F = 1 + P/Q: fit F − 1, error weighted relative to F
    _report('digamma F-1', lambda t: psi_F(t) - 1, 0, 1, 6, 6, wfun=lambda t: 1 / abs(psi_F(t)))
    _report('digamma R', psi_R, 0, 0.5, 7, 7)  # R_P/R_Q (psi_1p_big, reflection)

    def psi_w(y):  # weight: the error of y²R relative to ψ(x)
        return y**2 / abs(mp.log(1 / tiny)) if y < tiny else y**2 / abs(mp.digamma(1 / y))
    _report('digamma R6', psi_R, 0, 0.5, 6, 6, wfun=psi_w)  # R6_P/R6_Q (psi_ge2)
    _report('trigamma T', tri_1p, 0, 1, 7, 7)

    def tri_w(y):  # weight: the error of y²R relative to xψ′(x) = 1 + y/2 + y²R
        return y**2 if y < tiny else y**2 / (mp.psi(1, 1 / y) / y)
    _report('trigamma R', tri_R, 0, 0.5, 6, 7, wfun=tri_w)  # R_P/R_Q (tg_ge2)
    # ln Γ pieces: H = Y + P(t)/Q(t), t = x − C; Y = mean of H at the ends, rounded to 2^-20;
    # error weighted relative to H.
    for (a, b, c) in [(1, 2, 1), (2, 4, 2), (4, 8, 6)]:
        Y = float(mp.nint((lg_H(mp.mpf(a)) + lg_H(mp.mpf(b))) / 2 * 2**20) / 2**20)
        print('ln_gamma piece [%d,%d): C = %d, Y = %r' % (a, b, c, Y))
        _report('ln_gamma H-Y', lambda t, c=c, Y=Y: lg_H(t + c) - Y, a - c, b - c, 6, 6,
                wfun=lambda t, c=c: 1 / abs(lg_H(t + c)))
    _report('ln_gamma Stirling S', st, 0, mp.mpf(1) / 64, 3, 3)
    print('(ln(2pi) - 1)/2 =', repr(float(mp.log(2 * mp.pi) / 2 - mp.mpf(0.5))))
    neg_zero_tables()
    reflection_dd_tables()
    print('log table (digamma.rs LOG_TAB): for i in 0..256, c = 1 + (i + 1/2)/256:')
    for i in range(256):
        c = 1 + (mp.mpf(i) + mp.mpf(0.5)) / 256
        lc = mp.log(c)
        hi = float(mp.nint(lc * 2**42) / 2**42)
        print('    [%r, %r, %r],' % (float(1 / c), hi, float(lc - hi)))


NEG_TAYLOR_DEG = 28


def neg_zero_tables():
    """digamma.rs NEG_ZEROS, NEG_ZERO_TAYLOR: the zeros z_k of ψ in (−k, −k+1), k = 1..30, as
    [hi, lo], and the Taylor coefficients ψ^(j)(z_k)/j!, j = 1..=NEG_TAYLOR_DEG; 'radius' is
    where the first omitted term falls below 2^-56 of the linear one."""
    mp.mp.dps = 60
    print('zeros of psi in (-k, -k+1), k = 1..30, [hi, lo], and Taylor coefficients psi^(j)(z)/j!,'
          ' j = 1..%d (digamma.rs NEG_ZEROS, NEG_ZERO_TAYLOR); safe radius: truncation < 2^-56:'
          % NEG_TAYLOR_DEG)
    n = NEG_TAYLOR_DEG
    zs, cs = [], []
    for k in range(1, 31):
        z = mp.findroot(mp.digamma, (mp.mpf(-k) + mp.mpf('1e-9'), mp.mpf(-k + 1) - mp.mpf('1e-9')),
                        solver='anderson')
        c = [mp.psi(j, z) / mp.factorial(j) for j in range(1, n + 2)]
        rho = (mp.mpf(2) ** -56 * abs(c[0]) / abs(c[n])) ** (mp.mpf(1) / n)
        zh = float(z)
        print('    k=%d radius %s' % (k, mp.nstr(rho, 4)))
        zs.append('    [%r, %r],' % (zh, float(z - zh)))
        cs.append('    [' + ', '.join(repr(float(v)) for v in c[:n]) + '],')
    print('\n'.join(zs))
    print('\n'.join(cs))
    mp.mp.dps = 50


def reflection_dd_tables():
    """digamma_dd.rs: constants of the double-double reflection (pairs are [hi, lo])."""
    mp.mp.dps = 60

    def dd(v):
        hi = float(v)
        return '(%r, %r)' % (hi, float(v - mp.mpf(hi)))

    l1 = float.fromhex('0x1.62e42fee00000p-1')
    l2 = float(mp.log(2) - l1)
    print('PI_DD', dd(mp.pi))
    print('LN2_2, LN2_3', repr(l2), repr(float(mp.log(2) - l1 - l2)))
    print('LN1P_DD', [dd(mp.mpf((-1) ** (n + 1)) / n) for n in range(1, 7)])
    print('LN1P_TAIL', [repr(float(mp.mpf((-1) ** (n + 1)) / n)) for n in range(7, 15)])
    b = [mp.bernoulli(2 * k) / (2 * k) for k in range(1, 13)]
    print('ASYM_DD', [dd(v) for v in b[:4]])
    print('ASYM_TAIL', [repr(float(v)) for v in b[4:]])
    t = mp.taylor(lambda v: v * mp.cot(v) if v != 0 else mp.mpf(1), 0, 14)
    print('BCOT_DD', [dd(t[2 * k]) for k in range(1, 4)])
    print('BCOT_TAIL', [repr(float(t[2 * k])) for k in range(4, 7)])
    print('COT_TAB: cot(pi i/128), i = 1..=64')
    for i in range(1, 65):
        print('    %s,' % dd(mp.cot(mp.pi * i / 128) if i < 64 else mp.mpf(0)))
    mp.mp.dps = 50


if __name__ == '__main__':
    main()

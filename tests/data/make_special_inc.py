#!/usr/bin/env python3
"""Reference tables and kernel constants for simstat's regularized incomplete gamma.

Tables (``main()``): tests/data/gamma_inc_{grid,band,tails,f32}.txt. One point a line:

    a_hex x_hex P_hi P_lo Q_hi Q_lo

``a_hex``/``x_hex`` are the exact f64 bit patterns of the inputs (16 hex digits). The reference
P(a, x) = mpmath.gammainc(a, 0, x, regularized=True) and Q(a, x) = mpmath.gammainc(a, x, inf,
regularized=True), evaluated at mp.dps = 50 on the exact inputs, are written as an unevaluated
double-double: ``*_hi`` is the f64 nearest the reference, ``*_lo`` the f64 nearest the remainder
(both as 16 hex digits), so the tests measure ULP errors without the 0.5 ULP quantization of a
rounded reference. Lines starting with '#' are comments. In gamma_inc_f32.txt the inputs are
f32 values (written as the f64 bit patterns of those values).

Kernel constants (``python3 make_special_inc.py --coeffs``): regenerates
src/special/gamma_inc_consts.rs (the table of the double-double logarithm, the polynomial for
1/Γ(1+f), Temme's c_k(η) on sub-intervals, the erfcx fit), all computed here with mpmath.
The generated file is exempt from rustfmt (`#[rustfmt::skip]` on its `mod` line).

Exponential table (``python3 make_special_inc.py --exp-table``): prints the constants of
``exp_neg_dd`` in src/special/dd.rs (ln2/128 split, 128/ln2, 2^(j/128) as double-doubles),
pasted there by hand.

Needs mpmath (``pip install mpmath``). Deterministic (fixed seeds).
"""
import math
import os
import random
import struct
import sys

import mpmath as mp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def f2h(v):
    return '%016x' % struct.unpack('<Q', struct.pack('<d', float(v)))[0]


def h2f(s):
    return struct.unpack('<d', struct.pack('<Q', int(s, 16)))[0]


def to_f32(v):
    return struct.unpack('<f', struct.pack('<f', v))[0]


def dd_hex(v):
    """mpf -> 'hi lo' (f64 nearest v, f64 nearest v - hi)."""
    hi = float(v)  # mpmath rounds to nearest
    lo = float(v - mp.mpf(hi))
    return f2h(hi) + ' ' + f2h(lo)


# ----------------------------------------------------------------------------------------------
# Reference tables
# ----------------------------------------------------------------------------------------------

def ref_pq(a, x):
    a = mp.mpf(a)
    x = mp.mpf(x)
    p = mp.gammainc(a, 0, x, regularized=True)
    q = mp.gammainc(a, x, mp.inf, regularized=True)
    return p, q


def logspace(lo, hi, n):
    return [lo * (hi / lo) ** (i / (n - 1)) for i in range(n)]


def a_values():
    a = set(logspace(0.3, 1000.0, 41))
    a.update([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0, 10.5, 20.0, 20.5, 21.0, 30.0,
              50.0, 99.5, 100.0, 200.0, 200.5, 500.0, 999.5, 1000.0])
    return sorted(a)


def grid_points():
    """a log-spaced in [0.3, 1000] (plus integers, half-integers); x = m*a, m log-spaced in
    [1e-3, 10 + 50/a]; random points."""
    pts = []
    for a in a_values():
        top = 10.0 + 50.0 / a
        for m in logspace(1e-3, top, 33):
            pts.append((a, m * a))
    rng = random.Random(20260601)
    for _ in range(600):  # random points, log-uniform in a and x/a
        a = 0.3 * (1000.0 / 0.3) ** rng.random()
        m = 1e-3 * (10.0 / 1e-3) ** rng.random()
        pts.append((a, m * a))
    for _ in range(200):  # small a, x around 0.05..4 (the small-a formulas, slow CF)
        a = 0.3 * (3.0 / 0.3) ** rng.random()
        x = 0.05 * (4.0 / 0.05) ** rng.random()
        pts.append((a, x))
    return pts


def band_points():
    """x = a + t*sqrt(a), |t| <= 3, a log-spaced in [1, 1000] plus random a."""
    pts = []
    rng = random.Random(777)
    alist = logspace(1.0, 1000.0, 40) + [20.0, 21.0, 100.0, 1000.0]
    alist += [1.0 * 1000.0 ** rng.random() for _ in range(40)]
    for a in alist:
        for i in range(25):
            t = -3.0 + 6.0 * i / 24.0 + 0.01 * rng.uniform(-1, 1)
            x = a + t * a ** 0.5
            if x > 0:
                pts.append((a, x))
        pts.append((a, a))
        pts.append((a, a + 1.0))
        pts.append((a, a - 1.0 / 3.0))
    return pts


def tail_points():
    """Deep tails: x where P or Q is about 10^-k, k up to 290 (the log of the leading term solved
    by Newton in double; the reference is then computed exactly at the rounded x)."""
    pts = []
    alist = logspace(0.3, 1000.0, 27) + [1.0, 2.5, 10.0, 100.0, 500.0]
    ks = [5, 10, 20, 40, 60, 100, 150, 200, 250, 270, 280, 290]
    for a in alist:
        lga = math.lgamma(a)
        for k in ks:
            t = -k * math.log(10.0)
            # lower tail: ln P ~ a ln x - x - lgamma(a+1) - ln(1 - x/(a+1))
            x = math.exp((t + math.lgamma(a + 1.0)) / a)
            for _ in range(60):
                if not (x > 0 and math.isfinite(x)):
                    break
                r = x / (a + 1.0)
                if r >= 0.95:
                    x = None
                    break
                f = a * math.log(x) - x - math.lgamma(a + 1.0) - math.log1p(-r) - t
                df = a / x - 1.0 + 1.0 / (a + 1.0 - x)
                xn = x - f / df
                if xn <= 0:
                    xn = x / 2
                if abs(xn - x) <= 1e-15 * x:
                    x = xn
                    break
                x = xn
            if x is not None and x > 1e-300 and math.isfinite(x):
                pts.append((a, x))
            # upper tail: ln Q ~ (a-1) ln x - x - lgamma(a) - ln(1 - (a-1)/x)
            x = max(a + 10.0, -t + a * math.log(-t + a + 10))
            for _ in range(100):
                r = (a - 1.0) / x
                f = (a - 1.0) * math.log(x) - x - lga - math.log1p(-r) - t
                df = (a - 1.0) / x - 1.0 + (a - 1.0) / (x * x - (a - 1.0) * x)
                xn = x - f / df
                if xn <= a:
                    xn = (x + a) / 2
                if abs(xn - x) <= 1e-15 * x:
                    x = xn
                    break
                x = xn
            pts.append((a, x))
    return pts


def f32_points():
    """f32 inputs: a log-uniform in [0.3, 1000], x/a log-uniform in [1e-2, 5], plus x near a."""
    rng = random.Random(3232)
    pts = []
    for i in range(600):
        a = to_f32(0.3 * (1000.0 / 0.3) ** rng.random())
        if i % 2:
            x = to_f32(a * (1e-2 * 500.0 ** rng.random()))
        else:
            x = to_f32(a + rng.uniform(-3, 3) * a ** 0.5)
        if x > 0:
            pts.append((a, x))
    return pts


def write_table(name, pts, header):
    path = os.path.join(HERE, name)
    seen = set()
    lines = []
    for a, x in pts:
        key = (f2h(a), f2h(x))
        if key in seen:
            continue
        seen.add(key)
        p, q = ref_pq(h2f(key[0]), h2f(key[1]))
        if p < mp.mpf('1e-305') and q < mp.mpf('1e-305'):
            continue
        lines.append('%s %s %s %s' % (key[0], key[1], dd_hex(p), dd_hex(q)))
    with open(path, 'w') as f:
        f.write('# ' + header + '\n')
        f.write('# a_hex x_hex P_hi P_lo Q_hi Q_lo  (mpmath gammainc, mp.dps = 50; '
                'generated by make_special_inc.py)\n')
        f.write('\n'.join(lines) + '\n')
    print('%s: %d points' % (name, len(lines)))


def main():
    mp.mp.dps = 50
    write_table('gamma_inc_grid.txt', grid_points(),
                'grid: a in [0.3, 1000] log-spaced + integers/half-integers, x = m*a, '
                'm in [1e-3, 10 + 50/a]; random points')
    write_table('gamma_inc_band.txt', band_points(),
                'band: x = a + t*sqrt(a), |t| <= 3, a in [1, 1000]')
    write_table('gamma_inc_tails.txt', tail_points(),
                'tails: P or Q about 10^-k, k up to 290')
    write_table('gamma_inc_f32.txt', f32_points(),
                'f32 inputs: a in [0.3, 1000], x/a in [1e-2, 5] and x = a + t sqrt(a)')


# ----------------------------------------------------------------------------------------------
# Kernel constants
# ----------------------------------------------------------------------------------------------

def _mul(a, b):
    n = min(len(a), len(b))
    r = [mp.mpf(0)] * n
    for i in range(n):
        if a[i] == 0:
            continue
        for j in range(n - i):
            r[i + j] += a[i] * b[j]
    return r


def _inv(a):
    n = len(a)
    r = [mp.mpf(0)] * n
    r[0] = 1 / a[0]
    for k in range(1, n):
        r[k] = -sum(a[j] * r[k - j] for j in range(1, k + 1)) / a[0]
    return r


def _pow(a, p):
    n = len(a)
    r = [mp.mpf(0)] * n
    r[0] = a[0] ** p
    for k in range(1, n):
        r[k] = sum((p * j - (k - j)) * a[j] * r[k - j] for j in range(1, k + 1)) / (k * a[0])
    return r


def _compose(f, g):
    n = len(g)
    r = [mp.mpf(0)] * n
    p = [mp.mpf(1)] + [mp.mpf(0)] * (n - 1)
    for k in range(len(f)):
        if k > 0:
            p = _mul(p, g)
        for i in range(n):
            r[i] += f[k] * p[i]
    return r


def temme_coeffs(nk, deg):
    """Taylor coefficients in eta of Temme's c_k(eta), k < nk (DLMF 8.12.8-8.12.9):
    c_0 = 1/(lambda-1) - 1/eta, c_k = (1/eta) c_{k-1}' + (-1)^k g_k/(lambda-1), with
    eta^2/2 = lambda - 1 - ln(lambda) and g_k the Stirling-series coefficients of Gamma."""
    m = deg + 2 * nk + 6
    # phi(u) = sqrt(2 (u - ln(1+u))) = u * f(u)^(1/2), f(u) = sum 2 (-1)^k u^k / (k+2);
    # mu = lambda - 1 = phi^{-1}(eta) by Newton iteration on power series.
    fco = [2 * (-1) ** k / mp.mpf(k + 2) for k in range(m)]
    phi = [mp.mpf(0)] + _pow(fco, mp.mpf('0.5'))[:m - 1]          # series of phi(u) in u
    dphi = [(j + 1) * phi[j + 1] for j in range(m - 1)] + [mp.mpf(0)]  # phi'(u)
    eta = [mp.mpf(0), mp.mpf(1)] + [mp.mpf(0)] * (m - 2)
    mu = eta[:]
    for _ in range(12):  # quadratic convergence: 2^12 >> m coefficients
        resid = [a - b for a, b in zip(_compose(phi, mu), eta)]
        step = _mul(resid, _inv(_compose(dphi, mu)))
        mu = [a - b for a, b in zip(mu, step)]
        if max(abs(v) for v in resid) < mp.mpf(10) ** (-mp.mp.dps + 10):
            break
    w = mu[1:] + [mp.mpf(0)]
    iw = _inv(w)  # 1/(lambda-1) = iw/eta
    nl = nk + 2
    ls = [mp.mpf(0)] * nl  # ln Gamma*(z) = sum B_2j/(2j(2j-1)) z^(1-2j)
    for j in range(1, nl):
        if 2 * j - 1 < nl:
            ls[2 * j - 1] = mp.bernoulli(2 * j) / (2 * j * (2 * j - 1))
    g = [mp.mpf(0)] * nl
    g[0] = mp.mpf(1)
    for k in range(1, nl):
        g[k] = sum(j * ls[j] * g[k - j] for j in range(1, k + 1)) / k
    c = [[iw[j + 1] for j in range(m - 1)]]
    for k in range(1, nk):
        prev = c[-1]
        s = (-1) ** k * g[k]
        assert abs(prev[1] + s * iw[0]) < mp.mpf(10) ** (-mp.mp.dps + 50) * (1 + abs(s)), k
        c.append([(j + 2) * prev[j + 2] + s * iw[j + 1] for j in range(len(prev) - 2)])
    return c


def eta_of(lam):
    lam = mp.mpf(lam)
    v = mp.sqrt(2 * (lam - 1 - mp.log(lam)))
    return v if lam > 1 else -v


def rust_f64(v):
    s = repr(float(v))
    if 'e' not in s and '.' not in s:
        s += '.0'
    return s


TEMME_TOL_BITS = int(os.environ.get('TEMME_TOL_BITS', '56'))
TEMME_SETS = (('T100', 100), ('T20', 20), ('T10', 10))


def gen_coeffs(path):
    mp.mp.dps = 60
    out = []
    out.append('//! Constants for the incomplete gamma kernels, generated by\n'
               '//! tests/data/make_special_inc.py --coeffs (mpmath). Do not edit by hand.\n'
               '#![allow(clippy::excessive_precision, clippy::unreadable_literal, clippy::approx_constant)]\n')

    # ln table: c_i = 1 + (i - 32)/128, i = 0..=96: 1/c_i split as a 26-bit head plus a
    # tail (so that d * head is exact after one Veltkamp split of d), ln c_i as hi + lo.
    out.append('/// For c = 1 + (i − 32)/128, i = 0..=96: [h, l, lh, ll] with h = 1/c rounded to 26')
    out.append('/// significant bits, l = fl(1/c − h), lh + ll = ln c (double-double).')
    out.append('pub(super) const LN_TABLE: [[f64; 4]; 97] = [')
    for i in range(0, 97):
        cc = 1 + mp.mpf(i - 32) / 128
        ic = 1 / cc
        e = mp.floor(mp.log(ic, 2))
        sc = mp.mpf(2) ** (25 - e)
        h = mp.nint(ic * sc) / sc
        assert mp.mpf(float(h)) == h
        l = float(ic - h)
        v = mp.log(cc)
        hi = float(v)
        lo = float(v - mp.mpf(hi))
        out.append('    [%s, %s, %s, %s],' % (rust_f64(h), rust_f64(l), rust_f64(hi), rust_f64(lo)))
    out.append('];\n')

    # 1/Gamma(1+f) = 1 + f*h(f - 1/2), f in [0, 1]
    def h(t):
        f = t + mp.mpf(1) / 2
        if f == 0:
            return +mp.euler
        return (mp.rgamma(1 + f) - 1) / f
    poly, err = mp.chebyfit(h, [-0.5, 0.5], 16, error=True)
    out.append('/// h(t) with 1/Γ(1 + f) = 1 + f·h(f − 1/2) on f ∈ [0, 1]: Chebyshev fit, degree 15,')
    out.append('/// max abs error %s (|h| ≥ 0.42); Horner order (highest degree first).'
               % mp.nstr(err, 3))
    out.append('pub(super) const RGAM_H: [f64; %d] = [' % len(poly))
    for v in poly:
        out.append('    %s,' % rust_f64(v))
    out.append('];\n')

    # erfcx(z) = exp(z^2) erfc(z): Chebyshev fits of degree 10 in t = z - centre on pieces
    # [0, 2) width 1/8, [2, 6) width 1/4, [6, 12) width 1/2 (44 pieces); z >= 12:
    # erfcx(z) = F(1/z^2) / (z sqrt(pi)) with F a degree-8 Chebyshev fit on [0, 1/144].
    def erfcx(z):
        return mp.exp(z * z) * mp.erfc(z)
    pieces = []
    for lo, hi, wd in ((0, 2, mp.mpf(1) / 8), (2, 6, mp.mpf(1) / 4), (6, 12, mp.mpf(1) / 2)):
        zz = mp.mpf(lo)
        while zz < hi:
            cc = zz + wd / 2
            poly, err = mp.chebyfit(lambda t: erfcx(cc + t), [-wd / 2, wd / 2], 11, error=True)
            worst = max(abs(mp.polyval(poly, t) / erfcx(cc + t) - 1)
                        for t in mp.linspace(-wd / 2, wd / 2, 41))
            assert worst < mp.mpf(2) ** -56, (zz, worst)
            pieces.append(poly)
            zz += wd
    def fu(u):
        if u == 0:
            return mp.mpf(1)
        z = 1 / mp.sqrt(u)
        return z * mp.sqrt(mp.pi) * erfcx(z)
    tailp, err = mp.chebyfit(fu, [0, mp.mpf(1) / 144], 9, error=True)
    assert err < mp.mpf(2) ** -57, err
    out.append('/// erfcx(z) = e^{z²} erfc(z) on [0, 12): degree-10 polynomials in z − centre; pieces of')
    out.append('/// width 1/8 on [0, 2), 1/4 on [2, 6), 1/2 on [6, 12) (44 pieces, centres at the')
    out.append('/// midpoints), relative error < 2^-56 (checked on 41 points a piece). Highest degree first.')
    out.append('pub(super) const ERFCX_PIECES: [[f64; 11]; %d] = [' % len(pieces))
    for poly in pieces:
        out.append('    [%s],' % ', '.join(rust_f64(v) for v in poly))
    out.append('];')
    out.append('/// z ≥ 12: erfcx(z) = F(1/z²)/(z√π), F of degree 8 (abs. error %s). Highest first.'
               % mp.nstr(err, 3))
    out.append('pub(super) const ERFCX_TAIL: [f64; %d] = [%s];\n'
               % (len(tailp), ', '.join(rust_f64(v) for v in tailp)))

    # Temme c_k as functions of s = (x - a)/(x + a) = (lambda - 1)/(lambda + 1), so that the
    # polynomials need neither eta nor bd0 (s comes from one division of exact inputs):
    # Chebyshev fits in t = s - k/32 on the NINT sub-intervals [k/32 - 1/64, k/32 + 1/64],
    # k = KLO..KHI, covering s in [-0.25, 1/6] (that is |x/a - 1| <= 0.4). c_k(eta) from its
    # Taylor series at 0 (degree 44, radius 2 sqrt(pi)). Three sets: a >= 100, 20 <= a < 100,
    # 10 <= a < 20; in each the number of terms K makes max_s |c_k|/amin^k < TOL for k >= K up
    # to K + 3, and the degree per k (max over sub-intervals) makes the fit error of
    # c_k/amin^k below TOL.
    # Also F(s) with bd0 = (x - a) s F(s): F = 1 - s/3 + s^2/3 - s^3/5 + s^4/5 - ... (exact
    # series), per sub-interval as F(k/32) = Fh + Fl (Fh with 26 significant bits) plus
    # t G(t), G fitted to absolute error TOL_F / H.
    tol = mp.mpf(2) ** -TEMME_TOL_BITS
    mp.mp.dps = 110
    c = temme_coeffs(26, 44)
    mp.mp.dps = 60
    KLO, KHI = -8, 5
    nint = KHI - KLO + 1
    H = mp.mpf(1) / 64
    centres = [mp.mpf(k) / 32 for k in range(KLO, KHI + 1)]

    def eta_s(s):
        if s == 0:
            return mp.mpf(0)
        with mp.workdps(220):
            s = mp.mpf(s)
            lam = (1 + s) / (1 - s)
            v = mp.sqrt(2 * (lam - 1 - mp.log(lam)))
            v = v if s > 0 else -v
        return +v

    def ck_at(k, s):
        e = eta_s(s)
        return mp.polyval(list(reversed(c[k])), e)

    slo, shi = mp.mpf(-1) / 4, mp.mpf(1) / 6

    def ck_max(k):
        return max(abs(ck_at(k, s)) for s in [slo, shi] + centres)

    def fit(f, bound):
        """Lowest-degree Chebyshev fit of f on [-H, H] with max error (checked on 61 points)
        below bound; coefficients highest degree first."""
        for n in range(0, 30):
            poly, _ = mp.chebyfit(f, [-H, H], n + 1, error=True)
            worst = max(abs(mp.polyval(poly, t) - f(t)) for t in mp.linspace(-H, H, 61))
            if worst < bound:
                return poly
        raise AssertionError('no fit')

    out.append('/// Temme sub-intervals in s = (x − a)/(x + a): [k/32 − 1/64, k/32 + 1/64] for')
    out.append('/// k = TEMME_KLO..TEMME_KLO + TEMME_NINT − 1 (row k − TEMME_KLO).')
    out.append('pub(super) const TEMME_KLO: i64 = %d;' % KLO)
    out.append('/// Number of Temme sub-intervals.')
    out.append('pub(super) const TEMME_NINT: usize = %d;\n' % nint)

    # F(s): exact series, shifted to the centres
    fser = [(-1) ** n / mp.mpf(2 * ((n + 1) // 2) + 1) for n in range(160)]

    def shift(co, e0):
        return [sum(co[m] * mp.binomial(m, j) * e0 ** (m - j) for m in range(j, len(co)))
                for j in range(len(co))]
    frows = []
    fdeg = 0
    rdeg = 0
    tol_f = mp.mpf(2) ** -60
    for sc in centres:
        g = shift(fser, sc)
        fc = g[0]
        e = mp.floor(mp.log(abs(fc), 2))
        scl = mp.mpf(2) ** (25 - e)
        fh = mp.nint(fc * scl) / scl
        fl = fc - fh
        gt = lambda t, g=g: mp.polyval(list(reversed(g[1:60])), t)
        poly = fit(gt, tol_f / H)
        rt = lambda t, g=g: mp.sqrt(2 * mp.polyval(list(reversed(g[:60])), t))
        rpoly = fit(rt, mp.mpf(2) ** -55)
        frows.append((fh, fl, poly, rpoly))
        fdeg = max(fdeg, len(poly) - 1)
        rdeg = max(rdeg, len(rpoly) - 1)
    rows = []
    for fh, fl, poly, rpoly in frows:
        gt_poly = [mp.mpf(0)] * (fdeg + 1 - len(poly)) + list(poly)
        r_poly = [mp.mpf(0)] * (rdeg + 1 - len(rpoly)) + list(rpoly)
        rows.append([fh, fl] + gt_poly + r_poly)
    out.append('/// bd0(a, x) = (x − a)·s·F(s): per sub-interval [Fh, Fl, G…] with F(k/32) = Fh + Fl')
    out.append('/// (Fh with 26 significant bits) and F(k/32 + t) − F(k/32) = t·G(t), G of degree %d' % fdeg)
    out.append('/// (highest first, error below 2^-60/t), then R(t) ≈ √(2 F(k/32 + t)) of degree %d' % rdeg)
    out.append('/// (highest first, error below 2^-55).')
    out.append('pub(super) const TEMME_F: [[f64; %d]; %d] = [' % (fdeg + rdeg + 4, nint))
    for r in rows:
        out.append('    [%s],' % ', '.join(rust_f64(v) for v in r))
    out.append('];\n')

    out.append("/// Σ row[OFF + j]·t^(N−1−j) (highest degree first) by Estrin's scheme: pairs c + c'·t, then")
    out.append('/// pairs of those with t², t⁴, …, so the dependency chain is ⌈log2 N⌉ multiply-adds instead')
    out.append('/// of N − 1. OFF, N are constants (OFF + N ≤ M), so the loops unroll fully.')
    out.append('#[inline(always)]')
    out.append('pub(super) fn poly_at<const OFF: usize, const N: usize, const M: usize>(row: &[f64; M], t: f64) -> f64 {')
    out.append('    let mut b = [0.0; N];')
    out.append('    let mut j = 0;')
    out.append('    while j < N {')
    out.append('        b[j] = row[OFF + N - 1 - j]; // ascending')
    out.append('        j += 1;')
    out.append('    }')
    out.append('    let mut n = N;')
    out.append('    let mut p = t;')
    out.append('    while n > 1 {')
    out.append('        let m = n.div_ceil(2);')
    out.append('        let mut k = 0;')
    out.append('        while k < m {')
    out.append('            b[k] = if 2 * k + 1 < n {')
    out.append('                b[2 * k] + p * b[2 * k + 1]')
    out.append('            } else {')
    out.append('                b[2 * k]')
    out.append('            };')
    out.append('            k += 1;')
    out.append('        }')
    out.append('        n = m;')
    out.append('        p *= p;')
    out.append('    }')
    out.append('    b[0]')
    out.append('}\n')

    def estrin(names, zname):
        # returns (code lines, expr) evaluating sum names[k] z^k
        lines = []
        terms = list(names)
        pw = zname
        level = 0
        while len(terms) > 1:
            nxt = []
            fmt = '%s + %s * %s' if len(terms) <= 2 else '(%s + %s * %s)'
            for q in range(0, len(terms), 2):
                if q + 1 < len(terms):
                    nxt.append(fmt % (terms[q], pw, terms[q + 1]))
                else:
                    nxt.append(terms[q])
            if len(nxt) > 1:
                lines.append('    let %s_%d = %s * %s;' % (zname, level + 1, pw, pw))
                pw = '%s_%d' % (zname, level + 1)
            level += 1
            terms = nxt
        return lines, terms[0]

    info = []
    for name, amin in TEMME_SETS:
        nk = None
        for k in range(len(c) - 3):
            if all(ck_max(k2) / mp.mpf(amin) ** k2 < tol for k2 in range(k, k + 4)):
                nk = k
                break
        assert nk is not None
        polys = []
        degs = []
        for k in range(nk):
            bound = tol * mp.mpf(amin) ** k
            pk = [fit(lambda t, k=k, sc=sc: ck_at(k, sc + t), bound) for sc in centres]
            dk = max(len(p) - 1 for p in pk)
            pk = [[mp.mpf(0)] * (dk + 1 - len(p)) + list(p) for p in pk]
            polys.append(pk)
            degs.append(dk)
        info.append((name, amin, nk, degs))
        rs2pi = 1 / mp.sqrt(2 * mp.pi)
        width = sum(d + 1 for d in degs)
        out.append('/// Rows i = 0..%d: c_0, …, c_%d (times 1/√(2π)) concatenated, each highest degree first.'
                   % (nint, nk - 1))
        out.append('const %s: [[f64; %d]; %d] = [' % (name, width, nint))
        for it in range(nint):
            row = [v * rs2pi for k in range(nk) for v in polys[k][it]]
            out.append('    [%s],' % ', '.join(rust_f64(v) for v in row))
        out.append('];')
        out.append('')
        out.append('/// Σ_{k<%d} c_k a^{−k} / √(2π) for a ≥ %d, s = k/32 + t (row i), z = 1/a;'
                   % (nk, amin))
        out.append('/// c_k in degrees %s.' % degs)
        out.append('#[inline]')
        out.append('pub(super) fn %s_sum(i: usize, t: f64, z: f64) -> f64 {' % name.lower())
        out.append('    let r = &%s[i];' % name)
        names = []
        off = 0
        for k in range(nk):
            out.append('    let c%d = poly_at::<%d, %d, %d>(r, t);' % (k, off, degs[k] + 1, width))
            off += degs[k] + 1
            names.append('c%d' % k)
        lines, expr = estrin(names, 'z')
        out.extend(lines)
        out.append('    %s' % expr)
        out.append('}\n')
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')
    print('wrote', path, 'F degree', fdeg, 'R degree', rdeg, 'Temme sets (name, amin, K, degrees):', info)


def exp_table():
    """Constants of exp_neg_dd (src/special/dd.rs), printed as Rust."""
    mp.mp.dps = 60
    lq = mp.log(2) / 128
    bits = struct.unpack('<Q', struct.pack('<d', float(lq)))[0] & ~((1 << 18) - 1)
    lhi = struct.unpack('<d', struct.pack('<Q', bits))[0]  # 35 significant bits
    print('const EXP_L_HI: f64 = %r;' % lhi)
    print('const EXP_L_LO: f64 = %r;' % float(lq - mp.mpf(lhi)))
    print('const EXP_INV_L: f64 = %r;' % float(128 / mp.log(2)))
    print('const EXP_TAB: [[f64; 2]; 128] = [')
    for j in range(128):
        v = mp.mpf(2) ** (mp.mpf(j) / 128)
        h = float(v)
        print('    [%r, %r],' % (h, float(v - mp.mpf(h))))
    print('];')


if __name__ == '__main__':
    if '--exp-table' in sys.argv:
        exp_table()
    elif '--coeffs' in sys.argv:
        gen_coeffs(os.path.join(ROOT, 'src', 'special', 'gamma_inc_consts.rs'))
    else:
        main()

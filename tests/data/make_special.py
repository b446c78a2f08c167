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
# src/special/{digamma,trigamma,ln_gamma}.rs were derived. `python3 make_special.py fit`.
FIT_PLACEHOLDER = True


if __name__ == '__main__':
    main()

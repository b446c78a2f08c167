#!/usr/bin/env python3
"""mpmath reference tables for simstat::dist (run: python3 tests/data/make_dist.py).

Writes tests/data/dist_reference.csv and tests/data/dist_truncated_reference.csv.
Every x is a double; mpmath evaluates at that exact double (and the exact double parameters)
with 60 significant digits, so the table holds the correctly rounded values the kernels are
compared against. Columns are repr() of doubles ('-inf' allowed for ln_pdf).
"""
import math
from mpmath import mp, mpf, gammainc, loggamma, log, exp  # noqa: F401 (gammainc: spot check)

mp.dps = 60

# (shape, rate, shift): small/moderate/large shape, real-data-like fits and the normal-ish limit
PARAMS = [
    (0.3, 2.0, -0.5),
    (1.0, 5.0, -0.9),
    (2.5, 10.0, -0.4),
    (13.3, 35.5, -0.28),
    (45.5, 61.9, -0.637),
    (240.47, 129.16, -1.6831),
    (849.0, 315.04, -2.5496),
    (136203.25927826428, 7083.0805781574545, -19.226770158597205),
]


def pq(a, z):
    """(P(a, z), Q(a, z)) at mp.dps digits: series for P when z < a + 1, else Lentz continued
    fraction for Q; the other one as 1 - it (no cancellation issue at 60 digits)."""
    if z == 0:
        return mpf(0), mpf(1)
    lpre = a * log(z) - z - loggamma(a)
    if z < a + 1:
        term = mpf(1) / a
        tot = term
        n = 0
        while True:
            n += 1
            term *= z / (a + n)
            tot += term
            if term < tot * mpf(10) ** (-mp.dps):
                break
        p = exp(lpre) * tot
        return p, 1 - p
    tiny = mpf(10) ** (-400)
    b = z + 1 - a
    cc = 1 / tiny
    d = 1 / b
    h = d
    i = 0
    while True:
        i += 1
        an = -i * (i - a)
        b += 2
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        cc = b + an / cc
        if abs(cc) < tiny:
            cc = tiny
        d = 1 / d
        de = d * cc
        h *= de
        if abs(de - 1) < mpf(10) ** (-mp.dps):
            break
    q = exp(lpre) * h
    return 1 - q, q


def ref(shape, rate, shift, x):
    a, l, c, X = mpf(shape), mpf(rate), mpf(shift), mpf(x)
    z = l * (X - c)
    if z <= 0:
        return None
    lp = log(l) + (a - 1) * log(z) - z - loggamma(a)
    cdf, sf = pq(a, z)
    return lp, cdf, sf


def fmt(v):
    f = float(v)
    return repr(f)


def main():
    rows = []
    for (a, l, c) in PARAMS:
        sd = math.sqrt(a) / l
        mean = c + a / l
        xs = set()
        # z from deep lower tail to deep upper tail, log-spaced around the mean
        for k in range(-60, 61):
            z = a * math.exp(k * (0.35 if a < 50 else 0.35 / math.sqrt(a / 50)))
            xs.add(c + z / l)
        for k in range(-40, 41):
            xs.add(mean + k * 0.5 * sd)
        for x in sorted(xs):
            if not (x > c) or not math.isfinite(x):
                continue
            r = ref(a, l, c, x)
            if r is None:
                continue
            lp, cdf, sf = r
            if float(cdf) == 0.0 and float(sf) == 0.0:
                continue
            if cdf < mpf('1e-300') and sf < mpf('1e-300'):
                continue
            rows.append((a, l, c, x, fmt(lp), fmt(cdf), fmt(sf)))
    with open('tests/data/dist_reference.csv', 'w') as o:
        o.write('# shape,rate,shift,x,ln_pdf,cdf,sf  (mpmath, 60 digits, at the exact doubles)\n')
        for r in rows:
            o.write(','.join(repr(v) if isinstance(v, float) else str(v) for v in r) + '\n')
    # truncated to [-1, 1]
    trows = []
    for (a, l, c) in PARAMS:
        A, L, C = mpf(a), mpf(l), mpf(c)
        zlo = L * max(mpf(-1) - C, mpf(0))
        zhi = L * (mpf(1) - C)
        plo, qlo = pq(A, zlo)
        phi, qhi = pq(A, zhi)
        # each difference from the side whose values are small (no cancellation against 1)
        Z = (phi - plo) if plo < mpf(0.5) else (qlo - qhi)
        if Z < mpf('1e-290'):
            continue
        for k in range(1, 60):
            x = -1.0 + 2.0 * k / 60.0
            if x <= c:
                continue
            z = L * (mpf(x) - C)
            pz, qz = pq(A, z)
            cdf = (pz - plo) / Z
            sf = (qz - qhi) / Z
            lp = log(L) + (A - 1) * log(z) - z - loggamma(A) - log(Z)
            trows.append((a, l, c, x, fmt(lp), fmt(cdf), fmt(sf), fmt(log(Z))))
    with open('tests/data/dist_truncated_reference.csv', 'w') as o:
        o.write('# shape,rate,shift,x,ln_pdf,cdf,sf,ln_Z  truncated to [-1,1] (mpmath, 60 digits)\n')
        for r in trows:
            o.write(','.join(repr(v) if isinstance(v, float) else str(v) for v in r) + '\n')
    # spot check of pq against mpmath's own gammainc where that converges
    for a, z in [(2.5, 0.7), (13.3, 30.0), (45.5, 40.0)]:
        A, Zv = mpf(a), mpf(z)
        assert abs(pq(A, Zv)[0] / gammainc(A, 0, Zv, regularized=True) - 1) < mpf(10) ** -50
        assert abs(pq(A, Zv)[1] / gammainc(A, Zv, mp.inf, regularized=True) - 1) < mpf(10) ** -50
    print(len(rows), len(trows))


if __name__ == '__main__':
    main()

//! E-step: log-space component densities, log-sum-exp responsibilities, and the mergeable
//! per-pass sufficient statistics (first and second moments the M-step and Newton steps need).

use super::params::{ln_norm_derivs, Bounds, LnZ, Params};
use super::MAX_COMPONENTS;
use crate::special::ln_gamma;
use crate::support::vmath;

/// Responsibilities below this are treated as exactly 0 (the support trap: a shift may not pass a point its component still claims).
pub(crate) const R_FLOOR: f64 = 1e-10;
/// Length of the per-point feature vector φ = (r_k·(1, ln d, d, 1/d))_k.
pub(crate) const MAX_V: usize = 4 * MAX_COMPONENTS;
/// Packed upper triangle of a MAX_V × MAX_V matrix.
pub(crate) const PHI_LEN: usize = MAX_V * (MAX_V + 1) / 2;

/// Which statistics a pass accumulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// `repr(u8)` with `Grad = 0`: the all-zero bit pattern is a valid `Order`, so zeroed memory is
// a valid `MixtureWorkspace` (the C ABI's `simstat_fit_mixture_in` relies on it).
#[repr(u8)]
pub(crate) enum Order {
    /// Log-likelihood and what the gradient needs: S, Σ r ln d, Σ r d, Σ r/d per component
    /// (with the ln Z derivatives); the support minima (shift caps) only while a component sits
    /// at a shape floor of 1.
    Grad = 0,
    /// Log-likelihood and every first-order sum (the EM update's Σ r/d² and support minima).
    Em,
    /// Everything, with Σ φ φᵀ and the ln Z derivatives (the Newton step's Hessian).
    Hess,
}

/// Per-pass sufficient statistics of a mixture at fixed parameters. Sums only, so statistics of
/// disjoint shards [`merge`](SuffStats::merge) into those of their union (up to rounding).
///
/// With d = x − c_k and v = (1, ln d, d, 1/d): `w[k]` holds Σ r_k v vᵀ (packed 4 × 4 upper
/// triangle: S, Σ r ln d, Σ r d, Σ r/d, Σ r ln²d, …, Σ r/d²), `phi` holds Σ φ φᵀ for
/// φ = (r_k v_k)_k (only when second-order statistics are requested).
#[derive(Clone, Debug)]
pub struct SuffStats {
    pub(crate) k: usize,
    pub(crate) order: Order,
    pub(crate) second_order: bool,
    pub(crate) n: f64,
    pub(crate) count: u64,
    pub(crate) ll: f64,
    pub(crate) uncovered: u64,
    pub(crate) w: [[f64; 10]; MAX_COMPONENTS],
    pub(crate) xmin: [f64; MAX_COMPONENTS],
    pub(crate) phi: [f64; PHI_LEN],
    scratch: [f64; MAX_V],
    /// The block kernel's per-lane accumulators (scratch, not statistics: kept here so a pass
    /// needs no 20 KiB of stack for them).
    lanes: Lanes,
}

impl SuffStats {
    /// Empty statistics for `k` components, to be accumulated at `order`.
    pub(crate) fn new(k: usize, order: Order) -> Self {
        SuffStats {
            k: k.min(MAX_COMPONENTS),
            order,
            second_order: order == Order::Hess,
            n: 0.0,
            count: 0,
            ll: 0.0,
            uncovered: 0,
            w: [[0.0; 10]; MAX_COMPONENTS],
            xmin: [f64::INFINITY; MAX_COMPONENTS],
            phi: [0.0; PHI_LEN],
            scratch: [0.0; MAX_V],
            lanes: Lanes::blank(),
        }
    }

    /// Statistics of nothing, all bits zero: a buffer for
    /// [`pass_statistics_into`](crate::fit::pass_statistics_into) (e.g. in a `static` or a
    /// `Box`: about 43 KiB).
    #[must_use]
    pub const fn empty() -> Self {
        Self::blank()
    }

    /// Statistics of nothing, all bits zero (a buffer for [`SuffStats::reset`]).
    pub(crate) const fn blank() -> Self {
        SuffStats {
            k: 0,
            order: Order::Grad,
            second_order: false,
            n: 0.0,
            count: 0,
            ll: 0.0,
            uncovered: 0,
            w: [[0.0; 10]; MAX_COMPONENTS],
            xmin: [0.0; MAX_COMPONENTS],
            phi: [0.0; PHI_LEN],
            scratch: [0.0; MAX_V],
            lanes: Lanes::blank(),
        }
    }

    /// Empty these statistics for `k` components and `order` (zeroes only the entries K uses).
    pub(crate) fn reset(&mut self, k: usize, order: Order) {
        let k = k.min(MAX_COMPONENTS);
        self.k = k;
        self.order = order;
        self.second_order = order == Order::Hess;
        self.n = 0.0;
        self.count = 0;
        self.ll = 0.0;
        self.uncovered = 0;
        self.w[..k].fill([0.0; 10]);
        self.xmin[..k].fill(f64::INFINITY);
        let m = 4 * k;
        self.phi[..m * (m + 1) / 2].fill(0.0);
    }

    /// Copies the statistics of `o` into these (not the kernel's lanes: scratch).
    pub(crate) fn assign(&mut self, o: &SuffStats) {
        self.k = o.k;
        self.order = o.order;
        self.second_order = o.second_order;
        self.n = o.n;
        self.count = o.count;
        self.ll = o.ll;
        self.uncovered = o.uncovered;
        self.w = o.w;
        self.xmin = o.xmin;
        self.phi = o.phi;
        self.scratch = o.scratch;
    }

    /// Add the statistics of a disjoint shard (same parameters, same K) into these.
    pub fn merge(&mut self, other: &SuffStats) {
        self.n += other.n;
        self.count += other.count;
        self.ll += other.ll;
        self.uncovered += other.uncovered;
        for i in 0..self.k {
            for j in 0..10 {
                self.w[i][j] += other.w[i][j];
            }
            self.xmin[i] = self.xmin[i].min(other.xmin[i]);
        }
        if self.second_order && other.second_order {
            let m = 4 * self.k;
            for (a, b) in self.phi[..m * (m + 1) / 2]
                .iter_mut()
                .zip(other.phi[..m * (m + 1) / 2].iter())
            {
                *a += *b;
            }
        }
    }

    /// Total weight (number of points for unweighted data).
    pub fn weight(&self) -> f64 {
        self.n
    }

    /// Observed log-likelihood of the data seen, at the parameters of the pass (−∞ when a point
    /// lies outside every component's support).
    pub fn log_likelihood(&self) -> f64 {
        if self.uncovered > 0 {
            f64::NEG_INFINITY
        } else {
            self.ll
        }
    }

    /// Σ r_k for component `i` of the pass (internal order); 0 out of range.
    pub fn component_weight(&self, i: usize) -> f64 {
        if i < self.k {
            self.w[i][0]
        } else {
            0.0
        }
    }

    /// Largest relative difference of every accumulated sum against `other` (for checking that
    /// shard merges reproduce whole-data statistics).
    pub fn max_rel_diff(&self, other: &SuffStats) -> f64 {
        let rel = |a: f64, b: f64| {
            let s = a.abs().max(b.abs());
            if s == 0.0 {
                0.0
            } else {
                (a - b).abs() / s
            }
        };
        let mut d = rel(self.n, other.n).max(rel(self.ll, other.ll));
        for i in 0..self.k.min(other.k) {
            for j in 0..10 {
                d = d.max(rel(self.w[i][j], other.w[i][j]));
            }
        }
        if self.second_order && other.second_order {
            let m = 4 * self.k.min(other.k);
            for j in 0..m * (m + 1) / 2 {
                d = d.max(rel(self.phi[j], other.phi[j]));
            }
        }
        d
    }
}

/// Byte form (kind 2) of pass statistics, so shards computed elsewhere merge here: K, the
/// order of the pass, n, the count, the log-likelihood, the uncovered count, K × 10 first-order
/// sums, K support minima, and for a second-order pass the packed Σ φ φᵀ ((4K)(4K + 1)/2
/// values). Reading checks K, the order, and that no statistic is NaN.
impl crate::wire::ByteForm for SuffStats {
    const KIND: u16 = 2;

    fn payload_len(&self) -> usize {
        let k = self.k.min(MAX_COMPONENTS);
        let m = 4 * k;
        2 + 8 * 4
            + 8 * 11 * k
            + if self.second_order {
                8 * (m * (m + 1) / 2)
            } else {
                0
            }
    }

    fn write_payload(&self, w: &mut crate::wire::Writer<'_>) {
        let k = self.k.min(MAX_COMPONENTS);
        w.u8(k as u8);
        w.u8(self.order as u8);
        w.f64(self.n);
        w.u64(self.count);
        w.f64(self.ll);
        w.u64(self.uncovered);
        for row in &self.w[..k] {
            for &v in row {
                w.f64(v);
            }
        }
        for &v in &self.xmin[..k] {
            w.f64(v);
        }
        if self.second_order {
            let m = 4 * k;
            for &v in &self.phi[..m * (m + 1) / 2] {
                w.f64(v);
            }
        }
    }

    fn read_payload(r: &mut crate::wire::Reader<'_>) -> Result<Self, crate::wire::WireError> {
        let k = r.u8()? as usize;
        let order = r.u8()?;
        let (n, count, ll, uncovered) = (r.f64()?, r.u64()?, r.f64()?, r.u64()?);
        let mut st = SuffStats::from_header(k, order, n, count, ll, uncovered)?;
        for row in st.w.iter_mut().take(k) {
            for v in row.iter_mut() {
                *v = r.number("sums")?;
            }
        }
        for v in st.xmin.iter_mut().take(k) {
            *v = r.number("support minima")?;
        }
        let m = 4 * k;
        if st.second_order {
            for v in st.phi.iter_mut().take(m * (m + 1) / 2) {
                *v = r.number("second-order sums")?;
            }
        }
        Ok(st)
    }
}

impl SuffStats {
    /// Empty statistics with the given header after the checks of statistics read from
    /// outside: K in 1..=[`MAX_COMPONENTS`], a known order code (0 gradient, 1 EM, 2 Hessian),
    /// n ≥ 0, no NaN. The sums are then filled by the caller (each checked for NaN).
    pub(crate) fn from_header(
        k: usize,
        order: u8,
        n: f64,
        count: u64,
        ll: f64,
        uncovered: u64,
    ) -> Result<Self, crate::wire::WireError> {
        use crate::wire::WireError;
        if k == 0 || k > MAX_COMPONENTS {
            return Err(WireError::Invalid("k"));
        }
        let order = match order {
            0 => Order::Grad,
            1 => Order::Em,
            2 => Order::Hess,
            _ => return Err(WireError::Invalid("order")),
        };
        if !(n >= 0.0) {
            return Err(WireError::Invalid("n"));
        }
        if ll.is_nan() {
            return Err(WireError::Invalid("log_likelihood"));
        }
        let mut st = SuffStats::new(k, order);
        st.n = n;
        st.count = count;
        st.ll = ll;
        st.uncovered = uncovered;
        Ok(st)
    }
}

/// Per-component constants of one E-step pass.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Evaluator {
    pub k: usize,
    pub order: Order,
    pub second_order: bool,
    /// ln τ + α ln λ − ln Γ(α) − ln Z
    pub cst: [f64; MAX_COMPONENTS],
    pub am1: [f64; MAX_COMPONENTS],
    pub lam: [f64; MAX_COMPONENTS],
    pub c: [f64; MAX_COMPONENTS],
    pub lnz: [LnZ; MAX_COMPONENTS],
    /// false when some normaliser underflows (parameters infeasible)
    pub feasible: bool,
    /// Track the support minima in a gradient pass too (some component at a shape floor of 1,
    /// whose shift is capped by the lowest point it claims); the other orders always do.
    pub track_min: bool,
    /// Run the block kernel in f32 (`Kernel::F32`, K ≤ 4).
    pub single: bool,
}

impl Evaluator {
    /// Constants of nothing (no components), all bits zero: a buffer to assign into.
    pub const fn blank() -> Self {
        const Z: LnZ = LnZ {
            v: 0.0,
            g: [0.0; 3],
            h: [[0.0; 3]; 3],
        };
        Evaluator {
            k: 0,
            order: Order::Grad,
            second_order: false,
            cst: [0.0; MAX_COMPONENTS],
            am1: [0.0; MAX_COMPONENTS],
            lam: [0.0; MAX_COMPONENTS],
            c: [0.0; MAX_COMPONENTS],
            lnz: [Z; MAX_COMPONENTS],
            feasible: false,
            track_min: false,
            single: false,
        }
    }

    /// Precompute the constants for `p` (with ln Z derivatives unless `order` is `Em`), in
    /// place (no 2 KiB temporary on the caller's stack).
    #[inline(never)]
    pub fn set(&mut self, p: &Params, b: &Bounds, order: Order) {
        let e = self;
        e.k = p.k.min(MAX_COMPONENTS);
        e.order = order;
        e.second_order = order == Order::Hess;
        e.cst = [f64::NEG_INFINITY; MAX_COMPONENTS];
        e.am1 = [0.0; MAX_COMPONENTS];
        e.lam = [0.0; MAX_COMPONENTS];
        e.c = [0.0; MAX_COMPONENTS];
        e.lnz.fill(LnZ::default());
        e.feasible = p.is_valid();
        e.single = b.single;
        e.track_min = order != Order::Grad
            || (b.alpha_min <= 1.0
                && p.alpha[..p.k.min(MAX_COMPONENTS)]
                    .iter()
                    .any(|&a| a <= b.alpha_min * (1.0 + 1e-12)));
        for i in 0..e.k {
            let z = ln_norm_derivs(p.alpha[i], p.lambda[i], p.c[i], b, order != Order::Em);
            if !z.v.is_finite() {
                e.feasible = false;
            }
            e.lnz[i] = z;
            e.cst[i] = libm::log(p.tau[i]) + p.alpha[i] * libm::log(p.lambda[i])
                - ln_gamma(p.alpha[i])
                - z.v;
            e.am1[i] = p.alpha[i] - 1.0;
            e.lam[i] = p.lambda[i];
            e.c[i] = p.c[i];
        }
    }

    /// Log mixture density ln p(x) and (into `r`) the responsibilities; −∞ (r all 0) when no
    /// component covers x.
    #[inline(always)]
    pub fn ln_density(
        &self,
        x: f64,
        r: &mut [f64; MAX_COMPONENTS],
        ld: &mut [f64; MAX_COMPONENTS],
    ) -> f64 {
        let k = self.k;
        let mut lmax = f64::NEG_INFINITY;
        for i in 0..k {
            let d = x - self.c[i];
            if d > 0.0 {
                let l = libm::log(d);
                ld[i] = l;
                let li = self.cst[i] + self.am1[i] * l - self.lam[i] * d;
                r[i] = li;
                if li > lmax {
                    lmax = li;
                }
            } else {
                ld[i] = f64::NEG_INFINITY;
                r[i] = f64::NEG_INFINITY;
            }
        }
        if lmax == f64::NEG_INFINITY || lmax.is_nan() {
            r[..k].fill(0.0);
            return f64::NEG_INFINITY;
        }
        let mut s = 0.0;
        for ri in r[..k].iter_mut() {
            let e = if *ri == lmax {
                1.0
            } else if *ri == f64::NEG_INFINITY {
                0.0
            } else {
                libm::exp(*ri - lmax)
            };
            *ri = e;
            s += e;
        }
        let inv = 1.0 / s;
        for ri in r[..k].iter_mut() {
            *ri *= inv;
        }
        lmax + libm::log(s)
    }

    /// Accumulate one point `x` with weight `w` into `st`.
    #[inline(always)]
    pub fn add(&self, x: f64, w: f64, st: &mut SuffStats) {
        let k = self.k;
        let mut r = [0.0; MAX_COMPONENTS];
        let mut ld = [0.0; MAX_COMPONENTS];
        let lp = self.ln_density(x, &mut r, &mut ld);
        st.n += w;
        st.count += 1;
        if lp == f64::NEG_INFINITY || lp.is_nan() {
            st.uncovered += 1;
            return;
        }
        st.ll += w * lp;
        let phi = &mut st.scratch;
        for i in 0..k {
            let ri = r[i];
            if ri < R_FLOOR {
                if self.second_order {
                    phi[4 * i..4 * i + 4].fill(0.0);
                }
                continue;
            }
            let d = x - self.c[i];
            let v = [1.0, ld[i], d, 1.0 / d];
            let rw = ri * w;
            let wi = &mut st.w[i];
            wi[0] += rw;
            wi[1] += rw * v[1];
            wi[2] += rw * v[2];
            wi[3] += rw * v[3];
            wi[4] += rw * v[1] * v[1];
            wi[5] += rw * v[1] * v[2];
            wi[6] += rw * v[1] * v[3];
            wi[7] += rw * v[2] * v[2];
            wi[8] += rw; // d · (1/d)
            wi[9] += rw * v[3] * v[3];
            if x < st.xmin[i] {
                st.xmin[i] = x;
            }
            if self.second_order {
                phi[4 * i] = ri;
                phi[4 * i + 1] = ri * v[1];
                phi[4 * i + 2] = ri * v[2];
                phi[4 * i + 3] = ri * v[3];
            }
        }
        if self.second_order {
            let m = 4 * k;
            let mut idx = 0;
            for a in 0..m {
                let pa = phi[a] * w;
                if pa == 0.0 {
                    idx += m - a;
                    continue;
                }
                for (dst, pb) in st.phi[idx..idx + m - a].iter_mut().zip(phi[a..m].iter()) {
                    *dst += pa * pb;
                }
                idx += m - a;
            }
        }
    }

    /// Accumulate a slice of unit-weight points.
    pub fn add_slice(&self, xs: &[f64], st: &mut SuffStats) {
        self.begin(st);
        self.add_chunk(xs, None, st);
        self.finish(st);
    }

    /// Accumulate weighted points (x_j, w_j) (e.g. histogram bins); zero weights are skipped.
    pub fn add_weighted(&self, xs: &[f64], ws: &[f64], st: &mut SuffStats) {
        let n = xs.len().min(ws.len());
        self.begin(st);
        self.add_chunk(&xs[..n], Some(&ws[..n]), st);
        self.finish(st);
    }

    /// Starts a pass made of chunks ([`Self::add_chunk`] for each, then [`Self::finish`]): the
    /// block kernel's lanes and its carried partial block persist across the chunks, so a pass
    /// over any chunking of the data gives the same sums, bit for bit, as over one slice.
    pub(crate) fn begin(&self, st: &mut SuffStats) {
        match self.k {
            1 => st.lanes.reset::<1, 4>(),
            2 => st.lanes.reset::<2, 8>(),
            3 => st.lanes.reset::<3, 12>(),
            4 => st.lanes.reset::<4, 16>(),
            _ => {}
        }
        st.lanes.carry_len = 0;
        st.lanes.single.blocks = 0;
    }

    /// Adds one chunk of points (unit weights, or `ws`, as long as `xs`) to a pass begun with
    /// [`Self::begin`].
    pub(crate) fn add_chunk(&self, xs: &[f64], ws: Option<&[f64]>, st: &mut SuffStats) {
        match self.k {
            1 => self.chunk_k::<1, 4>(xs, ws, st),
            2 => self.chunk_k::<2, 8>(xs, ws, st),
            3 => self.chunk_k::<3, 12>(xs, ws, st),
            4 => self.chunk_k::<4, 16>(xs, ws, st),
            _ => match ws {
                None => {
                    for &x in xs {
                        self.add(x, 1.0, st);
                    }
                }
                Some(ws) => {
                    for (&x, &w) in xs.iter().zip(ws) {
                        if w > 0.0 {
                            self.add(x, w, st);
                        }
                    }
                }
            },
        }
    }

    /// Ends a pass begun with [`Self::begin`]: the carried partial block (padded with
    /// zero-weight copies) and the lanes' sums go into `st`.
    pub(crate) fn finish(&self, st: &mut SuffStats) {
        match self.k {
            1 => self.finish_k::<1, 4>(st),
            2 => self.finish_k::<2, 8>(st),
            3 => self.finish_k::<3, 12>(st),
            4 => self.finish_k::<4, 16>(st),
            _ => {}
        }
    }

    /// The K-component block kernel of this pass: f64, or f32 when `single`.
    #[inline(always)]
    fn kernel<const K: usize>(&self) -> BlockKernel<K> {
        if self.single {
            BlockKernel::Single(self.single_consts::<K>())
        } else {
            BlockKernel::Double(self.block_consts::<K>())
        }
    }

    /// The per-component constants of the f32 block kernel: each point is taken relative to
    /// its component's mean m = c + d₀ (d₀ = α/λ) as u = (x − m)/d₀ (the difference in f64,
    /// rounded once), and ln f = cst₀ + (α − 1) ln(1 + u) − α u with
    /// cst₀ = cst + (α − 1) ln d₀ − α (in f64, rounded once): the large terms of a narrow
    /// component (α in the hundreds or more) cancel before rounding to f32, not after.
    fn single_consts<const K: usize>(&self) -> SingleConsts<K> {
        let mut c = SingleConsts {
            c: [0.0; K],
            mean: [0.0; K],
            cst0: [0.0; K],
            am1: [0.0; K],
            alpha: [0.0; K],
            inv_d0: [0.0; K],
            ln_d0: [0.0; K],
            track_min: self.track_min,
        };
        for i in 0..K {
            let alpha = self.am1[i] + 1.0;
            let d0 = alpha / self.lam[i];
            let ln_d0 = libm::log(d0);
            c.c[i] = self.c[i];
            c.mean[i] = self.c[i] + d0;
            c.cst0[i] = (self.cst[i] + self.am1[i] * ln_d0 - alpha) as f32;
            c.am1[i] = self.am1[i] as f32;
            c.alpha[i] = alpha as f32;
            c.inv_d0[i] = (1.0 / d0) as f32;
            c.ln_d0[i] = ln_d0 as f32;
        }
        c
    }

    /// The per-component constants of the K-component block kernel.
    fn block_consts<const K: usize>(&self) -> BlockConsts<K> {
        let mut c = [0.0; K];
        let mut cst = [0.0; K];
        let mut am1 = [0.0; K];
        let mut lam = [0.0; K];
        c.copy_from_slice(&self.c[..K]);
        cst.copy_from_slice(&self.cst[..K]);
        am1.copy_from_slice(&self.am1[..K]);
        lam.copy_from_slice(&self.lam[..K]);
        BlockConsts {
            c,
            cst,
            am1,
            lam,
            track_min: self.track_min,
        }
    }

    /// Block kernel specialised for K components (M = 4K): points are taken [`BLOCK`] at a
    /// time (a chunk's leftover points are carried into the next chunk's first block; the last
    /// block of a pass is padded with zero-weight points), every per-point step is a
    /// straight-line loop over the block (branch-free [`vmath`] exp/ln, selects for the support
    /// and the responsibility floor) so that LLVM vectorises it, and the sums are kept in
    /// per-lane accumulators added into `st` once per pass. Per point and component: one ln,
    /// one division for 1/d; per point: K − 1 exp (K = 2: exp(−|l₀ − l₁|)), one ln and one
    /// division for the log-sum-exp. Same sums as [`Self::add`] up to rounding (≤ 2 ULP per
    /// exp/ln, and the lane-wise summation order).
    #[inline(never)]
    fn chunk_k<const K: usize, const M: usize>(
        &self,
        xs: &[f64],
        ws: Option<&[f64]>,
        st: &mut SuffStats,
    ) {
        let consts = self.kernel::<K>();
        let order = self.order;
        // zero, negative and NaN weights drop the point
        let weight = |j: usize| match ws {
            None => 1.0,
            Some(ws) => match ws.get(j) {
                Some(&v) if v > 0.0 => v,
                _ => 0.0,
            },
        };
        // first complete the block carried from the previous chunk
        let mut start = 0;
        let carried = st.lanes.carry_len;
        if carried > 0 {
            let take = (BLOCK - carried).min(xs.len());
            for j in 0..take {
                st.lanes.carry_x[carried + j] = xs[j];
                st.lanes.carry_w[carried + j] = weight(j);
            }
            st.lanes.carry_len += take;
            start = take;
            if st.lanes.carry_len < BLOCK {
                return;
            }
            let (x, wt) = (st.lanes.carry_x, st.lanes.carry_w);
            consts.run::<M>(&x, &wt, order, &mut st.lanes);
            st.lanes.carry_len = 0;
        }
        // whole blocks read in place (unit weights, or the weights checked)
        let rest = xs.get(start..).unwrap_or(&[]);
        let full = rest.len() / BLOCK * BLOCK;
        let (head, tail) = rest.split_at(full);
        let ones = [1.0; BLOCK];
        for (bi, chunk) in head.chunks_exact(BLOCK).enumerate() {
            let Ok(x) = <&[f64; BLOCK]>::try_from(chunk) else {
                continue;
            };
            match ws {
                None => consts.run::<M>(x, &ones, order, &mut st.lanes),
                Some(_) => {
                    let mut wt = [0.0; BLOCK];
                    for (j, w) in wt.iter_mut().enumerate() {
                        *w = weight(start + bi * BLOCK + j);
                    }
                    consts.run::<M>(x, &wt, order, &mut st.lanes);
                }
            }
        }
        // the leftover points wait for the next chunk (or the end of the pass)
        for (j, &x) in tail.iter().enumerate() {
            st.lanes.carry_x[j] = x;
            st.lanes.carry_w[j] = weight(start + full + j);
        }
        st.lanes.carry_len = tail.len();
    }

    /// The end of a K-component pass: the carried partial block, padded with zero-weight
    /// copies of its first point, then the lanes into `st`.
    #[inline(never)]
    fn finish_k<const K: usize, const M: usize>(&self, st: &mut SuffStats) {
        let len = st.lanes.carry_len;
        if len > 0 {
            let consts = self.kernel::<K>();
            let mut x = [st.lanes.carry_x[0]; BLOCK];
            let mut wt = [0.0; BLOCK];
            x[..len].copy_from_slice(&st.lanes.carry_x[..len]);
            wt[..len].copy_from_slice(&st.lanes.carry_w[..len]);
            consts.run::<M>(&x, &wt, self.order, &mut st.lanes);
            st.lanes.carry_len = 0;
        }
        if self.single {
            st.lanes.flush_single::<K, M>(self.order);
            let mut d0 = [0.0; K];
            let mut ln_d0 = [0.0; K];
            for i in 0..K {
                d0[i] = (self.am1[i] + 1.0) / self.lam[i];
                ln_d0[i] = libm::log(d0[i]);
            }
            st.add_lanes_centred::<K, M>(self.order, &d0, &ln_d0);
        } else {
            st.add_lanes::<K, M>(self.order == Order::Hess);
        }
    }
}

/// Points per block of the vectorised kernel.
const BLOCK: usize = 8;

/// Per-component constants of a block pass.
struct BlockConsts<const K: usize> {
    c: [f64; K],
    cst: [f64; K],
    am1: [f64; K],
    lam: [f64; K],
    /// Track the support minima in a gradient pass.
    track_min: bool,
}

/// Per-component constants of an f32 block pass (see [`Evaluator::single_consts`]).
struct SingleConsts<const K: usize> {
    /// Shifts (the support test x > c is exact, in f64).
    c: [f64; K],
    /// Means c + d₀ (each point's offset from its component's mean is taken in f64).
    mean: [f64; K],
    cst0: [f32; K],
    am1: [f32; K],
    alpha: [f32; K],
    inv_d0: [f32; K],
    ln_d0: [f32; K],
    /// Track the support minima in a gradient pass.
    track_min: bool,
}

/// The block kernel of one pass, in the precision the fit asked for.
enum BlockKernel<const K: usize> {
    Double(BlockConsts<K>),
    Single(SingleConsts<K>),
}

impl<const K: usize> BlockKernel<K> {
    /// One block into the lanes; an f32 pass adds its f32 partial sums into the f64 lanes
    /// every [`FLUSH_BLOCKS`] blocks (counted from the pass's start, so chunking does not
    /// change the sums).
    #[inline(always)]
    fn run<const M: usize>(
        &self,
        x: &[f64; BLOCK],
        wt: &[f64; BLOCK],
        order: Order,
        acc: &mut Lanes,
    ) {
        match self {
            BlockKernel::Double(k) => block::<K, M>(k, x, wt, order, acc),
            BlockKernel::Single(k) => {
                block_single::<K, M>(k, x, wt, order, acc);
                acc.single.blocks += 1;
                if acc.single.blocks == FLUSH_BLOCKS {
                    acc.flush_single::<K, M>(order);
                }
            }
        }
    }
}

/// Smallest offset u = d/d₀ − 1 of a point inside a component's support in the f32 kernel
/// (1 + u ≥ 2⁻²⁴: ln(1 + u) stays finite).
const U_MIN: f32 = -1.0 + 1.0 / 16_777_216.0;

/// Blocks an f32 pass sums in f32 before adding into the f64 lanes (32 points per lane: the
/// f32 partial sums stay within about 32 ULP of exact).
const FLUSH_BLOCKS: usize = 32;

/// The f32 kernel's partial sums, per lane (layout of [`Lanes`]).
#[derive(Clone)]
struct SingleLanes {
    w: [[[f32; BLOCK]; 9]; LANES_K],
    /// Σ w φ' φ'ᵀ, packed upper triangle of the kernel's M × M ([`packed`]).
    phi: [[f32; BLOCK]; LANES_M * (LANES_M + 1) / 2],
    ll: [f32; BLOCK],
    n: [f32; BLOCK],
    count: [f32; BLOCK],
    uncovered: [f32; BLOCK],
    /// Blocks summed since the last flush.
    blocks: usize,
}

impl SingleLanes {
    const fn blank() -> Self {
        SingleLanes {
            w: [[[0.0; BLOCK]; 9]; LANES_K],
            phi: [[0.0; BLOCK]; LANES_M * (LANES_M + 1) / 2],
            ll: [0.0; BLOCK],
            n: [0.0; BLOCK],
            count: [0.0; BLOCK],
            uncovered: [0.0; BLOCK],
            blocks: 0,
        }
    }
}

/// Largest K of the block kernels (M = 4K = 16).
const LANES_K: usize = 4;
const LANES_M: usize = 4 * LANES_K;

/// Per-lane accumulators of the block kernel, sized for its largest K (the K-component kernel
/// uses the leading K components and M = 4K rows and columns).
#[derive(Clone)]
struct Lanes {
    /// Per component: S, Σ r ln d, Σ r d, Σ r/d, Σ r ln²d, Σ r d ln d, Σ r ln d/d, Σ r d²,
    /// Σ r/d² (the packed 4 × 4 of [`SuffStats`] without its duplicate Σ r d/d = S).
    w: [[[f64; BLOCK]; 9]; LANES_K],
    xmin: [[f64; BLOCK]; LANES_K],
    /// Σ w φ_a φ_b, upper triangle used.
    phi: [[[f64; BLOCK]; LANES_M]; LANES_M],
    ll: [f64; BLOCK],
    n: [f64; BLOCK],
    count: [f64; BLOCK],
    uncovered: [f64; BLOCK],
    /// Points (and their checked weights) of a block not yet complete at the end of a chunk.
    carry_x: [f64; BLOCK],
    carry_w: [f64; BLOCK],
    carry_len: usize,
    /// The f32 kernel's partial sums.
    single: SingleLanes,
}

impl core::fmt::Debug for Lanes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Lanes(scratch)")
    }
}

impl Lanes {
    const fn blank() -> Self {
        Lanes {
            w: [[[0.0; BLOCK]; 9]; LANES_K],
            xmin: [[0.0; BLOCK]; LANES_K],
            phi: [[[0.0; BLOCK]; LANES_M]; LANES_M],
            ll: [0.0; BLOCK],
            n: [0.0; BLOCK],
            count: [0.0; BLOCK],
            uncovered: [0.0; BLOCK],
            carry_x: [0.0; BLOCK],
            carry_w: [0.0; BLOCK],
            carry_len: 0,
            single: SingleLanes::blank(),
        }
    }

    /// Zero the accumulators the K-component kernel uses.
    fn reset<const K: usize, const M: usize>(&mut self) {
        self.w[..K].fill([[0.0; BLOCK]; 9]);
        self.xmin[..K].fill([f64::INFINITY; BLOCK]);
        for row in self.phi[..M].iter_mut() {
            row[..M].fill([0.0; BLOCK]);
        }
        self.ll = [0.0; BLOCK];
        self.n = [0.0; BLOCK];
        self.count = [0.0; BLOCK];
        self.uncovered = [0.0; BLOCK];
        let s = &mut self.single;
        s.w[..K].fill([[0.0; BLOCK]; 9]);
        s.phi[..M * (M + 1) / 2].fill([0.0; BLOCK]);
        s.ll = [0.0; BLOCK];
        s.n = [0.0; BLOCK];
        s.count = [0.0; BLOCK];
        s.uncovered = [0.0; BLOCK];
        s.blocks = 0;
    }

    /// Adds the f32 partial sums into the f64 lanes (lane by lane) and zeroes them: the sums
    /// an `order` pass keeps (the gradient pass: the first four per component).
    fn flush_single<const K: usize, const M: usize>(&mut self, order: Order) {
        fn add(dst: &mut [f64; BLOCK], src: &mut [f32; BLOCK]) {
            for (d, s) in dst.iter_mut().zip(src.iter_mut()) {
                *d += f64::from(*s);
                *s = 0.0;
            }
        }
        let s = &mut self.single;
        let used = if order == Order::Grad { 4 } else { 9 };
        for i in 0..K {
            for q in 0..used {
                add(&mut self.w[i][q], &mut s.w[i][q]);
            }
        }
        if order == Order::Hess {
            let mut at = 0;
            for a in 0..M {
                for b in a..M {
                    add(&mut self.phi[a][b], &mut s.phi[at]);
                    at += 1;
                }
            }
        }
        add(&mut self.ll, &mut s.ll);
        add(&mut self.n, &mut s.n);
        add(&mut self.count, &mut s.count);
        add(&mut self.uncovered, &mut s.uncovered);
        s.blocks = 0;
    }
}

impl SuffStats {
    /// Sum the lanes of the K-component kernel (in lane order) into the statistics.
    fn add_lanes<const K: usize, const M: usize>(&mut self, second: bool) {
        let acc = &self.lanes;
        let sum = |v: &[f64; BLOCK]| v.iter().fold(0.0, |s, &x| s + x);
        self.n += sum(&acc.n);
        self.count += sum(&acc.count) as u64;
        self.ll += sum(&acc.ll);
        self.uncovered += sum(&acc.uncovered) as u64;
        for i in 0..K {
            let w = &acc.w[i];
            let t = [
                sum(&w[0]),
                sum(&w[1]),
                sum(&w[2]),
                sum(&w[3]),
                sum(&w[4]),
                sum(&w[5]),
                sum(&w[6]),
                sum(&w[7]),
                sum(&w[0]), // Σ r d·(1/d)
                sum(&w[8]),
            ];
            for (dst, v) in self.w[i].iter_mut().zip(t) {
                *dst += v;
            }
            let m = acc.xmin[i]
                .iter()
                .fold(f64::INFINITY, |m, &x| if x < m { x } else { m });
            self.xmin[i] = self.xmin[i].min(m);
        }
        if second {
            for a in 0..M {
                for b in a..M {
                    self.phi[packed(M, a, b)] += sum(&acc.phi[a][b]);
                }
            }
        }
    }
}

impl SuffStats {
    /// [`Self::add_lanes`] for the f32 kernel, whose lanes hold the sums of the centred
    /// features (1, ln(1 + u), u, v) with d = d₀(1 + u), 1/d = (1 + v)/d₀, ln d = ln d₀ +
    /// ln(1 + u): turned here, in f64, into the sums of (1, ln d, d, 1/d) and their products.
    /// The large terms (S·ln d₀, S·d₀, S/d₀) are added exactly once, in f64, so that the
    /// gradient's cancellations (e.g. (α − 1)·Σ r/d − λ·S) see the f32 sums' rounding only in
    /// the small centred parts.
    fn add_lanes_centred<const K: usize, const M: usize>(
        &mut self,
        order: Order,
        d0: &[f64; K],
        ln_d0: &[f64; K],
    ) {
        let acc = &self.lanes;
        let sum = |v: &[f64; BLOCK]| v.iter().fold(0.0, |s, &x| s + x);
        self.n += sum(&acc.n);
        self.count += sum(&acc.count) as u64;
        self.ll += sum(&acc.ll);
        self.uncovered += sum(&acc.uncovered) as u64;
        for i in 0..K {
            let c: [f64; 9] = core::array::from_fn(|q| sum(&acc.w[i][q]));
            let (s, d, a) = (c[0], d0[i], ln_d0[i]);
            let t = if order == Order::Grad {
                // what a gradient pass keeps (the f64 kernel leaves the rest 0, S at 8)
                [
                    s,
                    a * s + c[1],
                    d * (s + c[2]),
                    (s + c[3]) / d,
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                    s,
                    0.0,
                ]
            } else {
                [
                    s,
                    a * s + c[1],
                    d * (s + c[2]),
                    (s + c[3]) / d,
                    a * a * s + 2.0 * a * c[1] + c[4],
                    d * (a * (s + c[2]) + c[1] + c[5]),
                    (a * (s + c[3]) + c[1] + c[6]) / d,
                    d * d * (s + 2.0 * c[2] + c[7]),
                    s,
                    (s + 2.0 * c[3] + c[8]) / (d * d),
                ]
            };
            for (dst, v) in self.w[i].iter_mut().zip(t) {
                *dst += v;
            }
            let m = acc.xmin[i]
                .iter()
                .fold(f64::INFINITY, |m, &x| if x < m { x } else { m });
            self.xmin[i] = self.xmin[i].min(m);
        }
        if order == Order::Hess {
            // Σ φ φᵀ = A (Σ φ' φ'ᵀ) Aᵀ, A block diagonal with the rows (1), (ln d₀, 1),
            // (d₀, 0, d₀), (1/d₀, 0, 0, 1/d₀) per component
            let mut centred = [0.0; LANES_M * (LANES_M + 1) / 2];
            for a in 0..M {
                for b in a..M {
                    centred[packed(M, a, b)] = sum(&acc.phi[a][b]);
                }
            }
            let row = |f: usize| -> [(usize, f64); 2] {
                let (i, base) = (f / 4, f / 4 * 4);
                match f % 4 {
                    0 => [(base, 1.0), (base, 0.0)],
                    1 => [(base, ln_d0[i]), (base + 1, 1.0)],
                    2 => [(base, d0[i]), (base + 2, d0[i])],
                    _ => [(base, 1.0 / d0[i]), (base + 3, 1.0 / d0[i])],
                }
            };
            for p in 0..M {
                for q in p..M {
                    let mut v = 0.0;
                    for (sp, cp) in row(p) {
                        for (sq, cq) in row(q) {
                            v += cp * cq * centred[packed(M, sp, sq)];
                        }
                    }
                    self.phi[packed(M, p, q)] += v;
                }
            }
        }
    }
}

/// One block of points `x` with weights `wt` (0 = skip) into the accumulators. The loop over
/// the block's points is straight-line per point (the loops over K are unrolled), so it is
/// vectorised across points with every intermediate in registers.
#[inline(always)]
fn block<const K: usize, const M: usize>(
    k: &BlockConsts<K>,
    x: &[f64; BLOCK],
    wt: &[f64; BLOCK],
    order: Order,
    acc: &mut Lanes,
) {
    let second = order == Order::Hess;
    // per component: d (1 outside the support, so every later value stays finite), ln d, and
    // the component log density (−∞ outside the support); one simple loop per step, so each
    // is vectorised across the block
    let mut dd = [[0.0; BLOCK]; K];
    let mut ld = [[0.0; BLOCK]; K];
    let mut l = [[0.0; BLOCK]; K];
    for i in 0..K {
        let (c, cst, am1, lam) = (k.c[i], k.cst[i], k.am1[i], k.lam[i]);
        for j in 0..BLOCK {
            let d = x[j] - c;
            dd[i][j] = if d > 0.0 { d } else { 1.0 };
        }
        for j in 0..BLOCK {
            // distances below the normal range (2.2e−308) are taken at its edge
            let dn = dd[i][j];
            ld[i][j] = vmath::ln_normal(if dn < f64::MIN_POSITIVE {
                f64::MIN_POSITIVE
            } else {
                dn
            });
        }
        for j in 0..BLOCK {
            let li = cst + am1 * ld[i][j] - lam * dd[i][j];
            l[i][j] = if x[j] - c > 0.0 {
                li
            } else {
                f64::NEG_INFINITY
            };
        }
    }
    // log-sum-exp: e_i = exp(l_i − max), s = Σ e_i (K = 2: the larger term is exactly 1, one
    // exp per point)
    let mut lmax = [f64::NEG_INFINITY; BLOCK];
    for li in l.iter() {
        for j in 0..BLOCK {
            lmax[j] = if li[j] > lmax[j] { li[j] } else { lmax[j] };
        }
    }
    let mut lm = [0.0; BLOCK];
    for j in 0..BLOCK {
        lm[j] = if lmax[j] > f64::NEG_INFINITY {
            lmax[j]
        } else {
            0.0
        };
    }
    let mut e = [[0.0; BLOCK]; K];
    let mut s = [0.0; BLOCK];
    if K == 2 {
        let mut t = [0.0; BLOCK];
        for j in 0..BLOCK {
            t[j] = vmath::exp(-(l[0][j] - l[1][j]).abs());
        }
        for j in 0..BLOCK {
            let top0 = l[0][j] >= l[1][j];
            e[0][j] = if top0 { 1.0 } else { t[j] };
            e[1][j] = if top0 { t[j] } else { 1.0 };
            s[j] = e[0][j] + e[1][j];
        }
    } else {
        for i in 0..K {
            for j in 0..BLOCK {
                e[i][j] = vmath::exp(l[i][j] - lm[j]);
            }
            for j in 0..BLOCK {
                s[j] += e[i][j];
            }
        }
    }
    let mut lns = [0.0; BLOCK];
    for j in 0..BLOCK {
        // s ∈ [1, K]
        lns[j] = vmath::ln_normal(s[j]);
    }
    // a point no component covers (or a zero weight) contributes nothing but its count; short
    // loops with selects only, so that each is vectorised
    let mut keep = [0.0; BLOCK];
    for j in 0..BLOCK {
        let covered = lmax[j] > f64::NEG_INFINITY;
        keep[j] = if covered { wt[j] } else { 0.0 };
    }
    let mut is = [0.0; BLOCK];
    for j in 0..BLOCK {
        is[j] = 1.0 / s[j];
    }
    let mut rr = [[0.0; BLOCK]; K];
    for i in 0..K {
        for j in 0..BLOCK {
            let ri = e[i][j] * is[j];
            // responsibilities below R_FLOOR are exactly 0 (support trap); NaN fails `>=`
            rr[i][j] = if keep[j] > 0.0 { ri } else { 0.0 };
            rr[i][j] = if ri >= R_FLOOR { rr[i][j] } else { 0.0 };
        }
    }
    for j in 0..BLOCK {
        let lp = lm[j] + lns[j];
        acc.ll[j] += if keep[j] > 0.0 { keep[j] * lp } else { 0.0 };
    }
    for j in 0..BLOCK {
        acc.n[j] += wt[j];
    }
    for j in 0..BLOCK {
        // products of 0/1 selects (nested selects would become branches)
        let valid = if wt[j] > 0.0 { 1.0 } else { 0.0 };
        let lost = if keep[j] > 0.0 { 0.0 } else { 1.0 };
        acc.count[j] += valid;
        acc.uncovered[j] += valid * lost;
    }
    // first-order sums
    for i in 0..K {
        let w = &mut acc.w[i];
        let xmin = &mut acc.xmin[i];
        if order == Order::Grad {
            // what the gradient needs: S, Σ r ln d, Σ r d, Σ r/d (and the support minima
            // while a component sits at the shape floor 1)
            for j in 0..BLOCK {
                let rw = rr[i][j] * wt[j];
                let d = dd[i][j];
                w[0][j] += rw;
                w[1][j] += rw * ld[i][j];
                w[2][j] += rw * d;
                w[3][j] += rw / d;
            }
            if k.track_min {
                for j in 0..BLOCK {
                    let rw = rr[i][j] * wt[j];
                    xmin[j] = if (rw > 0.0) & (x[j] < xmin[j]) {
                        x[j]
                    } else {
                        xmin[j]
                    };
                }
            }
            continue;
        }
        for j in 0..BLOCK {
            let r0 = rr[i][j];
            let rw = r0 * wt[j];
            let (lg, d) = (ld[i][j], dd[i][j]);
            let iv = 1.0 / d;
            let t = rw * lg;
            let u = rw * d;
            let q = rw * iv;
            w[0][j] += rw;
            w[1][j] += t;
            w[2][j] += u;
            w[3][j] += q;
            w[4][j] += t * lg;
            w[5][j] += t * d;
            w[6][j] += t * iv;
            w[7][j] += u * d;
            w[8][j] += q * iv;
            xmin[j] = if (rw > 0.0) & (x[j] < xmin[j]) {
                x[j]
            } else {
                xmin[j]
            };
        }
    }
    if second {
        // the feature vector φ = (r (1, ln d, d, 1/d))_k and Σ w φ φᵀ
        let mut phi = [[0.0; BLOCK]; M];
        for i in 0..K {
            if 4 * i + 3 < M {
                for j in 0..BLOCK {
                    let r0 = rr[i][j];
                    phi[4 * i][j] = r0;
                    phi[4 * i + 1][j] = r0 * ld[i][j];
                    phi[4 * i + 2][j] = r0 * dd[i][j];
                    phi[4 * i + 3][j] = r0 / dd[i][j];
                }
            }
        }
        for a in 0..M {
            let mut pa = [0.0; BLOCK];
            for j in 0..BLOCK {
                pa[j] = phi[a][j] * wt[j];
            }
            for b in a..M {
                let dst = &mut acc.phi[a][b];
                for j in 0..BLOCK {
                    dst[j] += pa[j] * phi[b][j];
                }
            }
        }
    }
}

/// [`block`] in f32 (the f32 kernel): the same steps and sums, each point's offset from a
/// component's mean taken in f64 and rounded once, the log density about that mean (see
/// [`Evaluator::single_consts`]), f32 `log1pf` / `logf` / `expf`, the sums into the f32 lanes
/// (the support minima, exact values of the data, into the f64 lanes). Out of line: the f64
/// kernel's code and frame stay as they are.
#[inline(never)]
fn block_single<const K: usize, const M: usize>(
    k: &SingleConsts<K>,
    x: &[f64; BLOCK],
    wt: &[f64; BLOCK],
    order: Order,
    acc: &mut Lanes,
) {
    let second = order == Order::Hess;
    let mut w32 = [0.0f32; BLOCK];
    for j in 0..BLOCK {
        w32[j] = wt[j] as f32;
    }
    // per component, about its mean: u = (x − m)/d₀ (0 outside the support), ln(1 + u),
    // v = 1/(1 + u) − 1, and the log density (−∞ outside)
    let mut uu = [[0.0f32; BLOCK]; K];
    let mut ll1 = [[0.0f32; BLOCK]; K];
    let mut vv = [[0.0f32; BLOCK]; K];
    let mut l = [[0.0f32; BLOCK]; K];
    for i in 0..K {
        for j in 0..BLOCK {
            // the support as the f64 kernel sees it (x > c, exactly); a point inside whose
            // offset rounds to −1 or below is taken just above −1
            let inside = x[j] > k.c[i];
            let u = (x[j] - k.mean[i]) as f32 * k.inv_d0[i];
            let u = if !inside {
                0.0
            } else if u > U_MIN {
                u
            } else {
                U_MIN
            };
            let l1p = libm::log1pf(u);
            uu[i][j] = u;
            ll1[i][j] = l1p;
            vv[i][j] = -u / (1.0 + u);
            l[i][j] = if inside {
                k.cst0[i] + k.am1[i] * l1p - k.alpha[i] * u
            } else {
                f32::NEG_INFINITY
            };
        }
    }
    // log-sum-exp (K = 2: the larger term is exactly 1, one exp per point)
    let mut lmax = [f32::NEG_INFINITY; BLOCK];
    for li in l.iter() {
        for j in 0..BLOCK {
            lmax[j] = if li[j] > lmax[j] { li[j] } else { lmax[j] };
        }
    }
    let mut e = [[0.0f32; BLOCK]; K];
    let mut s = [0.0f32; BLOCK];
    for j in 0..BLOCK {
        let lm = if lmax[j] > f32::NEG_INFINITY {
            lmax[j]
        } else {
            0.0
        };
        if K == 2 {
            let t = libm::expf(-(l[0][j] - l[1][j]).abs());
            let top0 = l[0][j] >= l[1][j];
            e[0][j] = if top0 { 1.0 } else { t };
            e[1][j] = if top0 { t } else { 1.0 };
        } else {
            for i in 0..K {
                e[i][j] = libm::expf(l[i][j] - lm);
            }
        }
        for i in 0..K {
            s[j] += e[i][j];
        }
        let covered = lmax[j] > f32::NEG_INFINITY;
        let keep = if covered { w32[j] } else { 0.0 };
        let is = 1.0 / s[j];
        for i in 0..K {
            let ri = e[i][j] * is;
            // responsibilities below R_FLOOR are exactly 0; NaN fails `>=`
            e[i][j] = if keep > 0.0 && ri >= R_FLOOR as f32 {
                ri
            } else {
                0.0
            };
        }
        let sl = &mut acc.single;
        if keep > 0.0 {
            sl.ll[j] += keep * (lm + libm::logf(s[j]));
        }
        sl.n[j] += w32[j];
        let valid = if w32[j] > 0.0 { 1.0 } else { 0.0 };
        sl.count[j] += valid;
        sl.uncovered[j] += if keep > 0.0 { 0.0 } else { valid };
    }
    let rr = e;
    // first-order sums of the centred features (S, Σ r ln(1 + u), Σ r u, Σ r v, then their
    // products: the layout of `Lanes::w`, turned into the sums of (1, ln d, d, 1/d) by
    // `SuffStats::add_lanes_centred`), and the support minima, exact, in the f64 lanes
    for i in 0..K {
        let w = &mut acc.single.w[i];
        for j in 0..BLOCK {
            let rw = rr[i][j] * w32[j];
            let (lg, u, v) = (ll1[i][j], uu[i][j], vv[i][j]);
            let t = rw * lg;
            let p = rw * u;
            let q = rw * v;
            w[0][j] += rw;
            w[1][j] += t;
            w[2][j] += p;
            w[3][j] += q;
            if order != Order::Grad {
                w[4][j] += t * lg;
                w[5][j] += t * u;
                w[6][j] += t * v;
                w[7][j] += p * u;
                w[8][j] += q * v;
            }
        }
        if order != Order::Grad || k.track_min {
            let xmin = &mut acc.xmin[i];
            for j in 0..BLOCK {
                if rr[i][j] * w32[j] > 0.0 && x[j] < xmin[j] {
                    xmin[j] = x[j];
                }
            }
        }
    }
    if second {
        // the centred feature vector φ' = (r (1, ln(1 + u), u, v))_k and Σ w φ' φ'ᵀ
        let mut phi = [[0.0f32; BLOCK]; M];
        for i in 0..K {
            if 4 * i + 3 < M {
                for j in 0..BLOCK {
                    let r0 = rr[i][j];
                    phi[4 * i][j] = r0;
                    phi[4 * i + 1][j] = r0 * ll1[i][j];
                    phi[4 * i + 2][j] = r0 * uu[i][j];
                    phi[4 * i + 3][j] = r0 * vv[i][j];
                }
            }
        }
        // the packed upper triangle, row by row (index `at` = packed(M, a, b))
        let mut at = 0;
        for a in 0..M {
            let mut pa = [0.0f32; BLOCK];
            for j in 0..BLOCK {
                pa[j] = phi[a][j] * w32[j];
            }
            for b in a..M {
                let dst = &mut acc.single.phi[at];
                at += 1;
                for j in 0..BLOCK {
                    dst[j] += pa[j] * phi[b][j];
                }
            }
        }
    }
}

/// Index of (a, b) in a packed upper triangle of an m × m matrix (rows of m, m − 1, … entries).
#[inline(always)]
pub(crate) fn packed(m: usize, a: usize, b: usize) -> usize {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    a * m - a * a.saturating_sub(1) / 2 + (b - a)
}

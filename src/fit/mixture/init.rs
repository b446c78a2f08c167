//! Initial parameters from a sorted (sub)sample: equal-count slices, two moments each (never
//! three), the lowest component placed below min(x) so every point is covered.

use super::params::{Bounds, Params};

fn mean_var(s: &[f64]) -> (f64, f64) {
    let n = s.len() as f64;
    if s.is_empty() {
        return (0.0, 0.0);
    }
    let m = s.iter().sum::<f64>() / n;
    let v = s.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
    (m, v)
}

/// Initial parameters for `k` components from the sorted sample `s` (len ≥ k), with `x_min` the
/// smallest point of the whole data set and `sd` its standard deviation, into `p`.
///
/// `upper_share`: fraction of the sample given to the components above the first (equal split
/// among them); the first takes the rest. 0 means equal-count slices.
pub(crate) fn init_params(
    s: &[f64],
    k: usize,
    x_min: f64,
    sd: f64,
    b: &Bounds,
    upper_share: f64,
    p: &mut Params,
) {
    *p = Params::zeroed(k);
    let n = s.len();
    let floor_var = (1e-6 * sd.max(1e-300)) * (1e-6 * sd.max(1e-300));
    let first_share = if k > 1 && upper_share > 0.0 && upper_share < 1.0 {
        1.0 - upper_share
    } else {
        1.0 / k as f64
    };
    let mut start = 0usize;
    for j in 0..k {
        let end = if j + 1 == k {
            n
        } else if j == 0 {
            ((first_share * n as f64) as usize).clamp(1, n)
        } else {
            let rest = n as f64 * (1.0 - first_share);
            let e = (first_share * n as f64 + rest * j as f64 / (k - 1) as f64) as usize;
            e.clamp(start + 1, n)
        };
        let end = end.max(start + 1).min(n);
        let sl = s.get(start..end).unwrap_or(&[]);
        let (m, v) = mean_var(sl);
        let v = v.max(floor_var);
        let lo_j = sl.first().copied().unwrap_or(x_min);
        let c = if j == 0 {
            x_min - (m - x_min).max(0.5 * libm::sqrt(v)).max(1e-9)
        } else {
            lo_j - (m - lo_j).max(0.5 * libm::sqrt(v)).max(1e-9)
        };
        let dm = m - c;
        let a = (dm * dm / v).max(b.alpha_min.max(1.5)).min(b.alpha_max);
        p.alpha[j] = a;
        p.lambda[j] = a / dm;
        p.c[j] = c;
        p.tau[j] = (end - start) as f64 / n as f64;
        start = end.min(n.saturating_sub(1));
    }
    let t: f64 = p.tau[..k].iter().sum();
    for j in 0..k {
        p.tau[j] = if t > 0.0 {
            p.tau[j] / t
        } else {
            1.0 / k as f64
        };
    }
}

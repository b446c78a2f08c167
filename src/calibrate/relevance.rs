//! The background + relevant model of one query's scores: the fitted background (from the
//! body) and a normal component of relevant rows fitted by EM to the top of the ranking.
use super::model::Calibrator;

/// Most top-ranked rows the relevant component is fitted on (a fixed-size stack buffer).
pub const MAX_RELEVANCE_REGION: usize = 512;

/// A query's scores as background + relevant rows (Manmatha, Rath and Feng, SIGIR 2001: normal
/// relevant scores over a non-relevant background, posterior of relevance per score).
///
/// The background density f₀ is the body fit of [`super::fit_background_with`] (the hits are not
/// in its likelihood) and is held fixed; the relevant scores are Normal(μ, σ²) on the
/// background's scale (Fisher z by default) with R̂ rows. EM over the top
/// `M = min(n, 512)` ranked scores updates R̂, μ and σ with the background count fixed at
/// n − R̂:
/// r_i = R̂·φ_σ(z_i − μ) / (R̂·φ_σ(z_i − μ) + (n − R̂)·f₀(z_i)). σ is floored at 5 % of the
/// excess of the top score over the background median (no degenerate atom on one score).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RelevanceModel {
    /// Expected number of relevant rows R̂ (0 when the EM finds none).
    pub expected_relevant: f64,
    /// Mean μ of the relevant scores, on the background's scale.
    pub mean: f64,
    /// Standard deviation σ of the relevant scores, on the background's scale.
    pub sd: f64,
    /// Number of scores n.
    pub n: usize,
    /// EM iterations run.
    pub iterations: usize,
}

impl RelevanceModel {
    /// Fits the relevant component to `sorted` (every score of the query, mapped to the
    /// calibrator's scale, in decreasing order) under the background `bg`.
    pub(crate) fn fit(sorted: &[f64], bg: &Calibrator) -> Self {
        let n = sorted.len();
        let m = n.min(MAX_RELEVANCE_REGION);
        Self::fit_top(&sorted[..m], n, sorted[n / 2], bg)
    }

    /// [`RelevanceModel::fit`] from what it reads of the sorted scores: the top
    /// `min(n, MAX_RELEVANCE_REGION)` of them (decreasing, mapped), their number `n` and their
    /// median (mapped; the value at rank n/2 from the top).
    pub(crate) fn fit_top(top: &[f64], n: usize, median: f64, bg: &Calibrator) -> Self {
        let nf = n as f64;
        let m = top.len().min(MAX_RELEVANCE_REGION);
        let top = &top[..m];
        // Background density and tail at the region's scores.
        let mut f0 = [0.0; MAX_RELEVANCE_REGION];
        let mut excess_max = 0.0_f64;
        let mut at_max = 1usize;
        for (i, &z) in top.iter().enumerate() {
            f0[i] = bg.background_pdf_mapped(z);
            // Excess of the observed count over the background's expected count above z.
            let e = (i + 1) as f64 - nf * bg.background_sf_mapped(z);
            if e > excess_max {
                excess_max = e;
                at_max = i + 1;
            }
        }
        // Background median on the mapped scale: the median of all scores.
        let floor = (0.05 * (top[0] - median)).max(1e-6);
        // Start: the excess rows.
        let k0 = at_max.clamp(2, m);
        let mut r_hat = excess_max.max(1.0);
        let mut mu = top[..k0].iter().sum::<f64>() / k0 as f64;
        let mut var = top[..k0].iter().map(|z| (z - mu) * (z - mu)).sum::<f64>() / k0 as f64;
        let mut sd = libm::sqrt(var).max(floor);
        let mut iterations = 0;
        for it in 0..200 {
            iterations = it + 1;
            let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
            for (i, &z) in top.iter().enumerate() {
                let r = posterior(z, f0[i], r_hat, mu, sd, nf);
                s0 += r;
                s1 += r * z;
                s2 += r * z * z;
            }
            if s0 < 1e-3 {
                r_hat = 0.0;
                break;
            }
            let new_mu = s1 / s0;
            var = (s2 / s0 - new_mu * new_mu).max(0.0);
            let new_sd = libm::sqrt(var).max(floor);
            let done = (s0 - r_hat).abs() < 1e-6 * s0.max(1.0)
                && (new_mu - mu).abs() < 1e-9
                && (new_sd - sd).abs() < 1e-9;
            r_hat = s0.min(nf);
            mu = new_mu;
            sd = new_sd;
            if done {
                break;
            }
        }
        Self {
            expected_relevant: r_hat,
            mean: mu,
            sd,
            n,
            iterations,
        }
    }

    /// Posterior probability that a value `v` on the background's scale is relevant. Above the
    /// relevant mean μ the relevant density is held at its peak (a score above the typical
    /// relevant score is at least as likely relevant: the posterior never falls towards the top,
    /// where a gamma background tail would otherwise outlast the normal's).
    #[must_use]
    pub fn posterior_mapped(&self, v: f64, bg: &Calibrator) -> f64 {
        if self.expected_relevant <= 0.0 {
            return 0.0;
        }
        posterior(
            v.min(self.mean),
            bg.background_pdf_mapped(v),
            self.expected_relevant,
            self.mean,
            self.sd,
            self.n as f64,
        )
    }

    /// Posterior probability that a raw score `s` is relevant (mapped to `bg`'s scale first).
    #[must_use]
    pub fn posterior(&self, s: f64, bg: &Calibrator) -> f64 {
        self.posterior_mapped(bg.scale().map(s), bg)
    }

    /// Length of the list whose last row has posterior ≥ `level` (`sorted` decreasing).
    pub(crate) fn posterior_cut(&self, sorted: &[f64], bg: &Calibrator, level: f64) -> usize {
        let m = sorted.len().min(MAX_RELEVANCE_REGION);
        let mut keep = 0;
        for (i, &z) in sorted[..m].iter().enumerate() {
            if self.posterior_mapped(z, bg) >= level {
                keep = i + 1;
            }
        }
        keep
    }

    /// The expected-F1-optimal list length (`sorted` decreasing): argmax over k of
    /// 2·Σ_{i ≤ k} r_i / (k + R̂); 0 when R̂ < 1/2.
    pub(crate) fn expected_f1_cut(&self, sorted: &[f64], bg: &Calibrator) -> usize {
        if self.expected_relevant < 0.5 {
            return 0;
        }
        let m = sorted.len().min(MAX_RELEVANCE_REGION);
        let mut tp = 0.0;
        let mut best = (0.0, 0);
        for (i, &z) in sorted[..m].iter().enumerate() {
            tp += self.posterior_mapped(z, bg);
            let f = 2.0 * tp / ((i + 1) as f64 + self.expected_relevant);
            if f > best.0 {
                best = (f, i + 1);
            }
        }
        best.1
    }
}

/// r = R·φ_σ(z − μ) / (R·φ_σ(z − μ) + (n − R)·f₀).
fn posterior(z: f64, f0: f64, r_hat: f64, mu: f64, sd: f64, n: f64) -> f64 {
    let d = (z - mu) / sd;
    let fr = r_hat * libm::exp(-0.5 * d * d) / (sd * 2.506_628_274_631_000_5);
    let fb = (n - r_hat).max(0.0) * f0;
    let den = fr + fb;
    if den > 0.0 {
        fr / den
    } else if z > mu {
        1.0
    } else {
        0.0
    }
}

/// Byte form (kind 9): the expected number of relevant rows, the relevant component's mean and
/// standard deviation (on the background's scale), the number of scores and the EM
/// iterations. Read back it is checked: finite, r̂ in [0, n], sd > 0.
impl crate::wire::ByteForm for RelevanceModel {
    const KIND: u16 = 9;

    fn payload_len(&self) -> usize {
        40
    }

    fn write_payload(&self, w: &mut crate::wire::Writer<'_>) {
        w.f64(self.expected_relevant);
        w.f64(self.mean);
        w.f64(self.sd);
        w.u64(self.n as u64);
        w.u64(self.iterations as u64);
    }

    fn read_payload(r: &mut crate::wire::Reader<'_>) -> Result<Self, crate::wire::WireError> {
        use crate::wire::WireError;
        let m = RelevanceModel {
            expected_relevant: r.number("expected_relevant")?,
            mean: r.number("mean")?,
            sd: r.number("sd")?,
            n: r.count("n")?,
            iterations: r.count("iterations")?,
        };
        if !(m.expected_relevant >= 0.0 && m.expected_relevant <= m.n as f64) {
            return Err(WireError::Invalid("expected_relevant"));
        }
        if !m.mean.is_finite() {
            return Err(WireError::Invalid("mean"));
        }
        if !(m.sd > 0.0 && m.sd.is_finite()) {
            return Err(WireError::Invalid("sd"));
        }
        Ok(m)
    }
}

//! The binned background fit of large inputs (`BackgroundOptions::binned_above`) against the
//! exact fit, on real scores: the same order, the same rows left out, the same BIC per order
//! and the same tail p-values within stated bounds; below the threshold the fit is the exact
//! one, bit for bit.

mod common;

use simstat::calibrate::{fit_background_with, Background, BackgroundOptions};
use simstat::geometry::{pairwise_cosine, pairwise_scratch_len, Layout};

/// All cosine scores of the 225 Cranfield queries against its 1400 documents
/// (all-MiniLM-L6-v2): 315,000 real scores, hits included.
fn cranfield_scores() -> Vec<f64> {
    common::read_f32_as_f64("labelled/cranfield_minilm_l6.f32")
}

/// The cosine similarity of every pair among the first `m` of the committed real embeddings
/// (all-MiniLM-L6-v2 on CPython docstrings, 384 dimensions): m(m − 1)/2 scores.
fn pair_scores(m: usize) -> Vec<f64> {
    const DIM: usize = 384;
    let mut x = common::read_f32("embeddings_minilm_l6_first1024.f32");
    x.truncate(m * DIM);
    let mut g = vec![0.0f32; m * (m - 1) / 2];
    let len = pairwise_scratch_len(m, DIM).expect("scratch length");
    let mut scratch = vec![0.0f32; len];
    pairwise_cosine(&x, m, DIM, Layout::UpperPacked, &mut g, &mut scratch)
        .expect("pairwise cosine");
    g.iter().map(|&c| f64::from(c).clamp(-1.0, 1.0)).collect()
}

fn fit(scores: &[f64], binned_above: usize) -> Background {
    let o = BackgroundOptions {
        binned_above,
        ..BackgroundOptions::default()
    };
    let mut scratch = vec![0.0; scores.len()];
    fit_background_with(scores, &o, &mut scratch).expect("background fit")
}

/// Relative difference of two positive numbers.
fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

/// Binned (the default for these sizes) against exact (`binned_above = usize::MAX`). Bounds,
/// with what was measured (release build): BIC per order ≤ 1e-8 relative (measured ≤ 1e-12),
/// p-values of the ranks 1, 10, 100, 1000, 10000 ≤ 1e-2 relative (measured ≤ 2.3e-4).
fn compare(name: &str, scores: &[f64]) {
    let binned = fit(scores, BackgroundOptions::default().binned_above);
    let exact = fit(scores, usize::MAX);
    // the binned path ran: its optimum is the binned data's, not bit-identical to the exact one
    assert_ne!(
        binned.fit.log_likelihood().to_bits(),
        exact.fit.log_likelihood().to_bits(),
        "{name}: the binned path did not run"
    );
    assert_eq!(binned.fit.len(), exact.fit.len(), "{name}: order");
    assert_eq!(binned.excluded, exact.excluded, "{name}: rows left out");
    assert_eq!(
        binned.low_outliers, exact.low_outliers,
        "{name}: low outliers"
    );
    for k in 0..binned.tried {
        let (b, e) = (binned.bic[k], exact.bic[k]);
        assert!(
            rel(b, e) <= 1e-8,
            "{name}: BIC of order {}: {b} vs {e}",
            k + 1
        );
    }
    let mut desc = scores.to_vec();
    desc.sort_by(|a, b| b.total_cmp(a));
    for rank in [1usize, 10, 100, 1000, 10000] {
        let s = desc[rank - 1];
        let (pb, pe) = (binned.calibrator.p_value(s), exact.calibrator.p_value(s));
        assert!(
            pe > 0.0 && rel(pb, pe) <= 1e-2,
            "{name}: p-value at rank {rank} (s = {s}): binned {pb:e}, exact {pe:e}"
        );
    }
}

#[test]
fn binned_background_matches_exact_on_pooled_cranfield_scores() {
    compare("cranfield 315,000", &cranfield_scores());
}

#[test]
fn binned_background_matches_exact_on_real_pairwise_similarities() {
    // 640 embeddings: 204,480 pairs
    compare("pairs of 640 docstrings", &pair_scores(640));
}

/// A body of at most `binned_above` rows is fitted exactly: the same background, bit for bit,
/// as with the binned path switched off.
#[test]
fn below_the_threshold_the_fit_is_exact() {
    let all = cranfield_scores();
    let scores = &all[..20 * 1400];
    let exact = fit(scores, usize::MAX);
    let at = fit(scores, scores.len());
    assert_eq!(
        exact.fit.log_likelihood().to_bits(),
        at.fit.log_likelihood().to_bits()
    );
    assert_eq!(exact.fit, at.fit);
    assert_eq!(exact.excluded, at.excluded);
    // and a threshold under the body size switches the path: 28,000 rows in 4096 bins (about 7
    // a bin) move the log-likelihood by 1.4e-6 relative (measured; bound 1e-5) and the tail
    // p-values by less than 1e-2 relative
    let binned = fit(scores, 1000);
    assert_eq!(binned.fit.len(), exact.fit.len());
    let (lb, le) = (binned.fit.log_likelihood(), exact.fit.log_likelihood());
    assert!(
        lb != le && rel(lb, le) < 1e-5,
        "binned {lb} ({} out), exact {le} ({} out)",
        binned.excluded,
        exact.excluded
    );
    for s in [0.6, 0.7, 0.8] {
        let (pb, pe) = (binned.calibrator.p_value(s), exact.calibrator.p_value(s));
        assert!(rel(pb, pe) < 1e-2, "p({s}): binned {pb:e}, exact {pe:e}");
    }
}

//! Calibration called the way a retrieval system calls it: the background and the cut are
//! fitted on a query's scores against every corpus row, the hits included.
mod common;

use common::{Sample, SplitMix64};
use simstat::calibrate::{
    cut, cut_f32, cut_f32_with_background, cut_scratch_len, cut_with_background, fit_background,
    ks_uniform_held_out, CalibrateError, CutOptions, CutRule,
};
use simstat::fit::FitOptions;

use common::REAL_SAMPLES as SAMPLES;

const PLANTED: [f64; 3] = [0.95, 0.97, 0.99];

fn load(name: &str) -> Vec<f64> {
    common::read_f64(&format!("sims/{name}.f64"))
}

/// Lower and upper ends of the central 99 % interval of Binomial(n, p), by summing the pmf
/// in log space (n ≤ 10⁴ here).
fn binomial_99(n: usize, p: f64) -> (usize, usize) {
    let ln_pmf = |k: usize| {
        let (nf, kf) = (n as f64, k as f64);
        libm::lgamma(nf + 1.0) - libm::lgamma(kf + 1.0) - libm::lgamma(nf - kf + 1.0)
            + kf * p.ln()
            + (nf - kf) * (1.0 - p).ln()
    };
    let mut cdf = 0.0;
    let mut lo = None;
    for k in 0..=n {
        cdf += ln_pmf(k).exp();
        if lo.is_none() && cdf > 0.005 {
            lo = Some(k);
        }
        if cdf >= 0.995 {
            return (lo.unwrap_or(0), k);
        }
    }
    (lo.unwrap_or(0), n)
}

#[test]
fn planted_near_duplicates_fitted_with_the_hits_get_tiny_p_values_and_are_discovered() {
    // The three near-duplicates are in the sample the background is fitted on (as they are
    // for a user who fits on all scores): p < 1e-6 each, and BH at q = 0.05 over all scores
    // discovers all three, on every one of the 26 real samples.
    let mut worst = 0.0_f64;
    for name in SAMPLES {
        let mut x = load(name);
        x.extend_from_slice(&PLANTED);
        let mut scratch = vec![0.0; x.len()];
        let bg = fit_background(&x, 3, &FitOptions::default(), &mut scratch).unwrap();
        for s in PLANTED {
            let p = bg.calibrator.p_value(s);
            worst = worst.max(p);
            assert!(p < 1e-6, "{name}: p({s}) = {p:e} (K = {})", bg.fit.len());
        }
        let opts = CutOptions {
            rule: CutRule::Fdr { q: 0.05 },
            ..CutOptions::default()
        };
        let c = cut(&x, &opts, &mut scratch).unwrap();
        assert!(c.keep() >= 3 && c.threshold() <= 0.95, "{name}: {c:?}");
        println!(
            "{name}: K = {}, p(0.95) = {:.1e}, p(0.99) = {:.1e}, BH keeps {}",
            bg.fit.len(),
            bg.calibrator.p_value(0.95),
            bg.calibrator.p_value(0.99),
            c.keep()
        );
    }
    println!("largest p-value of a planted score: {worst:.2e}");
}

#[test]
fn the_querys_own_duplicate_is_a_discovery() {
    for name in SAMPLES {
        let mut x = load(name);
        x.push(1.0);
        let mut scratch = vec![0.0; x.len()];
        let opts = CutOptions {
            rule: CutRule::Fdr { q: 0.05 },
            ..CutOptions::default()
        };
        let c = cut(&x, &opts, &mut scratch).unwrap();
        assert!(c.keep() >= 1 && c.threshold() <= 1.0, "{name}: {c:?}");
        let p = c.background().unwrap().calibrator.p_value(1.0);
        assert!(p < 1e-12, "{name}: p(1.0) = {p:e}");
        // The default rule keeps it too.
        let d = cut(&x, &CutOptions::default(), &mut scratch).unwrap();
        assert!(d.keep() >= 1, "{name}: {d:?}");
    }
}

#[test]
fn held_out_null_rows_are_uniform_and_the_tail_is_calibrated() {
    // Fit on a random half of each sample plus the planted hits (the way a user fits); the
    // other half are null rows the fit never saw. Bounds: estimation-aware KS p > 0.01 on ≥ 25
    // of 26 samples (measured: 26); per sample, the 1e-2 and 1e-3 counts inside their 99 %
    // binomial intervals on ≥ 21 and ≥ 22 of 26 (measured 22 and 23). Where this misses the
    // target of every sample inside: the p-values are somewhat anti-conservative in the far
    // tail — pooled over the 26 samples 975 held-out rows have p < 1e-2 against the interval
    // [779, 928], and 150 have p < 1e-3 against [62, 110] (1.4× the top): the gamma family,
    // fitted to the body, has a thinner tail than these corpora's top 0.1 %. Bounds here: the
    // pooled counts at most 1.1× and 1.5× the interval's top.
    let mut rng = SplitMix64(0x5EED);
    let (mut ks_fail, mut t2_fail, mut t3_fail) = (0, 0, 0);
    let (mut n_all, mut c2_all, mut c3_all) = (0usize, 0usize, 0usize);
    for name in SAMPLES {
        let x = load(name);
        let (mut fit_part, mut held) = (Vec::new(), Vec::new());
        for &v in &x {
            if rng.uniform() < 0.5 {
                fit_part.push(v);
            } else {
                held.push(v);
            }
        }
        fit_part.extend_from_slice(&PLANTED);
        let mut scratch = vec![0.0; fit_part.len()];
        let bg = fit_background(&fit_part, 3, &FitOptions::default(), &mut scratch).unwrap();
        let p: Vec<f64> = held.iter().map(|&s| bg.calibrator.p_value(s)).collect();
        let mut s2 = vec![0.0; p.len()];
        let ks = ks_uniform_held_out(&p, fit_part.len(), &mut s2).unwrap();
        let c2 = p.iter().filter(|&&v| v < 1e-2).count();
        let c3 = p.iter().filter(|&&v| v < 1e-3).count();
        let (l2, h2) = binomial_99(p.len(), 1e-2);
        let (l3, h3) = binomial_99(p.len(), 1e-3);
        let ok2 = (l2..=h2).contains(&c2);
        let ok3 = (l3..=h3).contains(&c3);
        ks_fail += usize::from(ks.p_value <= 0.01);
        t2_fail += usize::from(!ok2);
        t3_fail += usize::from(!ok3);
        n_all += p.len();
        c2_all += c2;
        c3_all += c3;
        println!(
            "{name}: excl {} rounds {} K = {}, KS p = {:.3}, p<1e-2: {c2} in [{l2}, {h2}], p<1e-3: {c3} in [{l3}, {h3}]",
            bg.excluded, bg.rounds, bg.fit.len(),
            ks.p_value
        );
    }
    let (l2, h2) = binomial_99(n_all, 1e-2);
    let (l3, h3) = binomial_99(n_all, 1e-3);
    println!(
        "KS failures {ks_fail}/26, 1e-2 misses {t2_fail}/26, 1e-3 misses {t3_fail}/26; pooled \
         {c2_all} in [{l2}, {h2}] and {c3_all} in [{l3}, {h3}] of {n_all}"
    );
    assert!(ks_fail <= 1, "KS p ≤ 0.01 on {ks_fail} of 26 samples");
    assert!(
        t2_fail <= 5,
        "1e-2 tail count outside its interval on {t2_fail} samples"
    );
    assert!(
        t3_fail <= 4,
        "1e-3 tail count outside its interval on {t3_fail} samples"
    );
    assert!(
        c2_all >= l2 && c2_all as f64 <= 1.1 * h2 as f64,
        "pooled 1e-2: {c2_all}"
    );
    assert!(
        c3_all >= l3 && c3_all as f64 <= 1.5 * h3 as f64,
        "pooled 1e-3: {c3_all}"
    );
}

/// `n` unit vectors in `dim` dimensions, standard normal coordinates normalised.
fn unit(rng: &mut SplitMix64, dim: usize) -> Vec<f64> {
    let mut v: Vec<f64> = (0..dim).map(|_| rng.normal()).collect();
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

#[test]
fn random_corpus_with_near_duplicates_of_the_query() {
    // 2,000 random unit vectors in 384 dimensions and 5 near-duplicates of the query (the
    // query plus noise of 0.2–0.35 of its norm: cosines 0.94–0.98): BH at q = 0.05 discovers
    // all five and few others; the default cut keeps exactly the five.
    for seed in [1_u64, 2, 3] {
        let mut rng = SplitMix64(seed);
        let dim = 384;
        let q = unit(&mut rng, dim);
        let mut scores: Vec<f64> = (0..2000)
            .map(|_| {
                let v = unit(&mut rng, dim);
                q.iter().zip(&v).map(|(a, b)| a * b).sum()
            })
            .collect();
        for j in 0..5 {
            let noise = unit(&mut rng, dim);
            let eps = 0.2 + 0.03 * j as f64;
            let v: Vec<f64> = q.iter().zip(&noise).map(|(a, b)| a + eps * b).collect();
            let nv = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            scores.push(q.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>() / nv);
        }
        let mut scratch = vec![0.0; cut_scratch_len(scores.len())];
        let opts = CutOptions {
            rule: CutRule::Fdr { q: 0.05 },
            ..CutOptions::default()
        };
        let c = cut(&scores, &opts, &mut scratch).unwrap();
        let dup_min = scores[2000..].iter().copied().fold(f64::INFINITY, f64::min);
        assert!(
            c.keep() >= 5 && c.threshold() <= dup_min,
            "seed {seed}: {c:?}"
        );
        assert!(c.keep() <= 8, "seed {seed}: {} discoveries", c.keep());
        let d = cut(&scores, &CutOptions::default(), &mut scratch).unwrap();
        assert_eq!(d.keep(), 5, "seed {seed}: {d:?}");
        assert_eq!(d.threshold(), dup_min);
    }
}

#[test]
fn cut_errors_are_clear() {
    let mut s = vec![0.0; 8];
    let o = CutOptions::default();
    assert_eq!(
        cut(&[0.1, 0.2], &o, &mut s).unwrap_err(),
        CalibrateError::TooFewSamples { n: 2, needed: 3 }
    );
    assert!(matches!(
        cut(&[], &o, &mut s),
        Err(CalibrateError::TooFewSamples { n: 0, .. })
    ));
    assert_eq!(
        cut(&[0.1, f64::NAN, 0.3], &o, &mut s).unwrap_err(),
        CalibrateError::NonFinite { index: 1 }
    );
    assert_eq!(
        cut(&[0.1, 0.2, 1.5], &o, &mut s).unwrap_err(),
        CalibrateError::OutOfInterval {
            index: 2,
            value: 1.5,
            lo: -1.0,
            hi: 1.0
        }
    );
    assert_eq!(
        cut(&[0.1, 0.2, f64::INFINITY], &o, &mut s).unwrap_err(),
        CalibrateError::NonFinite { index: 2 }
    );
    assert_eq!(
        cut(&[0.1, 0.2, 0.3], &o, &mut s[..2]).unwrap_err(),
        CalibrateError::BufferTooSmall { needed: 3, got: 2 }
    );
    for rule in [
        CutRule::RelativeExcess { ratio: 0.0 },
        CutRule::RelativeExcess { ratio: f64::NAN },
        CutRule::RelativeExcess { ratio: 1.5 },
        CutRule::Fdr { q: 1.0 },
        CutRule::Posterior { level: -0.1 },
    ] {
        let bad = CutOptions { rule, ..o };
        assert_eq!(
            cut(&[0.1, 0.2, 0.3], &bad, &mut s).unwrap_err(),
            CalibrateError::BadLevel,
            "{rule:?}"
        );
    }
    let mut bad = o;
    bad.background.top_excluded = 0.9;
    assert!(matches!(
        cut(&[0.1, 0.2, 0.3], &bad, &mut s),
        Err(CalibrateError::BadOption(_))
    ));
    // A model-based rule on too few scores to fit: an error from the fit, not a panic.
    let fdr = CutOptions {
        rule: CutRule::Fdr { q: 0.05 },
        ..o
    };
    assert!(matches!(
        cut(&[0.1, 0.2, 0.3], &fdr, &mut s),
        Err(CalibrateError::Fit(_))
    ));
}

#[test]
fn ratio_one_keeps_the_top_two_and_ties() {
    let x = [0.1, 0.2, 0.15, 0.7, 0.123_456_789_012_345_6, 0.7];
    let mut s = [0.0; 6];
    let o = CutOptions {
        rule: CutRule::RelativeExcess { ratio: 1.0 },
        ..CutOptions::default()
    };
    let c = cut(&x, &o, &mut s).unwrap();
    assert_eq!((c.keep(), c.threshold()), (2, 0.7));
    // All scores equal: nothing stands out, nothing is kept.
    let c = cut(&[0.3; 5], &CutOptions::default(), &mut s).unwrap();
    assert_eq!((c.keep(), c.threshold()), (0, f64::INFINITY));
    // Scores at exactly ±1 are valid input.
    let c = cut(
        &[-1.0, 0.0, 0.1, 0.05, 1.0, 1.0],
        &CutOptions::default(),
        &mut s,
    )
    .unwrap();
    assert_eq!((c.keep(), c.threshold()), (2, 1.0));
}

#[test]
fn f32_scores_give_the_f64_decision() {
    let x = load("h00_minilm_l6");
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let x64: Vec<f64> = x32.iter().map(|&v| f64::from(v)).collect();
    let mut scratch = vec![0.0; x.len()];
    for rule in [
        CutRule::RelativeExcess { ratio: 0.65 },
        CutRule::Fdr { q: 0.05 },
        CutRule::ExpectedF1,
        CutRule::Posterior { level: 0.5 },
    ] {
        let o = CutOptions {
            rule,
            ..CutOptions::default()
        };
        let a = cut(&x64, &o, &mut scratch).unwrap();
        let b = cut_f32(&x32, &o, &mut scratch).unwrap();
        assert_eq!(
            (a.keep(), a.threshold()),
            (b.keep(), b.threshold()),
            "{rule:?}"
        );
    }
}

#[test]
fn keep_and_threshold_agree_and_max_keep_caps() {
    let x = load("h03_minilm_l3");
    let mut scratch = vec![0.0; x.len()];
    for rule in [
        CutRule::RelativeExcess { ratio: 0.5 },
        CutRule::Fdr { q: 0.2 },
        CutRule::ExpectedF1,
        CutRule::Posterior { level: 0.3 },
    ] {
        let o = CutOptions {
            rule,
            ..CutOptions::default()
        };
        let c = cut(&x, &o, &mut scratch).unwrap();
        let at_or_above = x.iter().filter(|&&s| s >= c.threshold()).count();
        assert_eq!(c.keep(), at_or_above, "{rule:?}: {c:?}");
        if c.keep() > 1 {
            let capped = CutOptions {
                max_keep: c.keep() - 1,
                ..o
            };
            let d = cut(&x, &capped, &mut scratch).unwrap();
            assert_eq!(d.keep(), c.keep() - 1);
            assert!(d.threshold() > c.threshold());
            assert_eq!(x.iter().filter(|&&s| s >= d.threshold()).count(), d.keep());
        }
    }
}

#[test]
fn sketch_path_matches_the_exact_median_within_a_bin() {
    // Past `sketch_above` the median comes from a 4096-bin histogram: the decision moves only
    // where a score lies within the median's bin error of the threshold.
    let mut rng = SplitMix64(11);
    let mut x: Vec<f64> = (0..300_000)
        .map(|_| (-0.1 + rng.gamma(9.0) / 30.0).clamp(-1.0, 1.0))
        .collect();
    x.extend([0.93, 0.95, 0.97]);
    let mut scratch = vec![0.0; x.len()];
    let exact = cut(
        &x,
        &CutOptions {
            sketch_above: usize::MAX,
            ..CutOptions::default()
        },
        &mut scratch,
    )
    .unwrap();
    // the histogram lives in the first 4096 values of the scratch: that is all it needs
    let sketched = cut(&x, &CutOptions::default(), &mut [0.0; 4096]).unwrap();
    assert!(cut(&x, &CutOptions::default(), &mut [0.0; 4095]).is_err());
    let diff = exact.keep().abs_diff(sketched.keep());
    assert!(diff <= 2, "exact {exact:?} vs sketch {sketched:?}");
    assert!(exact.keep() >= 3);
}

#[test]
fn score_at_p_value_inverts_the_p_value() {
    let x = load("w1_minilm_l6");
    let mut scratch = vec![0.0; x.len()];
    let bg = fit_background(&x, 3, &FitOptions::default(), &mut scratch).unwrap();
    for alpha in [0.5, 1e-2, 1e-4, 1e-8, 1e-12] {
        let s = bg.calibrator.score_at_p_value(alpha).unwrap();
        let p = bg.calibrator.p_value(s);
        assert!(
            p <= alpha * (1.0 + 1e-9),
            "alpha {alpha}: s = {s}, p = {p:e}"
        );
        // One step below the returned score the p-value exceeds alpha.
        let below = s - 1e-12;
        assert!(
            bg.calibrator.p_value(below) >= alpha * (1.0 - 1e-6),
            "alpha {alpha}"
        );
    }
    assert_eq!(
        bg.calibrator.score_at_p_value(0.0),
        Err(CalibrateError::BadLevel)
    );
    assert!(bg.calibrator.score_at_p_value(f64::NAN).is_err());
}

#[test]
fn scores_at_plus_and_minus_one_fit_and_calibrate() {
    // Self-matches (exact 1.0) and an antipodal row (exact −1.0) are normal input: on every
    // real sample the background stays a proper fit (no component driven to the shape cap by
    // the −1 row, which used to drag every shift below it: K = 1 at α = 10⁷ on h00), the −1 row
    // is left out as a far low outlier, the self-matches are the most significant scores, and
    // the p-values of the sample's own rows hardly move.
    for name in SAMPLES.iter().take(8) {
        let x = load(name);
        let mut with = x.clone();
        with.extend([1.0, 1.0, -1.0]);
        let mut s1 = vec![0.0; with.len()];
        let mut s0 = vec![0.0; x.len()];
        let bg = fit_background(&with, 3, &FitOptions::default(), &mut s1).unwrap();
        let plain = fit_background(&x, 3, &FitOptions::default(), &mut s0).unwrap();
        assert_eq!(bg.low_outliers, 1, "{name}");
        assert_eq!(plain.low_outliers, 0, "{name}");
        assert!(
            !bg.fit.at_shape_cap(),
            "{name}: a component at the shape cap: {:?}",
            bg.fit
        );
        assert!(bg.calibrator.p_value(1.0) < 1e-12, "{name}");
        for q in [0.5, 0.9, 0.99] {
            let s = x[(q * (x.len() - 1) as f64) as usize];
            let (a, b) = (bg.calibrator.p_value(s), plain.calibrator.p_value(s));
            assert!((a - b).abs() <= 0.01, "{name}: p({s}) {a} vs {b}");
        }
        let c = cut(
            &with,
            &CutOptions {
                rule: CutRule::Fdr { q: 0.05 },
                ..CutOptions::default()
            },
            &mut s1,
        )
        .unwrap();
        assert!(c.keep() >= 2, "{name}: the self-matches are discoveries");
    }
}

/// Rows of one labelled setting's score matrix (`file` in tests/data/labelled, `docs` columns).
fn labelled_queries(file: &str, docs: usize) -> Vec<Vec<f32>> {
    let path = format!("{}/tests/data/labelled/{file}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).expect("labelled scores");
    let all: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    all.chunks_exact(docs).map(<[f32]>::to_vec).collect()
}

/// One background, several rules: `cut_with_background` with the background of a BH cut gives
/// every model rule's decision of `cut` itself, bit for bit (keep, threshold, relevance model),
/// on real retrieval queries of both collections, f64 and f32 entry points; the default rule
/// ignores the background.
#[test]
fn cut_with_background_equals_cut_on_real_queries() {
    let rules = [
        CutRule::ExpectedF1,
        CutRule::Posterior { level: 0.5 },
        CutRule::Fdr { q: 0.1 },
        CutRule::RelativeExcess { ratio: 0.65 },
    ];
    for (file, docs) in [
        ("cranfield_minilm_l6.f32", 1400),
        ("cisi_minilm_l3.f32", 1460),
    ] {
        for q32 in labelled_queries(file, docs).iter().step_by(40) {
            let q: Vec<f64> = q32.iter().map(|&v| f64::from(v)).collect();
            let mut scratch = vec![0.0; cut_scratch_len(q.len())];
            let bh = CutOptions {
                rule: CutRule::Fdr { q: 0.05 },
                ..CutOptions::default()
            };
            let first = cut(&q, &bh, &mut scratch).expect("BH cut");
            let bg = first.background().expect("the BH cut's background").clone();
            for rule in rules {
                let o = CutOptions {
                    rule,
                    ..CutOptions::default()
                };
                let direct = cut(&q, &o, &mut scratch).expect("cut");
                let again = cut_with_background(&q, &bg, &o, &mut scratch).expect("again");
                let again32 =
                    cut_f32_with_background(q32, &bg, &o, &mut scratch).expect("again f32");
                for c in [&again, &again32] {
                    assert_eq!(c.keep(), direct.keep(), "{file} {rule:?}");
                    assert_eq!(c.threshold().to_bits(), direct.threshold().to_bits());
                    assert_eq!(c.relevance(), direct.relevance());
                }
            }
        }
    }
}

#[test]
fn cut_with_background_refuses_bad_input() {
    let q: Vec<f64> = (0..200).map(|i| -0.2 + 0.004 * i as f64).collect();
    let mut scratch = vec![0.0; q.len()];
    let o = CutOptions {
        rule: CutRule::ExpectedF1,
        ..CutOptions::default()
    };
    let bg = cut(&q, &o, &mut scratch)
        .expect("cut")
        .background()
        .expect("background")
        .clone();
    let mut bad = q.clone();
    bad[7] = f64::NAN;
    assert_eq!(
        cut_with_background(&bad, &bg, &o, &mut scratch).unwrap_err(),
        CalibrateError::NonFinite { index: 7 }
    );
    bad[7] = 1.5;
    assert!(matches!(
        cut_with_background(&bad, &bg, &o, &mut scratch).unwrap_err(),
        CalibrateError::OutOfInterval { index: 7, value, .. } if value == 1.5
    ));
    assert_eq!(
        cut_with_background(&q, &bg, &o, &mut scratch[..10]).unwrap_err(),
        CalibrateError::BufferTooSmall {
            needed: 200,
            got: 10
        }
    );
    assert!(matches!(
        cut_with_background(&q[..2], &bg, &o, &mut scratch),
        Err(CalibrateError::TooFewSamples { n: 2, .. })
    ));
}

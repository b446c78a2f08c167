//! Gamma atoms, the dendrogram and DSC: merge properties, invariants, likelihood, pipeline.
use simstat::dist::TruncatedShiftedGamma;
use simstat::fit::MixtureFit;
use simstat::select::gamma_atoms::shape_from_log_gap;
use simstat::select::{
    select_order, Atom, Dendrogram, DscOptions, GammaAtom, GammaChart, GammaLevelLikelihood,
    GammaMerge, KappaOne, LevelLikelihood, LevelRefit, SelectError,
};
use simstat::special::digamma;
use statrs::distribution::{Continuous, Gamma};

mod common;
use common::{Sample, SplitMix64};

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// E[x − c] and E[log(x − c)] of a shifted gamma for c ≤ shift by composite Simpson, in
/// t = y^α (smooth integrand e^{−λ y(t)} for any α) for α < 1 and in y otherwise.
fn brute_moments(a: &GammaAtom, c: f64) -> (f64, f64) {
    let g = Gamma::new(a.shape, a.rate).unwrap();
    let small = a.shape < 1.0;
    let hi_y = (a.shape + 40.0 * a.shape.sqrt() + 40.0) / a.rate;
    let hi = if small { hi_y.powf(a.shape) } else { hi_y };
    let n = 400_000;
    let h = hi / n as f64;
    let (mut m, mut l, mut z) = (0.0, 0.0, 0.0);
    for i in 0..=n {
        let t = h * i as f64;
        // density in t: for y = t^{1/α}, f(y) dy = λ^α e^{−λy}/Γ(α+1) dt
        let (y, dens) = if small {
            let y = t.powf(1.0 / a.shape);
            (
                y,
                (a.shape * a.rate.ln() - a.rate * y - simstat::special::ln_gamma(a.shape + 1.0))
                    .exp(),
            )
        } else {
            (t, g.pdf(t))
        };
        let w = if i == 0 || i == n {
            1.0
        } else if i % 2 == 1 {
            4.0
        } else {
            2.0
        } * dens;
        z += w;
        if w > 0.0 {
            m += w * (y + a.shift - c);
            l += w * (y + a.shift - c).ln();
        }
    }
    (m / z, l / z)
}

#[test]
fn merge_is_symmetric_weight_preserving_and_idempotent() {
    let mut rng = SplitMix64(11);
    for i in 0..400 {
        let rule = if i % 2 == 0 {
            GammaMerge::Moments
        } else {
            GammaMerge::SufficientStatistic
        };
        let mut draw = || {
            GammaAtom::new(
                0.05 + rng.next_f64(),
                0.5 + 50.0 * rng.next_f64(),
                1.0 + 100.0 * rng.next_f64(),
                -1.0 + rng.next_f64(),
            )
            .with_rules(GammaChart::Cumulant, rule)
        };
        let (a, b) = (draw(), draw());
        let ab = a.merge(&b).unwrap();
        let ba = b.merge(&a).unwrap();
        // symmetric: bit-for-bit (every sum is formed in a commutative way)
        assert_eq!(ab, ba);
        // weight preserving (to 1 ulp-ish)
        assert!(rel(ab.weight, a.weight + b.weight) < 1e-15);
        // the merged atom covers both atoms' effective supports
        assert!(ab.shift <= a.support_start().min(b.support_start()));
        if rule == GammaMerge::SufficientStatistic {
            assert_eq!(ab.shift, a.shift.min(b.shift));
        }
        // idempotent on identical atoms (weights may differ)
        let a2 = GammaAtom { weight: 0.3, ..a };
        let aa = a.merge(&a2).unwrap();
        assert!(rel(aa.shape, a.shape) < 1e-9, "{} vs {}", aa.shape, a.shape);
        assert!(rel(aa.rate, a.rate) < 1e-9);
        assert!(
            (aa.shift - a.shift).abs() <= 1e-12,
            "{} vs {}",
            aa.shift,
            a.shift
        );
        assert!(a.dissimilarity(&a2) == 0.0);
        assert_eq!(a.dissimilarity(&b), b.dissimilarity(&a));
        assert!(a.dissimilarity(&b) >= 0.0);
    }
}

/// Mean, variance and third central moment of a two-atom gamma mixture (closed form).
fn pair_moments(a: &GammaAtom, b: &GammaAtom) -> (f64, f64, f64) {
    let p = a.weight + b.weight;
    let mu = (a.weight * a.mean() + b.weight * b.mean()) / p;
    let (mut v, mut m3) = (0.0, 0.0);
    for g in [a, b] {
        let d = g.mean() - mu;
        let var = g.shape / (g.rate * g.rate);
        v += g.weight / p * (var + d * d);
        m3 += g.weight / p * (2.0 * g.shape / g.rate.powi(3) + 3.0 * var * d + d * d * d);
    }
    (mu, v, m3)
}

#[test]
fn moment_merge_matches_the_first_three_moments_of_the_pair() {
    // Unclamped case: the merged atom's κ1, κ2, κ3 equal the pair mixture's (1e-10 relative).
    let a = GammaAtom::new(0.7, 4.0, 30.0, -0.5);
    let b = GammaAtom::new(0.3, 6.0, 35.0, -0.3);
    let m = a.merge(&b).unwrap();
    let (mu, v, m3) = pair_moments(&a, &b);
    assert!(m.shift < a.support_start().min(b.support_start()));
    assert!(rel(m.mean(), mu) < 1e-10);
    assert!(rel(m.sd() * m.sd(), v) < 1e-10);
    assert!(
        rel(2.0 * m.shape / m.rate.powi(3), m3) < 1e-10,
        "{m:?} {m3}"
    );
    // A near-normal atom with its shift far below the data (α = 2e5, c = −15, as over-fitted
    // fits return) merged with a skewed one: the shift is not pinned at −15 (the old rule's
    // c = min(c_i, c_j)), the merged atom keeps a clear skewness.
    let normal = GammaAtom::new(0.45, 2.0e5, 1.355e4, -15.217);
    let skewed = GammaAtom::new(0.55, 1.8, 22.6, -0.436);
    let m = normal.merge(&skewed).unwrap();
    let (mu, v, _) = pair_moments(&normal, &skewed);
    assert!(m.shift > -1.0 && m.shift <= normal.support_start().min(skewed.support_start()));
    assert!(rel(m.mean(), mu) < 1e-10 && rel(m.sd() * m.sd(), v) < 1e-10);
    assert!(
        2.0 / m.shape.sqrt() > 0.3,
        "skewness {}",
        2.0 / m.shape.sqrt()
    );
    let old = normal
        .with_rules(GammaChart::Cumulant, GammaMerge::SufficientStatistic)
        .merge(&skewed)
        .unwrap();
    assert_eq!(old.shift, -15.217);
    // Symmetric pair (negative third moment impossible for a gamma → normal limit, capped).
    let l = GammaAtom::new(0.5, 1e6, 1e4, -99.5);
    let r = GammaAtom::new(0.5, 1e6, 1e4, -99.3);
    let m = l.merge(&r).unwrap();
    assert!(m.shape >= 1e6 && m.shape.is_finite());
}

#[test]
fn cumulant_chart_is_in_units_of_x() {
    // θ = (κ1, √κ2, κ3/κ2)/S: rescaling x (and S) leaves the chart unchanged; the normal limit
    // has third coordinate → 0; the skewness chart's third coordinate is 2/√α.
    let a = GammaAtom::new(0.5, 4.0, 20.0, 0.1);
    let mut pair = [a, GammaAtom::new(0.5, 9.0, 30.0, 0.3)];
    GammaAtom::standardise(&mut pair).unwrap();
    let s = 10.0;
    let mut scaled = pair.map(|g| GammaAtom::new(g.weight, g.shape, g.rate / s, g.shift * s));
    GammaAtom::standardise(&mut scaled).unwrap();
    for (x, y) in pair[0].chart().iter().zip(scaled[0].chart().iter()) {
        assert!(rel(*y, *x) < 1e-12, "{x} vs {y}");
    }
    assert!(rel(pair[0].chart()[2], 2.0 / (20.0 * pair[0].scale)) < 1e-15);
    let near_normal = GammaAtom::new(1.0, 1e7, 1e4, -999.0);
    assert!(near_normal.chart()[2] < 1e-3);
    let sk = pair[0].with_rules(GammaChart::Skewness, GammaMerge::Moments);
    assert_eq!(sk.chart()[2], 1.0);
}

#[test]
fn merge_matches_sufficient_statistics_of_the_pair() {
    // Same shift: closed form. E[x−c] and E[log(x−c)] of the merged atom equal the pair's.
    let ss = |g: GammaAtom| g.with_rules(GammaChart::Cumulant, GammaMerge::SufficientStatistic);
    let a = ss(GammaAtom::new(0.3, 4.0, 20.0, 0.1));
    let b = GammaAtom::new(0.7, 9.0, 30.0, 0.1);
    let m = a.merge(&b).unwrap();
    let mean = |g: &GammaAtom| g.shape / g.rate;
    let mlog = |g: &GammaAtom| digamma(g.shape) - g.rate.ln();
    assert!(rel(mean(&m), 0.3 * mean(&a) + 0.7 * mean(&b)) < 1e-12);
    assert!((mlog(&m) - (0.3 * mlog(&a) + 0.7 * mlog(&b))).abs() < 1e-11);
    // Different shifts: the quadrature of E[log(x − c)] against brute-force Simpson (1e-7).
    for (shape, rate, shift) in [(0.7, 5.0, 0.2), (3.0, 20.0, 0.05), (200.0, 800.0, 0.3)] {
        let hi = ss(GammaAtom::new(0.6, shape, rate, shift));
        let lo = GammaAtom::new(0.4, 5.0, 25.0, -0.1);
        let m = hi.merge(&lo).unwrap();
        let (m_hi, l_hi) = brute_moments(&hi, -0.1);
        let (m_lo, l_lo) = brute_moments(&lo, -0.1);
        let want_m = 0.6 * m_hi + 0.4 * m_lo;
        let want_l = 0.6 * l_hi + 0.4 * l_lo;
        let got_m = m.shape / m.rate;
        let got_l = digamma(m.shape) - m.rate.ln();
        assert!(rel(got_m, want_m) < 1e-7, "{got_m} {want_m}");
        assert!((got_l - want_l).abs() < 1e-7, "{got_l} {want_l}");
    }
}

#[test]
fn shape_equation_inverts_log_gap() {
    for &a in &[0.05_f64, 0.5, 1.0, 3.0, 40.0, 1e3, 1e5] {
        let s = a.ln() - digamma(a);
        let got = shape_from_log_gap(s).unwrap();
        assert!(rel(got, a) < 1e-8, "{a} -> {got}");
    }
    assert!(shape_from_log_gap(f64::NAN).is_err());
}

fn random_atoms(rng: &mut SplitMix64, k: usize) -> Vec<GammaAtom> {
    let mut v: Vec<GammaAtom> = (0..k)
        .map(|_| {
            GammaAtom::new(
                1e-3 + rng.next_f64(),
                0.3 + 10f64.powf(3.0 * rng.next_f64()),
                0.1 + 10f64.powf(3.0 * rng.next_f64()),
                -1.0 + 1.5 * rng.next_f64(),
            )
        })
        .collect();
    GammaAtom::standardise(&mut v).unwrap();
    v
}

#[test]
fn dendrogram_invariants_on_random_mixtures() {
    // Fuzz-style invariant check: 300 random valid mixtures with 1..=16 atoms.
    let mut rng = SplitMix64(2024);
    for _ in 0..300 {
        let k0 = 1 + (rng.next_f64() * 16.0) as usize;
        let atoms = random_atoms(&mut rng, k0);
        let d = Dendrogram::<GammaAtom, 16>::build(&atoms).unwrap();
        assert_eq!(d.k0(), k0);
        assert_eq!(d.merges().len(), k0 - 1);
        for s in d.merges() {
            assert!(s.height.is_finite() && s.height >= 0.0);
            assert!(s.slot_i < s.slot_j);
        }
        for kappa in 1..=k0 {
            let lv = d.level(kappa).unwrap();
            assert_eq!(lv.len(), kappa);
            let w: f64 = lv.atoms().iter().map(|a| a.weight).sum();
            assert!((w - 1.0).abs() < 1e-12, "weights sum {w} at level {kappa}");
            for a in lv.atoms() {
                a.validate().unwrap();
            }
        }
        assert!(d.level(0).is_err());
        assert!(d.level(k0 + 1).is_err());
    }
}

#[test]
fn bad_input_is_an_error() {
    let ok = GammaAtom::new(0.5, 2.0, 3.0, 0.0);
    assert_eq!(
        Dendrogram::<GammaAtom, 4>::build(&[]).unwrap_err(),
        SelectError::TooFewAtoms
    );
    assert_eq!(
        Dendrogram::<GammaAtom, 2>::build(&[ok, ok, ok]).unwrap_err(),
        SelectError::TooManyAtoms { capacity: 2 }
    );
    for bad in [
        GammaAtom::new(f64::NAN, 2.0, 3.0, 0.0),
        GammaAtom::new(0.5, f64::INFINITY, 3.0, 0.0),
        GammaAtom::new(0.0, 2.0, 3.0, 0.0),
        GammaAtom::new(0.5, -1.0, 3.0, 0.0),
        GammaAtom::new(0.5, 2.0, 0.0, 0.0),
    ] {
        assert!(Dendrogram::<GammaAtom, 4>::build(&[ok, bad]).is_err());
    }
    assert!(GammaLevelLikelihood::new(&[], -1.0, 1.0).is_err());
    assert!(GammaLevelLikelihood::new(&[0.1, f64::NAN], -1.0, 1.0).is_err());
    assert!(GammaLevelLikelihood::new(&[0.1, 1.5], -1.0, 1.0).is_err());
    assert!(GammaLevelLikelihood::new(&[0.1], 1.0, -1.0).is_err());
    let d = Dendrogram::<GammaAtom, 4>::build(&[ok, ok]).unwrap();
    assert_eq!(
        d.criteria(&DscOptions::default()).unwrap_err(),
        SelectError::NotEvaluated
    );
}

#[test]
fn level_likelihood_matches_statrs() {
    // One atom whose truncation mass on [-1, 1] is 1 to double precision: the LL is Σ log pdf.
    let a = GammaAtom::new(1.0, 6.0, 40.0, -0.5);
    let g = Gamma::new(6.0, 40.0).unwrap();
    let data: Vec<f64> = (1..200).map(|i| -0.5 + 0.004 * i as f64).collect();
    let want: f64 = data.iter().map(|&x| g.ln_pdf(x + 0.5)).sum();
    let fit = GammaLevelLikelihood::new(&data, -1.0, 1.0)
        .unwrap()
        .evaluate(&[a])
        .unwrap();
    assert!(rel(fit.log_likelihood, want) < 1e-12);
    assert_eq!(fit.n_params, 3);
    assert!(fit.entropy == 0.0);
}

/// Two well-separated true gammas; an "over-fitted" description that splits each into near-
/// duplicates (perturbed by ~N^{-1/4} as over-fitted MLE atoms are), handed to `select_order`
/// as a mixture: DSC must pick 2, with the paper's settings and with the defaults.
#[test]
fn dsc_picks_two_separated_gammas_from_split_atoms() {
    let mut rng = SplitMix64(5);
    let n = 5000;
    let truth = [
        GammaAtom::new(0.6, 12.0, 60.0, -0.1),
        GammaAtom::new(0.4, 30.0, 100.0, 0.2),
    ];
    let data: Vec<f64> = (0..n)
        .map(|_| {
            let t = if rng.next_f64() < 0.6 {
                truth[0]
            } else {
                truth[1]
            };
            (t.shift + rng.gamma(t.shape) / t.rate).min(1.0)
        })
        .collect();
    let (mut ok_paper, mut ok_default) = (0, 0);
    for rep in 0..10 {
        let (mut weights, mut comps) = (Vec::new(), Vec::new());
        for (t, parts) in truth.iter().zip([4usize, 3]) {
            for _ in 0..parts {
                let e = 0.12 * (1.0 + rep as f64 / 10.0);
                weights.push(t.weight / parts as f64 * (1.0 + 0.2 * (rng.next_f64() - 0.5)));
                comps.push(
                    TruncatedShiftedGamma::new(
                        t.shape * (1.0 + e * (rng.next_f64() - 0.5)),
                        t.rate * (1.0 + e * (rng.next_f64() - 0.5)),
                        t.shift - 0.01 * rng.next_f64(),
                        -1.0,
                        1.0,
                    )
                    .unwrap(),
                );
            }
        }
        let over = MixtureFit::from_components(&weights, &comps, n as u64, f64::NAN).unwrap();
        let sel = select_order(&over, &data, &DscOptions::paper()).unwrap();
        // refitting each level by EM passes never lowers its likelihood here (within 1e-6 rel.)
        let em = DscOptions {
            refit: LevelRefit::Em { passes: 5 },
            ..DscOptions::paper()
        };
        let selr = select_order(&over, &data, &em).unwrap();
        for kappa in 1..=7 {
            let (a, b) = (
                sel.log_likelihood(kappa).unwrap(),
                selr.log_likelihood(kappa).unwrap(),
            );
            assert!(b >= a - 1e-6 * a.abs());
        }
        ok_paper += usize::from(sel.dsc_choice() == 2);
        ok_default += usize::from(
            select_order(&over, &data, &DscOptions::default())
                .unwrap()
                .dsc_choice()
                == 2,
        );
        // DSC(1) is excluded by default; with a height for κ = 1 it is defined.
        assert!(sel.dsc_curve()[0].is_nan());
        let c1 = sel
            .dendrogram()
            .criteria(&DscOptions {
                kappa_one: KappaOne::NoiseScale,
                ..DscOptions::paper()
            })
            .unwrap();
        assert!(c1.dsc_curve()[0].is_finite());
        // Display and JSON render every level
        let d = sel.dendrogram();
        let text = format!("{d}\n{}", sel.criteria());
        assert!(text.contains("level  7"), "{text}");
        let mut json = String::new();
        d.write_json(&mut json).unwrap();
        assert_eq!(json.matches('{').count(), json.matches('}').count());
        assert!(json.starts_with("{\"k0\":7") && json.contains("\"levels\":[{\"kappa\":7"));
    }
    assert!(ok_paper >= 9, "paper's DSC chose 2 in {ok_paper}/10");
    assert!(ok_default >= 9, "default DSC chose 2 in {ok_default}/10");
}

//! Tests of the calibration statistics: BH cut-off against its definition, KS against scipy.
use simstat::calibrate::{bh_cutoff, kolmogorov_sf, ks_uniform, CalibrateError};

mod common;

use common::{Sample, SplitMix64};

#[test]
fn bh_matches_its_definition_on_random_batches() {
    let mut rng = SplitMix64(7);
    for trial in 0..200 {
        let m = 1 + trial % 60;
        let signal = trial % 3; // mix of null-only and signal batches
        let p: Vec<f64> = (0..m)
            .map(|i| {
                let u = rng.uniform();
                if i < signal * m / 4 {
                    u * 1e-4
                } else {
                    u
                }
            })
            .collect();
        let q = [0.01, 0.05, 0.2][trial % 3];
        let mut scratch = vec![0.0; m];
        let cut = bh_cutoff(&p, q, &mut scratch).unwrap();
        // Brute force: the largest k such that at least k p-values are ≤ k q / m.
        let mut k_star = 0;
        for k in 1..=m {
            let thr = k as f64 * q / m as f64;
            if p.iter().filter(|&&x| x <= thr).count() >= k {
                k_star = k;
            }
        }
        assert_eq!(cut.discoveries, k_star, "trial {trial}");
        let rejected = p.iter().filter(|&&x| cut.is_discovery(x)).count();
        assert_eq!(rejected, k_star, "trial {trial}");
        assert!(scratch.windows(2).all(|w| w[0] <= w[1]));
    }
}

#[test]
fn bh_rejects_bad_input() {
    let mut s = [0.0; 4];
    assert_eq!(bh_cutoff(&[], 0.05, &mut s), Err(CalibrateError::Empty));
    assert_eq!(
        bh_cutoff(&[0.1], 0.0, &mut s),
        Err(CalibrateError::BadLevel)
    );
    assert_eq!(
        bh_cutoff(&[0.1], f64::NAN, &mut s),
        Err(CalibrateError::BadLevel)
    );
    assert_eq!(
        bh_cutoff(&[0.1, f64::NAN], 0.05, &mut s),
        Err(CalibrateError::NotAProbability)
    );
    assert_eq!(
        bh_cutoff(&[1.5], 0.05, &mut s),
        Err(CalibrateError::NotAProbability)
    );
    assert_eq!(
        bh_cutoff(&[0.1; 5], 0.05, &mut s),
        Err(CalibrateError::BufferTooSmall { needed: 5, got: 4 })
    );
}

#[test]
fn kolmogorov_sf_matches_scipy() {
    // scipy.special.kolmogorov (scipy 1.17.1), bound 1e-12 absolute.
    let reference = [
        (0.3, 0.9999906941986655),
        (0.5, 0.9639452436648751),
        (0.8, 0.5441424115741981),
        (1.0, 0.26999967167735456),
        (1.2, 0.11224966667072497),
        (1.36, 0.049485876755377876),
        (1.63, 0.009846364888486529),
        (2.0, 0.0006709252557796953),
        (3.0, 3.045995948942526e-08),
    ];
    for (l, want) in reference {
        let got = kolmogorov_sf(l);
        assert!((got - want).abs() <= 1e-12, "Q({l}) = {got}, scipy {want}");
    }
    assert_eq!(kolmogorov_sf(0.0), 1.0);
    assert!(kolmogorov_sf(f64::NAN).is_nan());
}

#[test]
fn ks_accepts_uniform_and_rejects_skewed_samples() {
    let mut rng = SplitMix64(11);
    let n = 2000;
    let u: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
    let mut scratch = vec![0.0; n];
    let t = ks_uniform(&u, &mut scratch).unwrap();
    assert!(t.p_value > 0.01, "uniform sample rejected: {t:?}");
    let skewed: Vec<f64> = u.iter().map(|x| x * x).collect();
    let t = ks_uniform(&skewed, &mut scratch).unwrap();
    assert!(t.p_value < 1e-6, "x² of uniform accepted: {t:?}");
    assert_eq!(ks_uniform(&[], &mut scratch), Err(CalibrateError::Empty));
}

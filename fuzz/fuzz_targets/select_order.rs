//! Fuzz `select_order`: arbitrary mixtures (up to 8 components from arbitrary bit patterns,
//! kept when they make a valid truncated gamma on [−1, 1]) and arbitrary data (up to 64 values,
//! any bit pattern) give Err or a selection whose choices lie in 1..=leaves, whose leaves and
//! absorbed components add up to the fit's K, and whose every level comes back as a mixture of
//! that many components (or an Err); never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::dist::TruncatedShiftedGamma;
use simstat::fit::MixtureFit;
use simstat::select::{select_order, DscOptions, LevelRefit};

fuzz_target!(|input: (Vec<[u64; 4]>, Vec<u64>)| {
    let (raw, xs) = input;
    let mut weights = Vec::new();
    let mut comps = Vec::new();
    for a in raw.iter().take(8) {
        let [w, s, r, c] = a.map(f64::from_bits);
        if let Ok(t) = TruncatedShiftedGamma::new(s, r, c, -1.0, 1.0) {
            weights.push(w);
            comps.push(t);
        }
    }
    let data: Vec<f64> = xs.iter().take(64).map(|&b| f64::from_bits(b)).collect();
    let Ok(fit) = MixtureFit::from_components(&weights, &comps, data.len() as u64, f64::NAN) else {
        return;
    };
    let opts = DscOptions {
        refit: LevelRefit::Mle { max_passes: 5 },
        ..DscOptions::default()
    };
    let Ok(sel) = select_order(&fit, &data, &opts) else {
        return;
    };
    let k0 = sel.leaves();
    assert!(k0 >= 1 && k0 + sel.absorbed() == fit.len());
    for c in [
        sel.dsc_choice(),
        sel.aic_choice(),
        sel.bic_choice(),
        sel.icl_choice(),
    ] {
        assert!((1..=k0).contains(&c), "choice {c} of {k0}");
    }
    for level in 1..=k0 {
        if let Ok(m) = sel.mixture(level) {
            assert_eq!(m.len(), level);
        }
    }
    assert!(sel.mixture(k0 + 1).is_err());
});

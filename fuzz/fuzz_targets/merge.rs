//! Fuzz the dendrogram of gamma atoms: arbitrary atoms (up to 16, arbitrary bit patterns) give
//! Err or a dendrogram whose every level keeps the total weight (1 when the leaves sum to 1),
//! has κ atoms at level κ, finite non-negative heights, and K0 − 1 merges; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::select::{Dendrogram, GammaAtom};

fuzz_target!(|raw: Vec<[u64; 4]>| {
    let mut atoms: Vec<GammaAtom> = raw
        .iter()
        .take(16)
        .map(|a| {
            let [w, s, r, c] = a.map(f64::from_bits);
            GammaAtom::new(w, s, r, c)
        })
        .collect();
    // Normalise finite positive weights to sum to 1, as a fitted mixture has.
    let total: f64 = atoms.iter().map(|a| a.weight).sum();
    if total.is_finite() && total > 0.0 {
        for a in &mut atoms {
            a.weight /= total;
        }
    }
    if GammaAtom::standardise(&mut atoms).is_err() {
        return;
    }
    let Ok(d) = Dendrogram::<GammaAtom, 16>::build(&atoms) else {
        return;
    };
    let k0 = d.k0();
    assert_eq!(k0, atoms.len());
    assert_eq!(d.merges().len(), k0 - 1);
    let leaf_total: f64 = d.leaves().iter().map(|a| a.weight).sum();
    for m in d.merges() {
        assert!(
            m.height.is_finite() && m.height >= 0.0,
            "height {}",
            m.height
        );
    }
    for kappa in 1..=k0 {
        let level = d.level(kappa).expect("every level 1..=K0 exists");
        assert_eq!(level.len(), kappa);
        let sum: f64 = level.atoms().iter().map(|a| a.weight).sum();
        assert!(
            (sum - leaf_total).abs() <= 1e-12 * leaf_total.max(1.0),
            "level {kappa}: {sum} vs {leaf_total}"
        );
        for a in level.atoms() {
            assert!(
                a.shape.is_finite()
                    && a.shape > 0.0
                    && a.rate.is_finite()
                    && a.rate > 0.0
                    && a.shift.is_finite()
            );
        }
    }
});

//! f32 entry points of the fits (`fit_gamma_f32`, `fit_mixture_f32`, `Sketch::extend_f32`) read
//! real f32 scores in place and give, bit for bit, the fits of the values widened to f64.

use simstat::fit::{
    fit_gamma, fit_gamma_f32, fit_gamma_f32_in, fit_mixture_f32, fit_mixture_with, FitOptions,
    GammaWorkspace, MixtureOptions, Sketch,
};
use simstat::wire::ByteForm;

/// Rows of the Cranfield score matrix (all-MiniLM-L6-v2, f32 as stored): 1400 scores each.
fn rows() -> Vec<Vec<f32>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/labelled/cranfield_minilm_l6.f32"
    );
    let bytes = std::fs::read(path).expect("tests/data/labelled/cranfield_minilm_l6.f32");
    let all: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    all.chunks_exact(1400).map(<[f32]>::to_vec).collect()
}

fn bits<T: ByteForm>(v: &T) -> Vec<u8> {
    let mut b = vec![0u8; v.byte_len()];
    v.write_to(&mut b).unwrap();
    b
}

#[test]
fn f32_fits_equal_the_fits_of_the_widened_values() {
    let opts = FitOptions::default();
    let mo = MixtureOptions::default();
    let mut ws = Box::new(GammaWorkspace::<4096>::new());
    // every 20th query (12 of 225), and a 5-query block (7,000 scores, several chunks)
    let rows = rows();
    let mut cases: Vec<Vec<f32>> = rows.iter().step_by(20).cloned().collect();
    cases.push(rows[100..105].concat());
    for x in &cases {
        let wide: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let g = fit_gamma(&wide, &opts).unwrap();
        assert_eq!(bits(&fit_gamma_f32(x, &opts).unwrap()), bits(&g));
        let gin = simstat::fit::fit_gamma_in(&wide, &opts, &mut ws).unwrap();
        assert_eq!(
            bits(&fit_gamma_f32_in(x, &opts, &mut ws).unwrap()),
            bits(&gin)
        );
        let m = fit_mixture_with(&wide, 2, &opts, &mo).unwrap();
        assert_eq!(bits(&fit_mixture_f32(x, 2, &opts, &mo).unwrap()), bits(&m));
        let (mut a, mut b) = (
            Sketch::<4096>::new(-1.0, 1.0).unwrap(),
            Sketch::<4096>::new(-1.0, 1.0).unwrap(),
        );
        a.extend_f32(x).unwrap();
        b.extend(&wide).unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn f32_errors_name_the_value() {
    let mut x = rows()[0].clone();
    x[17] = f32::NAN;
    let opts = FitOptions::default();
    assert_eq!(
        fit_gamma_f32(&x, &opts).unwrap_err(),
        simstat::fit::FitError::NonFinite { index: 17 }
    );
    assert_eq!(
        fit_mixture_f32(&x, 2, &opts, &MixtureOptions::default()).unwrap_err(),
        simstat::fit::FitError::NonFinite { index: 17 }
    );
    x[17] = 1.5;
    assert!(matches!(
        fit_gamma_f32(&x, &opts).unwrap_err(),
        simstat::fit::FitError::OutOfInterval { index: 17, .. }
    ));
}

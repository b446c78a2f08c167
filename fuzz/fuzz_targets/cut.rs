//! Fuzz the cut decision: arbitrary bytes as scores (f64 or f32) and an arbitrary rule give Ok
//! with a list length ≤ n that agrees with the threshold (every score ≥ it is kept), or Err;
//! never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::calibrate::{cut, cut_f32, cut_scratch_len, CutOptions, CutRule};

fuzz_target!(|input: (u8, u16, bool, Vec<u64>)| {
    let (rule, param, as_f32, words) = input;
    let p = (f64::from(param) + 0.5) / 65536.0;
    let rule = match rule % 4 {
        0 => CutRule::RelativeExcess { ratio: p },
        1 => CutRule::Fdr { q: p },
        2 => CutRule::Posterior { level: p },
        _ => CutRule::ExpectedF1,
    };
    // The model-based rules fit mixtures: keep their inputs short so the fuzzer stays fast.
    let cap = if matches!(rule, CutRule::RelativeExcess { .. }) {
        4096
    } else {
        300
    };
    let data: Vec<f64> = words.iter().take(cap).map(|&w| f64::from_bits(w)).collect();
    let opts = CutOptions {
        rule,
        ..CutOptions::default()
    };
    let mut scratch = vec![0.0; cut_scratch_len(data.len())];
    let (res, values): (_, Vec<f64>) = if as_f32 {
        let x: Vec<f32> = words
            .iter()
            .take(cap)
            .map(|&w| f32::from_bits(w as u32))
            .collect();
        (
            cut_f32(&x, &opts, &mut scratch),
            x.iter().map(|&v| f64::from(v)).collect(),
        )
    } else {
        (cut(&data, &opts, &mut scratch), data.clone())
    };
    if let Ok(c) = res {
        assert!(c.keep() <= values.len());
        if c.keep() == 0 {
            assert_eq!(c.threshold(), f64::INFINITY);
        } else {
            assert!(c.threshold().is_finite());
            let at_or_above = values.iter().filter(|&&s| s >= c.threshold()).count();
            assert_eq!(at_or_above, c.keep(), "{c:?}");
        }
    }
});

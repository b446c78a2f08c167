//! Enum codes and error maps of the C face: every typed enum round-trips through its `u32`
//! code, any other code is `BadParameter` (never undefined behaviour), and each core error
//! reaches C with its documented status.

use simstat::calibrate::{CalibrateError, CutRule, ScoreScale};
use simstat::dist::ParamError;
use simstat::fit::FitError;
use simstat::geometry::{GeometryError, PairValue};
use simstat::select::SelectError;
use simstat::wire::WireError;
use simstat_capi::*;

/// Every variant of `$ty` round-trips through its code; the next codes and `u32::MAX` are
/// refused.
macro_rules! round_trip {
    ($ty:ident: $($var:ident),+) => {{
        let all = [$($ty::$var),+];
        for (i, &e) in all.iter().enumerate() {
            assert_eq!(e as u32, i as u32, "{} codes are 0..n in order", stringify!($ty));
            assert_eq!($ty::try_from(e as u32), Ok(e));
        }
        for bad in [all.len() as u32, all.len() as u32 + 1, 99, u32::MAX] {
            assert_eq!($ty::try_from(bad), Err(SimstatStatus::BadParameter), "{bad}");
        }
    }};
}

#[test]
fn every_enum_code_round_trips_and_others_are_bad_parameters() {
    round_trip!(SimstatPairValue: Cosine, Angle, AngularDistance);
    round_trip!(SimstatCutRule: RelativeExcess, Fdr, Posterior, ExpectedF1);
    round_trip!(SimstatScoreScale: Cosine, FisherZ);
    round_trip!(SimstatOmegaRule: Default, LogN, SqrtN, Fixed);
    round_trip!(SimstatHeightScale: Default, Linear, Log);
    round_trip!(SimstatKappaOne: Excluded, NoiseScale, Height);
    round_trip!(SimstatRefitMode: MleNested, NoRefit, Em, Mle);
    round_trip!(SimstatLeafRule: Default, KeepAll);
}

#[test]
fn typed_enums_convert_to_the_core_types() {
    assert_eq!(PairValue::from(SimstatPairValue::Angle), PairValue::Angle);
    assert_eq!(
        ScoreScale::from(SimstatScoreScale::FisherZ),
        ScoreScale::FisherZ
    );
    assert_eq!(
        SimstatScoreScale::from(ScoreScale::Cosine),
        SimstatScoreScale::Cosine
    );
    assert_eq!(
        SimstatCutRule::Fdr.with_param(f64::NAN),
        CutRule::Fdr { q: 0.05 }
    );
    assert_eq!(
        SimstatCutRule::Posterior.with_param(0.8),
        CutRule::Posterior { level: 0.8 }
    );
}

#[test]
fn out_of_range_codes_through_the_c_functions_are_bad_parameters() {
    let scores: Vec<f64> = (0..200).map(|i| -0.5 + i as f64 / 400.0).collect();
    let mut scratch = vec![0.0; scores.len()];
    let (mut keep, mut thr) = (0usize, 0.0f64);
    for rule in [4, 9, u32::MAX] {
        let st = simstat_cut(
            scores.as_ptr(),
            scores.len(),
            rule,
            f64::NAN,
            scratch.as_mut_ptr(),
            scratch.len(),
            &mut keep,
            &mut thr,
        );
        assert_eq!(st, SimstatStatus::BadParameter, "rule {rule}");
    }
    let x = [1.0f32, 0.0, 0.0, 1.0];
    let mut out = [0.0f32; 4];
    let mut len = 0usize;
    assert_eq!(
        simstat_pairwise_scratch_len(2, 2, &mut len),
        SimstatStatus::Ok
    );
    let mut s = vec![0.0f32; len.max(1)];
    for value in [3, 7, u32::MAX] {
        let st = simstat_pairwise(
            x.as_ptr(),
            2,
            2,
            value,
            0,
            out.as_mut_ptr(),
            4,
            s.as_mut_ptr(),
            s.len(),
        );
        assert_eq!(st, SimstatStatus::BadParameter, "value {value}");
    }
}

#[test]
fn core_errors_map_to_their_documented_codes() {
    use SimstatStatus as S;
    let cases: &[(S, S)] = &[
        (ParamError::EmptyInterval.into(), S::BadParameter),
        (
            ParamError::NonFinite { param: "shape" }.into(),
            S::BadParameter,
        ),
        (ParamError::InvalidWeights.into(), S::BadProbability),
        (FitError::AllEqual.into(), S::AllEqual),
        (
            FitError::BufferTooSmall { needed: 4, got: 3 }.into(),
            S::BadLength,
        ),
        (FitError::NonFinite { index: 3 }.into(), S::NonFinite),
        (FitError::IntervalMismatch.into(), S::BadParameter),
        (
            FitError::Distribution(ParamError::EmptyInterval).into(),
            S::BadParameter,
        ),
        (SelectError::LevelOutOfRange.into(), S::BadLength),
        (SelectError::InvalidWeight.into(), S::BadProbability),
        (SelectError::NotEvaluated.into(), S::NumericalFailure),
        (CalibrateError::BadLevel.into(), S::BadProbability),
        (
            CalibrateError::OutOfInterval {
                index: 0,
                value: 2.0,
                lo: -1.0,
                hi: 1.0,
            }
            .into(),
            S::OutOfInterval,
        ),
        (
            CalibrateError::Fit(FitError::TooFewSamples { n: 1, needed: 3 }).into(),
            S::TooFewSamples,
        ),
        (
            GeometryError::ZeroNormRow {
                row: 2,
                query: false,
            }
            .into(),
            S::ZeroNorm,
        ),
        (GeometryError::Overflow.into(), S::Overflow),
        (GeometryError::Degenerate.into(), S::BadParameter),
        (
            WireError::BufferTooSmall { needed: 9, got: 1 }.into(),
            S::BadLength,
        ),
        (WireError::ChecksumMismatch.into(), S::BadEncoding),
    ];
    for (i, (got, want)) in cases.iter().enumerate() {
        assert_eq!(got, want, "case {i}");
    }
}

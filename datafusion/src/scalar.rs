//! The scalar functions: `simstat_p_value`, `simstat_score_at_p` and `simstat_posterior` of a
//! score under a fitted background (or background and relevance model) from the aggregates.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Float64Array};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use simstat::calibrate::{Background, RelevanceModel};
use simstat::wire::{ByteForm, HEADER_BYTES};

/// Which scalar function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scalar {
    /// `simstat_p_value(background, score)`: P(S ≥ score) for a random corpus row under the
    /// group's background (`simstat_background`'s bytes).
    PValue,
    /// `simstat_score_at_p(background, alpha)`: the score whose p-value is `alpha` (a per-query
    /// radius for a vector database's score threshold).
    ScoreAtP,
    /// `simstat_posterior(relevance, score)`: the posterior probability that a row of this
    /// score is relevant, under `simstat_relevance`'s background and relevance model.
    Posterior,
}

/// One of simstat's scalar functions (Binary model, Float64 value → Float64; NULL in, NULL
/// out; a corrupt model is an execution error).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SimstatScalar {
    which: Scalar,
    signature: Signature,
}

impl SimstatScalar {
    /// The scalar function `which`.
    pub fn new(which: Scalar) -> Self {
        SimstatScalar {
            which,
            signature: Signature::one_of(
                vec![TypeSignature::Exact(vec![
                    DataType::Binary,
                    DataType::Float64,
                ])],
                Volatility::Immutable,
            ),
        }
    }
}

impl ScalarUDFImpl for SimstatScalar {
    fn name(&self) -> &str {
        match self.which {
            Scalar::PValue => "simstat_p_value",
            Scalar::ScoreAtP => "simstat_score_at_p",
            Scalar::Posterior => "simstat_posterior",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let (Some(models), Some(values)) = (arrays.first(), arrays.get(1)) else {
            return exec_err!("{}: two arguments expected", self.name());
        };
        let (Some(models), Some(values)) = (
            models.as_binary_opt::<i32>(),
            values.as_primitive_opt::<Float64Type>(),
        ) else {
            return exec_err!("{}: arguments (Binary, Float64) expected", self.name());
        };
        let mut out = Vec::with_capacity(values.len());
        let mut cached: Option<(&[u8], Model)> = None;
        for (m, v) in models.iter().zip(values.iter()) {
            let (Some(m), Some(v)) = (m, v) else {
                out.push(None);
                continue;
            };
            let model = match &cached {
                Some((bytes, model)) if *bytes == m => model,
                _ => {
                    let model = Model::read(self.which, m)?;
                    &cached.insert((m, model)).1
                }
            };
            out.push(model.eval(self.which, v)?);
        }
        let arr: ArrayRef = Arc::new(Float64Array::from(out));
        Ok(ColumnarValue::Array(arr))
    }
}

/// A decoded model.
enum Model {
    Background(Box<Background>),
    Relevance(Box<Background>, RelevanceModel),
}

impl Model {
    fn read(which: Scalar, bytes: &[u8]) -> Result<Self> {
        let bg_len = framed_len(bytes);
        let bg = match bytes.get(..bg_len).map(Background::read_from) {
            Some(Ok(bg)) => Box::new(bg),
            Some(Err(e)) => return exec_err!("simstat: corrupt background: {e}"),
            None => return exec_err!("simstat: corrupt background: truncated"),
        };
        let rest = &bytes[bg_len..];
        match which {
            Scalar::PValue | Scalar::ScoreAtP if rest.is_empty() => Ok(Model::Background(bg)),
            Scalar::PValue | Scalar::ScoreAtP => {
                exec_err!("simstat: a background expected (simstat_background's bytes)")
            }
            Scalar::Posterior => match RelevanceModel::read_from(rest) {
                Ok(rel) => Ok(Model::Relevance(bg, rel)),
                Err(e) => exec_err!(
                    "simstat: a relevance model expected (simstat_relevance's bytes): {e}"
                ),
            },
        }
    }

    fn eval(&self, which: Scalar, v: f64) -> Result<Option<f64>> {
        match (self, which) {
            (Model::Background(bg), Scalar::PValue) => {
                if v.is_nan() {
                    return exec_err!("simstat_p_value: score is NaN");
                }
                Ok(Some(bg.calibrator.p_value(v)))
            }
            (Model::Background(bg), Scalar::ScoreAtP) => match bg.calibrator.score_at_p_value(v) {
                Ok(s) => Ok(Some(s)),
                Err(e) => exec_err!("simstat_score_at_p: {e}"),
            },
            (Model::Relevance(bg, rel), Scalar::Posterior) => {
                if v.is_nan() {
                    return exec_err!("simstat_posterior: score is NaN");
                }
                Ok(Some(rel.posterior(v, &bg.calibrator)))
            }
            _ => exec_err!("simstat: model and function disagree"),
        }
    }
}

/// Length of the byte form at the start of `bytes` (header and payload), from its header's
/// payload length; `bytes.len()` when the header is cut short (the reader then reports it).
fn framed_len(bytes: &[u8]) -> usize {
    match bytes.get(8..12) {
        Some(b) => {
            let payload = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
            (HEADER_BYTES + payload).min(bytes.len())
        }
        None => bytes.len(),
    }
}

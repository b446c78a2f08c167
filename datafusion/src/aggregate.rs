//! The aggregate functions: `simstat_background`, `simstat_cut` and `simstat_relevance` over a
//! group's scores, with [`GroupState`] as the partial state that partitions merge.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};
use simstat::wire::ByteForm;

use crate::state::{GroupState, Settings};

/// What an aggregate returns for its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    /// `simstat_background(score)`: the fitted background's byte form (`Binary`; read it with
    /// `simstat::calibrate::Background::read_from`, or pass it to `simstat_p_value`).
    Background,
    /// `simstat_cut(score)`: how many of the group's top scores to return (`UInt64`; 0 =
    /// nothing relevant), by the settings' cut rule.
    Cut,
    /// `simstat_relevance(score)`: the background's byte form followed by the relevance
    /// model's (`Binary`; pass it to `simstat_posterior`), from the expected-F1 cut's model.
    Relevance,
}

impl Output {
    fn name(self) -> &'static str {
        match self {
            Output::Background => "simstat_background",
            Output::Cut => "simstat_cut",
            Output::Relevance => "simstat_relevance",
        }
    }
}

/// One of simstat's aggregate functions over a column of scores (nulls skipped; any numeric
/// type, read as f64). Groups with fewer than 3 scores give NULL; a NaN, infinite or
/// out-of-interval score is an execution error.
#[derive(Debug, Clone)]
pub struct SimstatAggregate {
    output: Output,
    settings: Settings,
    signature: Signature,
}

impl SimstatAggregate {
    /// The aggregate returning `output` with `settings`.
    pub fn new(output: Output, settings: Settings) -> Self {
        SimstatAggregate {
            output,
            settings,
            signature: Signature::uniform(1, vec![DataType::Float64], Volatility::Immutable),
        }
    }
}

impl PartialEq for SimstatAggregate {
    fn eq(&self, other: &Self) -> bool {
        self.output == other.output && self.settings == other.settings
    }
}

impl Eq for SimstatAggregate {}

impl std::hash::Hash for SimstatAggregate {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.output.hash(state);
        self.settings.exact_up_to.hash(state);
    }
}

impl AggregateUDFImpl for SimstatAggregate {
    fn name(&self) -> &str {
        self.output.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.output {
            Output::Cut => DataType::UInt64,
            Output::Background | Output::Relevance => DataType::Binary,
        })
    }

    fn accumulator(&self, _acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(ScoreAccumulator {
            output: self.output,
            settings: self.settings,
            state: GroupState::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "simstat_state"),
            DataType::Binary,
            true,
        ))])
    }
}

/// One group's accumulator.
#[derive(Debug)]
struct ScoreAccumulator {
    output: Output,
    settings: Settings,
    state: GroupState,
}

impl Accumulator for ScoreAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(col) = values.first() else {
            return exec_err!("simstat: no score column");
        };
        let scores = col.as_primitive_opt::<Float64Type>();
        let Some(scores) = scores else {
            return exec_err!("simstat: scores must be Float64, got {}", col.data_type());
        };
        if scores.null_count() == 0 {
            self.state.extend(scores.values(), &self.settings)
        } else {
            let v: Vec<f64> = scores.iter().flatten().collect();
            self.state.extend(&v, &self.settings)
        }
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let Some(col) = states.first() else {
            return exec_err!("simstat: no state column");
        };
        let Some(bytes) = col.as_binary_opt::<i32>() else {
            return exec_err!("simstat: state must be Binary, got {}", col.data_type());
        };
        for b in bytes.iter().flatten() {
            let other = GroupState::decode(b, &self.settings)?;
            self.state.merge(other, &self.settings)?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Binary(Some(self.state.encode()?))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let s = self.settings;
        Ok(match self.output {
            Output::Background => ScalarValue::Binary(
                self.state
                    .background(&s)?
                    .map(|bg| to_bytes(&[&bg as &dyn Bytes])),
            ),
            Output::Cut => ScalarValue::UInt64(self.state.cut(&s.cut)?.map(|c| c.keep() as u64)),
            Output::Relevance => {
                let opts = simstat::calibrate::CutOptions {
                    rule: simstat::calibrate::CutRule::ExpectedF1,
                    ..s.cut
                };
                match self.state.cut(&opts)? {
                    None => ScalarValue::Binary(None),
                    Some(c) => match (c.background(), c.relevance()) {
                        (Some(bg), Some(rel)) => ScalarValue::Binary(Some(to_bytes(&[bg, rel]))),
                        _ => return exec_err!("simstat: the model cut returned no model"),
                    },
                }
            }
        })
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.state.size()
    }
}

/// A value with a byte form (object-safe view of [`ByteForm`]).
pub(crate) trait Bytes {
    fn len(&self) -> usize;
    fn write(&self, out: &mut [u8]);
}

impl<T: ByteForm> Bytes for T {
    fn len(&self) -> usize {
        self.byte_len()
    }
    fn write(&self, out: &mut [u8]) {
        // the buffer is sized by byte_len: writing cannot fail
        let _ = self.write_to(out);
    }
}

/// The byte forms of `parts`, one after the other (each carries its own length and CRC).
pub(crate) fn to_bytes(parts: &[&dyn Bytes]) -> Vec<u8> {
    let total = parts.iter().map(|p| p.len()).sum();
    let mut out = vec![0u8; total];
    let mut at = 0;
    for p in parts {
        let n = p.len();
        p.write(&mut out[at..at + n]);
        at += n;
    }
    out
}

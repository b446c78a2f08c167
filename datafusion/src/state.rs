//! One group's mergeable state: its scores exactly while there are few, then simstat's
//! [`ScoreSketch`] (a histogram of all of them and the largest exactly); its byte form.

use datafusion::common::{exec_err, Result};
use simstat::calibrate::{
    cut_in, cut_sketch, fit_background_in, fit_background_sketch, Background, Cut, CutOptions,
    ScoreSketch,
};
use simstat::fit::MixtureWorkspace;
use simstat::wire::ByteForm;

/// The sketch a group switches to: 4096 bins on the score interval, the 4096 largest scores.
pub type GroupSketch = ScoreSketch<4096, 4096>;

/// Byte tag of a state holding its scores exactly (then the scores' little-endian bits).
const TAG_EXACT: u8 = 0;
/// Byte tag of a sketched state (then the [`ScoreSketch`] byte form, header and CRC included).
const TAG_SKETCH: u8 = 1;

/// A group's scores: exactly (`Exact`) while there are at most `exact_up_to` of them, then as a
/// [`GroupSketch`]. Which one a group ends in depends only on its number of scores, never on
/// how they were split or merged, and both merge exactly, so the result of a group is the same
/// bit for bit on any number of partitions.
#[derive(Debug, Clone)]
pub enum GroupState {
    /// The scores themselves (any order).
    Exact(Vec<f64>),
    /// The mergeable sketch of the scores (boxed: 96 KiB).
    Sketched(Box<GroupSketch>),
}

impl GroupState {
    /// An empty state.
    pub fn new() -> Self {
        GroupState::Exact(Vec::new())
    }

    /// Number of scores.
    pub fn len(&self) -> u64 {
        match self {
            GroupState::Exact(v) => v.len() as u64,
            GroupState::Sketched(s) => s.len(),
        }
    }

    /// True when no score was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds scores (checked: finite, inside [lo, hi]); switches to the sketch past
    /// `exact_up_to` scores.
    pub fn extend(&mut self, scores: &[f64], s: &Settings) -> Result<()> {
        match self {
            GroupState::Exact(v) => {
                let (lo, hi) = s.interval();
                for (i, &x) in scores.iter().enumerate() {
                    if !(x.is_finite() && (lo..=hi).contains(&x)) {
                        return exec_err!(
                            "simstat: score {x} (row {i} of its batch) is not a finite value in [{lo}, {hi}]"
                        );
                    }
                }
                v.extend_from_slice(scores);
            }
            GroupState::Sketched(sk) => {
                if let Err(e) = sk.extend(scores) {
                    return exec_err!("simstat: {e}");
                }
            }
        }
        self.settle(s)
    }

    /// Adds another group's state (from another partition).
    pub fn merge(&mut self, other: GroupState, s: &Settings) -> Result<()> {
        match (&mut *self, other) {
            (GroupState::Exact(a), GroupState::Exact(b)) => a.extend_from_slice(&b),
            (GroupState::Sketched(a), GroupState::Sketched(b)) => {
                if let Err(e) = a.merge(&b) {
                    return exec_err!("simstat: {e}");
                }
            }
            (GroupState::Sketched(a), GroupState::Exact(b)) => {
                if let Err(e) = a.extend(&b) {
                    return exec_err!("simstat: {e}");
                }
            }
            (GroupState::Exact(a), GroupState::Sketched(mut b)) => {
                if let Err(e) = b.extend(a) {
                    return exec_err!("simstat: {e}");
                }
                *self = GroupState::Sketched(b);
            }
        }
        self.settle(s)
    }

    /// Moves exact scores into a sketch once there are more than `exact_up_to`.
    fn settle(&mut self, s: &Settings) -> Result<()> {
        if let GroupState::Exact(v) = self {
            if v.len() > s.exact_up_to {
                let (lo, hi) = s.interval();
                let mut sk = match GroupSketch::new(lo, hi) {
                    Ok(sk) => Box::new(sk),
                    Err(e) => return exec_err!("simstat: {e}"),
                };
                if let Err(e) = sk.extend(v) {
                    return exec_err!("simstat: {e}");
                }
                *self = GroupState::Sketched(sk);
            }
        }
        Ok(())
    }

    /// The state's bytes: a tag, then the scores' bits or the sketch's byte form.
    pub fn encode(&self) -> Result<Vec<u8>> {
        match self {
            GroupState::Exact(v) => {
                let mut out = Vec::with_capacity(1 + 8 * v.len());
                out.push(TAG_EXACT);
                for x in v {
                    out.extend_from_slice(&x.to_le_bytes());
                }
                Ok(out)
            }
            GroupState::Sketched(sk) => {
                let mut out = vec![0u8; 1 + sk.byte_len()];
                out[0] = TAG_SKETCH;
                match sk.write_to(&mut out[1..]) {
                    Ok(_) => Ok(out),
                    Err(e) => exec_err!("simstat: {e}"),
                }
            }
        }
    }

    /// Reads [`GroupState::encode`]'s bytes, checked (a corrupt state is an error, never a
    /// wrong result).
    pub fn decode(bytes: &[u8], s: &Settings) -> Result<Self> {
        match bytes.split_first() {
            Some((&TAG_EXACT, rest)) if rest.len() % 8 == 0 => {
                let v: Vec<f64> = rest
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0xff; 8])))
                    .collect();
                let mut st = GroupState::new();
                st.extend(&v, s)?;
                Ok(st)
            }
            Some((&TAG_SKETCH, rest)) => match GroupSketch::read_from(rest) {
                Ok(sk) if sk.sketch().interval() == s.interval() => {
                    Ok(GroupState::Sketched(Box::new(sk)))
                }
                Ok(_) => exec_err!("simstat: state of another score interval"),
                Err(e) => exec_err!("simstat: corrupt state: {e}"),
            },
            _ => exec_err!("simstat: corrupt state (unknown layout)"),
        }
    }

    /// Memory held, in bytes.
    pub fn size(&self) -> usize {
        std::mem::size_of::<Self>()
            + match self {
                GroupState::Exact(v) => 8 * v.capacity(),
                GroupState::Sketched(_) => std::mem::size_of::<GroupSketch>(),
            }
    }

    /// The group's background: [`fit_background_in`] on the scores while they are exact,
    /// [`fit_background_sketch`] once sketched. `None` for fewer than 3 scores.
    pub fn background(&mut self, s: &Settings) -> Result<Option<Background>> {
        if self.len() < 3 {
            return Ok(None);
        }
        // the workspace on the heap: a tokio worker's stack is 2 MiB
        let mut ws = <MixtureWorkspace>::boxed();
        let o = &s.cut.background;
        let fitted = match self {
            GroupState::Exact(v) => {
                let mut scratch = vec![0.0; v.len()];
                fit_background_in(v, o, &mut scratch, &mut ws)
            }
            GroupState::Sketched(sk) => fit_background_sketch(sk, o, &mut ws),
        };
        match fitted {
            Ok(bg) => Ok(Some(bg)),
            Err(e) => exec_err!("simstat: background fit: {e}"),
        }
    }

    /// The group's cut: [`cut_in`] on the scores while they are exact, [`cut_sketch`] once
    /// sketched. `None` for fewer than 3 scores.
    pub fn cut(&mut self, opts: &CutOptions) -> Result<Option<Cut>> {
        if self.len() < 3 {
            return Ok(None);
        }
        let mut ws = <MixtureWorkspace>::boxed();
        let decided = match self {
            GroupState::Exact(v) => {
                let mut scratch = vec![0.0; v.len()];
                cut_in(v, opts, &mut scratch, &mut ws)
            }
            GroupState::Sketched(sk) => cut_sketch(sk, opts, &mut ws),
        };
        match decided {
            Ok(c) => Ok(Some(c)),
            Err(e) => exec_err!("simstat: cut: {e}"),
        }
    }
}

impl Default for GroupState {
    fn default() -> Self {
        Self::new()
    }
}

/// What the functions registered by [`crate::register_with`] use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// A group keeps its scores exactly up to this many, then sketches them (default 131,072:
    /// [`CutOptions::sketch_above`]'s default, so `simstat_cut` is `cut`'s decision bit for
    /// bit at every size; each exact score costs 8 bytes of state, a sketch 96 KiB).
    pub exact_up_to: usize,
    /// The cut of `simstat_cut` and `simstat_relevance`; its `background` is the background
    /// fit of every function (its `fit.lo` / `fit.hi` the score interval, default [−1, 1]).
    pub cut: CutOptions,
}

impl Settings {
    /// The score interval (lo, hi).
    pub fn interval(&self) -> (f64, f64) {
        (self.cut.background.fit.lo, self.cut.background.fit.hi)
    }
}

impl Default for Settings {
    fn default() -> Self {
        let cut = CutOptions::default();
        Settings {
            exact_up_to: cut.sketch_above,
            cut,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{GroupState, Settings};

    fn state(scores: &[f64], s: &Settings) -> GroupState {
        let mut st = GroupState::new();
        st.extend(scores, s).expect("scores");
        st
    }

    /// Both forms round-trip through their bytes; corrupt or foreign bytes are errors.
    #[test]
    fn bytes_round_trip_and_corruption_is_an_error() {
        let small = Settings {
            exact_up_to: 4,
            ..Settings::default()
        };
        let scores = [0.1, -0.2, 0.3, 0.05, 0.7, 0.2];
        for s in [Settings::default(), small] {
            let st = state(&scores, &s);
            let bytes = st.encode().expect("encode");
            let back = GroupState::decode(&bytes, &s).expect("decode");
            assert_eq!(back.encode().expect("encode"), bytes);
            assert_eq!(back.len(), 6);
            assert!(GroupState::decode(&bytes[..bytes.len() - 1], &s).is_err());
        }
        assert!(matches!(state(&scores, &small), GroupState::Sketched(_)));
        assert!(GroupState::decode(&[], &small).is_err());
        assert!(GroupState::decode(&[7, 1, 2], &small).is_err());
        // an exact state holding a NaN is refused
        let mut nan = vec![0u8];
        nan.extend_from_slice(&f64::NAN.to_le_bytes());
        assert!(GroupState::decode(&nan, &small).is_err());
    }

    /// Merging exact into sketched states (either way round) gives the sketch of all scores.
    #[test]
    fn mixed_forms_merge_to_the_state_of_all_scores() {
        let s = Settings {
            exact_up_to: 3,
            ..Settings::default()
        };
        let all = [0.1, -0.2, 0.3, 0.05, 0.7, 0.2, 0.4];
        let want = state(&all, &s).encode().expect("encode");
        for split in 1..all.len() {
            let (a, b) = all.split_at(split);
            let mut x = state(a, &s);
            x.merge(state(b, &s), &s).expect("merge");
            assert_eq!(x.encode().expect("encode"), want, "split {split}");
            let mut y = state(b, &s);
            y.merge(state(a, &s), &s).expect("merge");
            assert_eq!(y.encode().expect("encode"), want, "split {split} reversed");
        }
    }
}

//! The truncated shifted gamma for C: its parameter struct, the check, and the elementwise
//! ln pdf, cdf, survival function and quantile.

use simstat::dist::TruncatedShiftedGamma;

use crate::ptr::{map_slices, read};
use crate::status::{status, SimstatStatus};

/// Parameters of a shifted gamma X = shift + Gamma(shape, rate) truncated to [lo, hi].
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatGammaParams {
    /// Shape α > 0.
    pub shape: f64,
    /// Rate λ > 0.
    pub rate: f64,
    /// Shift c.
    pub shift: f64,
    /// Lower end of the truncation interval.
    pub lo: f64,
    /// Upper end of the truncation interval (> lo, > shift).
    pub hi: f64,
}

/// The distribution of valid parameters (`TruncatedShiftedGamma::new`'s checks; a bad
/// parameter is `SIMSTAT_STATUS_BAD_PARAMETER`).
impl TryFrom<&SimstatGammaParams> for TruncatedShiftedGamma {
    type Error = SimstatStatus;
    fn try_from(g: &SimstatGammaParams) -> Result<Self, SimstatStatus> {
        Ok(TruncatedShiftedGamma::new(
            g.shape, g.rate, g.shift, g.lo, g.hi,
        )?)
    }
}

/// The parameters of a distribution.
impl From<&TruncatedShiftedGamma> for SimstatGammaParams {
    fn from(d: &TruncatedShiftedGamma) -> Self {
        Self {
            shape: d.shape(),
            rate: d.rate(),
            shift: d.shift(),
            lo: d.lo(),
            hi: d.hi(),
        }
    }
}

/// Reads and checks a parameter struct argument.
pub(crate) fn dist(p: *const SimstatGammaParams) -> Result<TruncatedShiftedGamma, SimstatStatus> {
    read(p)?.try_into()
}

/// Checks the parameters of a truncated shifted gamma: `SIMSTAT_STATUS_OK` when
/// `simstat_gamma_*` accept them, `SIMSTAT_STATUS_BAD_PARAMETER` otherwise.
#[no_mangle]
pub extern "C" fn simstat_gamma_check(params: *const SimstatGammaParams) -> SimstatStatus {
    status(dist(params).map(|_| ()))
}

/// Evaluates `f` of the distribution at `n` points into `out` (`out == x` in place).
fn map_into(
    params: *const SimstatGammaParams,
    x: *const f64,
    n: usize,
    out: *mut f64,
    f: impl Fn(&TruncatedShiftedGamma, f64) -> f64,
) -> SimstatStatus {
    status(dist(params).and_then(|d| map_slices(x, n, out, |v| f(&d, v))))
}

/// ln pdf of the truncated shifted gamma at `n` points `x` into `out` (−inf outside [lo, hi]).
#[no_mangle]
pub extern "C" fn simstat_gamma_ln_pdf(
    params: *const SimstatGammaParams,
    x: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    map_into(params, x, n, out, TruncatedShiftedGamma::ln_pdf)
}

/// cdf of the truncated shifted gamma at `n` points.
#[no_mangle]
pub extern "C" fn simstat_gamma_cdf(
    params: *const SimstatGammaParams,
    x: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    map_into(params, x, n, out, TruncatedShiftedGamma::cdf)
}

/// Survival function P(X > x) of the truncated shifted gamma at `n` points (computed
/// directly: tail values keep their relative accuracy).
#[no_mangle]
pub extern "C" fn simstat_gamma_sf(
    params: *const SimstatGammaParams,
    x: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    map_into(params, x, n, out, TruncatedShiftedGamma::sf)
}

/// Quantile of the truncated shifted gamma at `n` probabilities `p` (NaN for p outside [0, 1]).
#[no_mangle]
pub extern "C" fn simstat_gamma_quantile(
    params: *const SimstatGammaParams,
    p: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    map_into(params, p, n, out, TruncatedShiftedGamma::quantile)
}

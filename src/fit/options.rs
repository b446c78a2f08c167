//! Options shared by the fitters (the single shifted gamma and the mixture).

use super::error::FitError;

/// Fit options: a plain struct with public, documented fields; start from `Default`.
///
/// ```
/// use simstat::fit::FitOptions;
/// let opts = FitOptions { max_passes: 50, ..FitOptions::default() };
/// assert_eq!((opts.lo, opts.hi), (-1.0, 1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    /// Lower end of the data interval and of the truncation (default −1, cosine similarity).
    pub lo: f64,
    /// Upper end of the data interval and of the truncation (default 1).
    pub hi: f64,
    /// Most Newton passes per stage (sketch stage, exact stage); each pass is one sweep over the
    /// data or the sketch's bins (default 100).
    pub max_passes: usize,
    /// Convergence: stop when the next Newton step would gain less than this much total
    /// log-likelihood (default 1e-9, in log-likelihood units summed over the data).
    pub gain_tol: f64,
    /// Convergence: also stop when the Newton step in u = ln(x_min − c) is below this
    /// (default 1e-12).
    pub step_tol: f64,
    /// Largest Newton step in u = ln(x_min − c) (a trust region; default 2).
    pub max_step: f64,
    /// Cap on the shape α: beyond it the fit is reported at the normal limit (default 1e7).
    pub shape_cap: f64,
    /// α ≤ 1 fallback: the shift is put at x_min − `boundary_gap`·(x_max − x_min)
    /// (default 1e-6), where the likelihood is unbounded.
    pub boundary_gap: f64,
    /// Exact fit: fit the histogram sketch first and start the exact Newton passes there
    /// (default true); false starts the exact passes from moment estimates.
    pub warm_start: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            lo: -1.0,
            hi: 1.0,
            max_passes: 100,
            gain_tol: 1e-9,
            step_tol: 1e-12,
            max_step: 2.0,
            shape_cap: 1e7,
            boundary_gap: 1e-6,
            warm_start: true,
        }
    }
}

impl FitOptions {
    /// Checks every field's domain; the error names the first bad field.
    pub fn validate(&self) -> Result<(), FitError> {
        if !self.lo.is_finite() {
            return Err(FitError::BadOption("lo"));
        }
        if !self.hi.is_finite() || self.hi <= self.lo {
            return Err(FitError::BadOption("hi"));
        }
        if self.max_passes == 0 {
            return Err(FitError::BadOption("max_passes"));
        }
        if !(self.gain_tol >= 0.0 && self.gain_tol.is_finite()) {
            return Err(FitError::BadOption("gain_tol"));
        }
        if !(self.step_tol >= 0.0 && self.step_tol.is_finite()) {
            return Err(FitError::BadOption("step_tol"));
        }
        if !(self.max_step > 0.0 && self.max_step.is_finite()) {
            return Err(FitError::BadOption("max_step"));
        }
        if !(self.shape_cap > 1.0 && self.shape_cap <= 1e15) {
            return Err(FitError::BadOption("shape_cap"));
        }
        if !(self.boundary_gap > 0.0 && self.boundary_gap < 1.0) {
            return Err(FitError::BadOption("boundary_gap"));
        }
        Ok(())
    }
}

//! The calls the firmware runs on the emulated Cortex-M4F, shared with the x86-64 test
//! `tests/firmware_reference.rs` (which checks the committed x86 results in `expected.rs`), so
//! both targets run exactly the same code with the same options.

use simstat::calibrate::{cut, cut_in, CutOptions, CutRule};
use simstat::dist::TruncatedShiftedGamma;
use simstat::fit::{
    fit_gamma, fit_gamma_in, fit_mixture_in, fit_mixture_with, FitOptions, GammaWorkspace, Kernel,
    MixtureFit, MixtureOptions, MixtureWorkspace,
};

/// Number of scores in the firmware's static buffer (`data/scores.f64`).
pub const N_SCORES: usize = 2000;

/// Reads `N_SCORES` little-endian f64 from raw bytes at compile time.
pub const fn scores_from_le(bytes: &[u8; 8 * N_SCORES]) -> [f64; N_SCORES] {
    let mut out = [0.0; N_SCORES];
    let mut i = 0;
    while i < N_SCORES {
        let mut w = [0u8; 8];
        let mut j = 0;
        while j < 8 {
            w[j] = bytes[8 * i + j];
            j += 1;
        }
        out[i] = f64::from_le_bytes(w);
        i += 1;
    }
    out
}

/// Single shifted gamma: (shape, rate, shift, log-likelihood).
pub fn gamma(scores: &[f64]) -> [f64; 4] {
    match fit_gamma(scores, &FitOptions::default()) {
        Ok(f) => [f.shape(), f.rate(), f.shift(), f.log_likelihood()],
        Err(_) => [f64::NAN; 4],
    }
}

/// Single shifted gamma in a caller-provided 4096-bin workspace: (shape, rate, shift,
/// log-likelihood).
pub fn gamma_in(scores: &[f64], ws: &mut GammaWorkspace<4096>) -> [f64; 4] {
    match fit_gamma_in(scores, &FitOptions::default(), ws) {
        Ok(f) => [f.shape(), f.rate(), f.shift(), f.log_likelihood()],
        Err(_) => [f64::NAN; 4],
    }
}

/// The truncated shifted gamma of the paper's example (α = 9, λ = 30, c = −0.2 on [−1, 1]):
/// ln pdf, cdf and sf at 0.1 and 0.6, the quantiles at 0.5 and 1 − 1e−9.
pub fn dist() -> [f64; 8] {
    match TruncatedShiftedGamma::new(9.0, 30.0, -0.2, -1.0, 1.0) {
        Ok(g) => [
            g.ln_pdf(0.1),
            g.cdf(0.1),
            g.sf(0.1),
            g.ln_pdf(0.6),
            g.cdf(0.6),
            g.sf(0.6),
            g.quantile(0.5),
            g.quantile(1.0 - 1e-9),
        ],
        Err(_) => [f64::NAN; 8],
    }
}

/// K = 2 mixture in a caller-provided workspace: (τ₀, α₀, λ₀, c₀, α₁, λ₁, c₁,
/// log-likelihood).
pub fn mixture(scores: &[f64], ws: &mut MixtureWorkspace) -> [f64; 8] {
    mixture_with(scores, ws, MixtureOptions::default())
}

/// [`mixture_f32`] through the convenience form, `fit_mixture_with`: its workspace allocated
/// on the heap (the firmware's bump allocator) instead of the caller's static.
pub fn mixture_f32_heap(scores: &[f64]) -> [f64; 8] {
    let mo = MixtureOptions {
        kernel: Kernel::F32,
        ..MixtureOptions::default()
    };
    match fit_mixture_with(scores, 2, &FitOptions::default(), &mo) {
        Ok(f) => summary(&f),
        Err(_) => [f64::NAN; 8],
    }
}

/// [`mixture`] with the f32 per-point kernel (`Kernel::F32`).
pub fn mixture_f32(scores: &[f64], ws: &mut MixtureWorkspace) -> [f64; 8] {
    let mo = MixtureOptions {
        kernel: Kernel::F32,
        ..MixtureOptions::default()
    };
    mixture_with(scores, ws, mo)
}

/// The workspace of the firmware's small-memory calls: a 512-bin sketch and a 1,024-value
/// subsample (105 KiB in this build, whose mixture capacity is 4: `.cargo/config.toml`).
pub type SmallWorkspace = MixtureWorkspace<512, 1024>;

/// The small-memory, few-pass K = 2 fit: [`SmallWorkspace`] and a smallest subsample of 500
/// (2,000 scores then take the warm start: the multi-start on the 512-bin sketch, then exact
/// passes), with the `kernel` given.
pub fn mixture_small(scores: &[f64], ws: &mut SmallWorkspace, kernel: Kernel) -> [f64; 8] {
    let mo = MixtureOptions {
        kernel,
        min_subsample: 500,
        ..MixtureOptions::default()
    };
    mixture_with(scores, ws, mo)
}

/// [`mixture_f32`] with one start and no EM burn-in (fewer passes; a single start can end on
/// a worse optimum, see the README's "Targets").
pub fn mixture_f32_one_start(scores: &[f64], ws: &mut MixtureWorkspace) -> [f64; 8] {
    let mo = MixtureOptions {
        kernel: Kernel::F32,
        starts: 1,
        em_iters: 0,
        ..MixtureOptions::default()
    };
    mixture_with(scores, ws, mo)
}

fn mixture_with<const B: usize, const S: usize>(
    scores: &[f64],
    ws: &mut MixtureWorkspace<B, S>,
    mo: MixtureOptions,
) -> [f64; 8] {
    let opts = FitOptions::default();
    match fit_mixture_in(scores, 2, &opts, &mo, ws) {
        Ok(f) => summary(&f),
        Err(_) => [f64::NAN; 8],
    }
}

/// A K = 2 fit as the checked values: the first weight, both components' shape, rate and
/// shift, the log-likelihood.
fn summary(f: &MixtureFit) -> [f64; 8] {
    let (a, b) = (f.component(0), f.component(1));
    [
        f.weight(0),
        a.shape(),
        a.rate(),
        a.shift(),
        b.shape(),
        b.rate(),
        b.shift(),
        f.log_likelihood(),
    ]
}

/// The calibration cut with the default rule (no fit): (kept, threshold).
pub fn cut_default(scores: &[f64], scratch: &mut [f64]) -> [f64; 2] {
    match cut(scores, &CutOptions::default(), scratch) {
        Ok(c) => [c.keep() as f64, c.threshold()],
        Err(_) => [f64::NAN; 2],
    }
}

/// The calibration cut by Benjamini–Hochberg at q = 0.05 against the fitted background, the
/// background's mixture fits in a caller-provided workspace: (kept, threshold).
pub fn cut_fdr(scores: &[f64], scratch: &mut [f64], ws: &mut MixtureWorkspace) -> [f64; 2] {
    cut_fdr_with(scores, scratch, ws, Kernel::F64, 1 << 16)
}

/// [`cut_fdr`] with the background fitted by the f32 per-point kernel.
pub fn cut_fdr_f32(scores: &[f64], scratch: &mut [f64], ws: &mut MixtureWorkspace) -> [f64; 2] {
    cut_fdr_with(scores, scratch, ws, Kernel::F32, 1 << 16)
}

/// The small-memory, few-pass [`cut_fdr_f32`]: [`SmallWorkspace`], and the background's body
/// fitted binned (on the workspace's 512 bins) above 1,000 rows.
pub fn cut_fdr_f32_small(scores: &[f64], scratch: &mut [f64], ws: &mut SmallWorkspace) -> [f64; 2] {
    cut_fdr_with(scores, scratch, ws, Kernel::F32, 1000)
}

fn cut_fdr_with<const B: usize, const S: usize>(
    scores: &[f64],
    scratch: &mut [f64],
    ws: &mut MixtureWorkspace<B, S>,
    kernel: Kernel,
    binned_above: usize,
) -> [f64; 2] {
    let mut opts = CutOptions {
        rule: CutRule::Fdr { q: 0.05 },
        ..CutOptions::default()
    };
    opts.background.kernel = kernel;
    opts.background.binned_above = binned_above;
    match cut_in(scores, &opts, scratch, ws) {
        Ok(c) => [c.keep() as f64, c.threshold()],
        Err(_) => [f64::NAN; 2],
    }
}

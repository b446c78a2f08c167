//! `simstat fit`: a single shifted gamma and a gamma mixture (fixed order, or the order chosen by
//! `select_order` from one over-fit), as text or JSON.
use crate::args::FitArgs;
use crate::error::{CliError, Result};
use crate::input::{self, format_name};
use crate::progress::{self, Progress};
use serde::Serialize;
use simstat::fit::MixtureOptions;
use simstat::fit::{fit_gamma, fit_mixture, fit_mixture_with, FitOptions, GammaFit, MixtureFit};
use simstat::select::{select_order, DscOptions, Selection};
use std::fmt::Write as _;
use std::io::Write as _;

/// Free parameters of one shifted gamma (shape, rate, shift), for its BIC.
const GAMMA_PARAMS: f64 = 3.0;

/// The order selection (JSON): the over-fit, and the library's report of the selection
/// (`simstat::select::Selection`'s serde form: `leaves`, `absorbed`, `choice`, `levels` with
/// every level's criteria and mixture, `merges`, `fates`).
#[derive(Serialize)]
struct SelectionJson<'a> {
    /// The criterion that picks K (`dsc`).
    chosen_by: &'static str,
    /// Components of the over-fit.
    max_k: usize,
    /// The over-fit itself.
    overfit: &'a MixtureFit,
    /// The selection's own fields.
    #[serde(flatten)]
    report: &'a Selection,
}

/// The whole `--json` document.
#[derive(Serialize)]
struct FitJson<'a> {
    /// Where the scores came from.
    source: &'a str,
    /// The format they were read in.
    format: &'static str,
    /// Number of scores.
    n: usize,
    /// The single shifted gamma.
    single_gamma: &'a GammaFit,
    /// Its BIC, −2ℓ + 3 ln N.
    single_gamma_bic: Option<f64>,
    /// The mixture's order.
    k: usize,
    /// The mixture (fixed order, or the selected level).
    mixture: &'a MixtureFit,
    /// The mixture's BIC, −2ℓ + (4K − 1) ln N.
    mixture_bic: Option<f64>,
    /// The order selection (`null` with `--k`).
    selection: Option<SelectionJson<'a>>,
}

/// A finite number, else `None`.
fn num(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Runs `simstat fit`.
pub fn run(args: &FitArgs) -> Result<()> {
    let show = progress::enabled(args.quiet);
    let loaded = input::load(&args.input, args.format, args.quiet || args.json, show)?;
    let data: Vec<f64> = loaded.scores.iter().collect();
    let src = &loaded.source;
    let opts = FitOptions::default();
    let spin = Progress::spinner(show, "fitting one shifted gamma");
    let single = fit_gamma(&data, &opts)
        .map_err(|e| CliError::input(format!("{src}: single gamma fit: {e}")))?;
    spin.finish();
    let n = data.len() as f64;
    let single_bic = GAMMA_PARAMS * n.ln() - 2.0 * single.log_likelihood();
    let (mixture, selection) = match args.k {
        Some(k) => {
            let spin = Progress::spinner(show, &format!("fitting {k} components"));
            let m = fit_mixture(&data, usize::from(k), &opts)
                .map_err(|e| CliError::input(format!("{src}: {k}-component fit: {e}")))?;
            spin.finish();
            (m, None)
        }
        None => {
            let max_k = usize::from(args.max_k);
            let spin = Progress::spinner(show, &format!("over-fitting {max_k} components"));
            let over = fit_mixture_with(&data, max_k, &opts, &MixtureOptions::overfit())
                .map_err(|e| CliError::input(format!("{src}: {max_k}-component over-fit: {e}")))?;
            spin.finish();
            let spin = Progress::spinner(show, "order selection (merging, polishing levels)");
            let sel = select_order(&over, &data, &DscOptions::default())
                .map_err(|e| CliError::input(format!("{src}: order selection: {e}")))?;
            let chosen = sel
                .mixture(sel.dsc_choice())
                .map_err(|e| CliError::input(format!("{src}: level {}: {e}", sel.dsc_choice())))?;
            spin.finish();
            (chosen, Some((over, sel)))
        }
    };
    let out = if args.json {
        let doc = FitJson {
            source: src,
            format: format_name(loaded.format),
            n: data.len(),
            single_gamma: &single,
            single_gamma_bic: num(single_bic),
            k: mixture.len(),
            mixture: &mixture,
            mixture_bic: num(mixture.bic()),
            selection: selection.as_ref().map(|(o, s)| selection_json(o, s)),
        };
        serde_json::to_string(&doc).map_err(|e| CliError::input(format!("writing JSON: {e}")))?
            + "\n"
    } else {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "scores: {} ({src}; {})",
            data.len(),
            format_name(loaded.format)
        );
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "single shifted gamma: α = {:.6}, λ = {:.6}, c = {:.6}",
            single.shape(),
            single.rate(),
            single.shift()
        );
        let _ = writeln!(
            o,
            "  log-likelihood = {:.6}, BIC = {single_bic:.4} ({} passes, {})",
            single.log_likelihood(),
            single.passes(),
            if single.converged() {
                "converged"
            } else {
                "not converged"
            }
        );
        let _ = writeln!(o);
        text_mixture(
            &mut o,
            &mixture,
            selection.as_ref().map(|(over, _)| over.len()),
        );
        if let Some((over, sel)) = &selection {
            let _ = writeln!(o);
            text_selection(&mut o, over, sel);
        }
        o
    };
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(())
}

/// The selection's JSON record.
fn selection_json<'a>(over: &'a MixtureFit, sel: &'a Selection) -> SelectionJson<'a> {
    SelectionJson {
        chosen_by: "dsc",
        max_k: over.len(),
        overfit: over,
        report: sel,
    }
}

/// The mixture's components, log-likelihood and BIC; `over_k`: the over-fit's order when the
/// mixture is a selected level.
fn text_mixture(o: &mut String, m: &MixtureFit, over_k: Option<usize>) {
    let how = match over_k {
        None => "fixed by --k".to_string(),
        Some(k) => format!("chosen by DSC over the merge dendrogram of a {k}-component over-fit"),
    };
    let _ = writeln!(o, "gamma mixture, K = {} ({how}):", m.len());
    for (i, (w, c)) in m.weights().iter().zip(m.components()).enumerate() {
        let _ = writeln!(
            o,
            "  component {}: weight {w:.6}, α = {:.6}, λ = {:.6}, c = {:.6}",
            i + 1,
            c.shape(),
            c.rate(),
            c.shift()
        );
    }
    let how = match over_k {
        None => format!("optimiser {}", m.stop_reason()),
        Some(_) => "the level polished to its likelihood optimum by select_order".to_string(),
    };
    let _ = writeln!(
        o,
        "  log-likelihood = {:.6}, BIC = {:.4}; {how}",
        m.log_likelihood(),
        m.bic()
    );
}

/// The selection's criteria table and choices.
fn text_selection(o: &mut String, over: &MixtureFit, sel: &Selection) {
    let _ = writeln!(
        o,
        "order selection: {} components over-fitted ({}), {} leaves after the leaf rule ({} absorbed)",
        over.len(),
        if over.converged() { "converged" } else { "not converged" },
        sel.leaves(),
        sel.absorbed()
    );
    let _ = writeln!(
        o,
        "  chosen K: DSC {}, AIC {}, BIC {}, ICL {} (the mixture above is DSC's)",
        sel.dsc_choice(),
        sel.aic_choice(),
        sel.bic_choice(),
        sel.icl_choice()
    );
    let _ = writeln!(
        o,
        "  {:>3} {:>16} {:>10} {:>12} {:>14} {:>14} {:>14}",
        "K", "log-likelihood", "height", "DSC", "AIC", "BIC", "ICL"
    );
    let at = |c: &[f64], i: usize| c.get(i).copied().unwrap_or(f64::NAN);
    for i in 0..sel.leaves() {
        let _ = writeln!(
            o,
            "  {:>3} {:>16.4} {:>10.4} {:>12.4} {:>14.4} {:>14.4} {:>14.4}",
            i + 1,
            sel.log_likelihood(i + 1).unwrap_or(f64::NAN),
            at(sel.height_curve(), i),
            at(sel.dsc_curve(), i),
            at(sel.aic_curve(), i),
            at(sel.bic_curve(), i),
            at(sel.icl_curve(), i)
        );
    }
}

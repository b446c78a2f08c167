//! `simstat fit`: against the library's fits and order selection called directly.
use crate::common::{embedded, file, ok, text};
use serde_json::Value;

/// `fit` on the embedded data as text: `--k 2` and the selection against the library.
#[test]
fn fit_matches_the_library() {
    use simstat::fit::{fit_gamma, fit_mixture, fit_mixture_with, FitOptions, MixtureOptions};
    use simstat::select::{select_order, DscOptions};
    let v = embedded();
    let txt = file("fit.txt", &text(&v));
    let rel = |a: f64, b: f64| ((a - b) / b).abs();
    let opts = FitOptions::default();

    let d: Value =
        serde_json::from_str(&ok(&["fit", "--input", &txt, "--k", "2", "--json"])).unwrap();
    assert_eq!((d["n"].as_u64(), d["k"].as_u64()), (Some(6544), Some(2)));
    assert!(d["selection"].is_null());
    let single = fit_gamma(&v, &opts).unwrap();
    let ll = d["single_gamma"]["log_likelihood"].as_f64().unwrap();
    assert!(
        rel(ll, single.log_likelihood()) < 1e-12,
        "{ll} vs {}",
        single.log_likelihood()
    );
    let two = fit_mixture(&v, 2, &opts).unwrap();
    let ll = d["mixture"]["log_likelihood"].as_f64().unwrap();
    assert!(
        rel(ll, two.log_likelihood()) < 1e-12,
        "{ll} vs {}",
        two.log_likelihood()
    );
    let bic = d["mixture_bic"].as_f64().unwrap();
    assert!(rel(bic, two.bic()) < 1e-12);
    let w: f64 = d["mixture"]["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .sum();
    assert!((w - 1.0).abs() < 1e-12);

    let out = ok(&["fit", "--input", &txt, "--max-k", "5"]);
    let over = fit_mixture_with(&v, 5, &opts, &MixtureOptions::overfit()).unwrap();
    let sel = select_order(&over, &v, &DscOptions::default()).unwrap();
    let k = sel.dsc_choice();
    let chosen = sel.mixture(k).unwrap();
    assert!(
        out.contains(&format!("gamma mixture, K = {k} (chosen by DSC")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "chosen K: DSC {k}, AIC {}, BIC {}, ICL {}",
            sel.aic_choice(),
            sel.bic_choice(),
            sel.icl_choice()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("log-likelihood = {:.6}", chosen.log_likelihood())),
        "{out}"
    );

    let d: Value = serde_json::from_str(&ok(&[
        "fit", "--input", &txt, "--max-k", "5", "--json", "--format", "text",
    ]))
    .unwrap();
    assert_eq!(d["k"].as_u64(), Some(k as u64));
    let ll = d["mixture"]["log_likelihood"].as_f64().unwrap();
    assert!(
        rel(ll, chosen.log_likelihood()) < 1e-12,
        "{ll} vs {}",
        chosen.log_likelihood()
    );
    let s = &d["selection"];
    assert_eq!(s["max_k"].as_u64(), Some(5));
    let levels = s["levels"].as_array().unwrap();
    assert_eq!(levels.len(), sel.leaves());
    for (i, l) in levels.iter().enumerate() {
        let want = sel.bic_curve()[i];
        assert!(
            rel(l["bic"].as_f64().unwrap(), want) < 1e-12,
            "level {}",
            i + 1
        );
    }
    assert_eq!(s["choice"]["bic"].as_u64(), Some(sel.bic_choice() as u64));
    assert_eq!(s["choice"]["dsc"].as_u64(), Some(k as u64));
    assert_eq!(s["merges"].as_array().unwrap().len(), sel.merges().len());
    let over_ll = s["overfit"]["log_likelihood"].as_f64().unwrap();
    assert!(rel(over_ll, over.log_likelihood()) < 1e-12);
}

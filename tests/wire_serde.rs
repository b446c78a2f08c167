//! serde (feature `serde`): JSON (human-readable) and postcard (binary) round trips give the
//! bit-identical state (compared through the byte form), NaN and ±∞ survive JSON, and the
//! checks of the byte form refuse forged documents.
#![cfg(feature = "serde")]

mod common;

use simstat::dist::TruncatedShiftedGamma;
use simstat::fit::{
    fit_gamma, fit_mixture, pass_statistics, FitOptions, GammaFit, MixtureFit, Sketch, SuffStats,
};
use simstat::wire::ByteForm;

fn scores() -> Vec<f64> {
    let mut all = common::read_f32_as_f64("labelled/cisi_minilm_l6.f32");
    all.truncate(1460);
    all
}

fn bytes<T: ByteForm>(v: &T) -> Vec<u8> {
    let mut b = vec![0u8; v.byte_len()];
    v.write_to(&mut b).unwrap();
    b
}

/// JSON and postcard round trips, each compared bit for bit through the byte form.
fn both_ways<T>(v: &T) -> String
where
    T: ByteForm + serde::Serialize + serde::de::DeserializeOwned,
{
    let json = serde_json::to_string(v).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(bytes(&back), bytes(v), "JSON round trip: {json}");
    let bin = postcard::to_allocvec(v).unwrap();
    let back: T = postcard::from_bytes(&bin).unwrap();
    assert_eq!(bytes(&back), bytes(v), "postcard round trip");
    json
}

#[test]
fn state_round_trips_through_json_and_postcard() {
    let data = scores();
    let opts = FitOptions::default();
    let g = fit_gamma(&data, &opts).unwrap();
    both_ways::<GammaFit>(&g);
    both_ways::<TruncatedShiftedGamma>(&g.distribution());
    let m = fit_mixture(&data, 2, &opts).unwrap();
    let json = both_ways::<MixtureFit>(&m);
    assert!(
        json.contains("\"weights\":[") && json.contains("\"stop\":"),
        "{json}"
    );
    let st = pass_statistics(&m, &data);
    both_ways::<SuffStats>(&st);
    let mut s = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    s.extend(&data).unwrap();
    both_ways::<Sketch<4096>>(&s);
    let mut scratch = vec![0.0; data.len()];
    let bg =
        simstat::calibrate::fit_background_with(&data, &Default::default(), &mut scratch).unwrap();
    let json = both_ways::<simstat::calibrate::Background>(&bg);
    assert!(
        json.contains("\"bic\":[") && json.contains("\"NaN\""),
        "{json}"
    );
    let json = both_ways::<simstat::calibrate::Calibrator>(&bg.calibrator);
    assert!(json.contains("\"relevant\":null"), "{json}");
    both_ways::<simstat::calibrate::Calibrator>(
        &simstat::calibrate::Calibrator::from_mixture(&m).unwrap(),
    );
    // non-finite values: an empty sketch's extremes (±∞) and an unknown log-likelihood (NaN)
    let empty = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    let json = both_ways::<Sketch<4096>>(&empty);
    assert!(json.contains("\"min\":\"inf\",\"max\":\"-inf\""), "{json}");
    let parts = MixtureFit::from_components(&[1.0], &[m.component(0)], 10, f64::NAN).unwrap();
    let json = both_ways::<MixtureFit>(&parts);
    assert!(json.contains("\"log_likelihood\":\"NaN\""), "{json}");
}

#[test]
fn forged_documents_are_refused() {
    let data = scores();
    let m = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    let json = serde_json::to_string(&m).unwrap();
    let w0 = m.weight(0);
    let forged = json.replacen(&format!("{w0:?}"), "0.5", 1);
    assert_ne!(forged, json);
    let err = serde_json::from_str::<MixtureFit>(&forged).unwrap_err();
    assert!(err.to_string().contains("weights"), "{err}");

    let mut s = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    s.extend(&data).unwrap();
    let json = serde_json::to_string(&s).unwrap();
    // another resolution, a count that disagrees with n
    assert!(serde_json::from_str::<Sketch<1024>>(&json).is_err());
    let forged = json.replacen(&format!("\"n\":{}", s.len()), "\"n\":7", 1);
    let err = serde_json::from_str::<Sketch<4096>>(&forged).unwrap_err();
    assert!(err.to_string().contains("counts"), "{err}");

    let st = pass_statistics(&m, &data);
    let json = serde_json::to_string(&st).unwrap();
    let forged = json.replacen("\"k\":2", "\"k\":3", 1);
    let err = serde_json::from_str::<SuffStats>(&forged).unwrap_err();
    assert!(err.to_string().contains("lengths"), "{err}");
    let forged = json.replacen("\"order\":2", "\"order\":5", 1);
    let err = serde_json::from_str::<SuffStats>(&forged).unwrap_err();
    assert!(err.to_string().contains("order"), "{err}");

    let bad = r#"{"shape":-1.0,"rate":1.0,"shift":0.0,"lo":-1.0,"hi":1.0}"#;
    assert!(serde_json::from_str::<TruncatedShiftedGamma>(bad).is_err());
}

/// An order selection on real scores (one CISI query, all-MiniLM-L6-v2, over-fit at K = 5) as
/// JSON: the choices, every level's criteria and its mixture (which deserialises to the
/// level's `MixtureFit` bit for bit), the merges and the leaf rule's record, as the accessors
/// give them; and the document also encodes in a binary format.
#[test]
fn selection_serialises_as_its_accessors_give_it() {
    use simstat::fit::{fit_mixture_with, MixtureOptions};
    use simstat::select::{select_order, DscOptions};
    let data = scores();
    let over = fit_mixture_with(&data, 5, &FitOptions::default(), &MixtureOptions::overfit())
        .expect("over-fit");
    let sel = select_order(&over, &data, &DscOptions::default()).expect("selection");
    let v: serde_json::Value = serde_json::to_value(&sel).expect("JSON");
    assert_eq!(v["n"], data.len());
    assert_eq!(v["leaves"], sel.leaves());
    assert_eq!(v["absorbed"], sel.absorbed());
    assert_eq!(v["choice"]["dsc"], sel.dsc_choice());
    assert_eq!(v["choice"]["bic"], sel.bic_choice());
    let num = |x: &serde_json::Value| match x {
        serde_json::Value::String(s) if s == "NaN" => f64::NAN,
        other => other.as_f64().expect("a number"),
    };
    let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    let levels = v["levels"].as_array().expect("levels");
    assert_eq!(levels.len(), sel.leaves());
    for (i, lv) in levels.iter().enumerate() {
        let k = i + 1;
        assert_eq!(lv["k"], k);
        assert!(same(num(&lv["dsc"]), sel.dsc_curve()[i]), "dsc {k}");
        assert!(same(num(&lv["bic"]), sel.bic_curve()[i]), "bic {k}");
        assert!(
            same(num(&lv["height"]), sel.height_curve()[i]),
            "height {k}"
        );
        assert!(same(
            num(&lv["log_likelihood"]),
            sel.log_likelihood(k).unwrap()
        ));
        let m: MixtureFit = serde_json::from_value(lv["mixture"].clone()).expect("mixture");
        assert_eq!(bytes(&m), bytes(&sel.mixture(k).expect("level mixture")));
    }
    let merges = v["merges"].as_array().expect("merges");
    assert_eq!(merges.len(), sel.merges().len());
    for (j, m) in merges.iter().zip(sel.merges()) {
        assert_eq!(j["node_i"], m.node_i);
        assert!(same(num(&j["height"]), m.height));
    }
    let fates = v["fates"].as_array().expect("fates");
    assert_eq!(fates.len(), over.len());
    let absorbed = fates
        .iter()
        .filter(|f| f.get("absorbed_into").is_some())
        .count();
    assert_eq!(absorbed, sel.absorbed());
    assert!(!postcard::to_allocvec(&sel).expect("postcard").is_empty());
}

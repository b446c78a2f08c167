//! The byte form (`simstat::wire`): round trips bit for bit, every truncation and corruption
//! refused, forged values refused, and state that travels between two real processes (each
//! sketches half of real retrieval scores; the merged sketch and the fits from it equal the
//! one-process ones bit for bit).

mod common;

use simstat::dist::TruncatedShiftedGamma;
use simstat::fit::{
    fit_gamma, fit_gamma_sketch, fit_mixture, fit_mixture_from_sketch, pass_statistics, FitOptions,
    MixtureFit, MixtureOptions, Sketch, SuffStats,
};
use simstat::wire::{crc32, ByteForm, WireError, HEADER_BYTES, VERSION};

/// All cosine scores of the Cranfield queries against every document (all-MiniLM-L6-v2):
/// 315,000 real scores, as f64.
fn cranfield_scores() -> Vec<f64> {
    common::read_f32_as_f64("labelled/cranfield_minilm_l6.f32")
}

/// One query's scores against its corpus (row `q` of the Cranfield matrix, 1400 documents).
fn one_query(all: &[f64], q: usize) -> &[f64] {
    &all[q * 1400..(q + 1) * 1400]
}

fn encode<T: ByteForm>(v: &T) -> Vec<u8> {
    let mut buf = vec![0u8; v.byte_len()];
    let n = v.write_to(&mut buf).expect("buffer sized by byte_len");
    assert_eq!(n, buf.len());
    buf
}

/// Writes, reads back and writes again: the two encodings are the same bytes (bit-identical
/// state, NaNs included), and every strict prefix of the encoding is refused.
fn round_trip<T: ByteForm>(v: &T) -> T {
    let bytes = encode(v);
    let back = T::read_from(&bytes).expect("read back");
    assert_eq!(encode(&back), bytes, "re-encoding differs");
    for cut in 0..bytes.len() {
        assert!(
            matches!(
                T::read_from(&bytes[..cut]),
                Err(WireError::Truncated { .. })
            ),
            "prefix of {cut} bytes accepted"
        );
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(
        T::read_from(&long),
        Err(WireError::TrailingBytes { .. })
    ));
    back
}

/// Every single-bit flip at the given byte positions is refused (header fields by their own
/// checks, payload bytes by the CRC).
fn flips_refused<T: ByteForm>(bytes: &[u8], positions: impl Iterator<Item = usize>) {
    for i in positions {
        for bit in 0..8 {
            let mut b = bytes.to_vec();
            b[i] ^= 1 << bit;
            assert!(
                T::read_from(&b).is_err(),
                "flip of bit {bit} at byte {i} accepted"
            );
        }
    }
}

/// Re-signs a payload changed on purpose (valid header and CRC, forged values).
fn forge(bytes: &mut [u8]) {
    let crc = crc32(&bytes[HEADER_BYTES..]);
    bytes[12..16].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn sketch_round_trips_dense_and_sparse() {
    let all = cranfield_scores();
    // on the data's own range every one of 256 bins is occupied: the dense layout
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut dense = Sketch::<256>::new(lo, hi).unwrap();
    dense.extend(&all).unwrap();
    let mut pooled = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    pooled.extend(&all).unwrap();
    let mut sparse = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    sparse.extend(one_query(&all, 3)).unwrap();
    let empty = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    for s in [&pooled, &sparse, &empty] {
        let back = round_trip(s);
        assert_eq!(&back, s);
        let mut into = Sketch::<4096>::new(0.0, 0.5).unwrap();
        into.read_into(&encode(s)).unwrap();
        assert_eq!(&into, s);
    }
    assert_eq!(round_trip(&dense), dense);
    // the shorter layout is written: sparse (20 bytes per occupied bin) for one query and for
    // the pooled scores (which fill under half of 4096 bins), dense (16 per bin) for 256 bins
    for (s, occupied) in [
        (&sparse, sparse.occupied_bins()),
        (&pooled, pooled.occupied_bins()),
    ] {
        assert!(20 * occupied < 16 * 4096);
        assert_eq!(s.byte_len(), HEADER_BYTES + 49 + 20 * occupied);
    }
    assert!(20 * dense.occupied_bins() >= 16 * 256);
    eprintln!(
        "bytes: one query {} ({} bins), pooled {} ({} bins), dense 256 {}",
        sparse.byte_len(),
        sparse.occupied_bins(),
        pooled.byte_len(),
        pooled.occupied_bins(),
        dense.byte_len()
    );
    assert_eq!(dense.byte_len(), HEADER_BYTES + 49 + 16 * 256);
    let bytes = encode(&sparse);
    flips_refused::<Sketch<4096>>(&bytes, (0..bytes.len()).step_by(7));
}

#[test]
fn header_errors_name_the_problem() {
    let mut s = Sketch::<64>::new(-1.0, 1.0).unwrap();
    s.extend(&[0.1, 0.2]).unwrap();
    let bytes = encode(&s);
    let mut b = bytes.clone();
    b[0] = b'X';
    assert_eq!(Sketch::<64>::read_from(&b), Err(WireError::BadMagic));
    let mut b = bytes.clone();
    b[4..6].copy_from_slice(&(VERSION + 1).to_le_bytes());
    assert_eq!(
        Sketch::<64>::read_from(&b),
        Err(WireError::UnsupportedVersion {
            found: VERSION + 1,
            supported: VERSION
        })
    );
    assert_eq!(
        TruncatedShiftedGamma::read_from(&bytes).unwrap_err(),
        WireError::WrongKind {
            found: 1,
            expected: 3
        }
    );
    let mut b = bytes.clone();
    let last = b.len() - 1;
    b[last] ^= 0x10;
    assert_eq!(
        Sketch::<64>::read_from(&b),
        Err(WireError::ChecksumMismatch)
    );
    // a sketch of another resolution is refused, not reinterpreted
    assert_eq!(
        Sketch::<128>::read_from(&bytes),
        Err(WireError::Invalid("bins"))
    );
    let mut small = [0u8; 10];
    assert_eq!(
        s.write_to(&mut small),
        Err(WireError::BufferTooSmall {
            needed: s.byte_len(),
            got: 10
        })
    );
}

#[test]
fn forged_sketches_are_refused() {
    let mut s = Sketch::<64>::new(-1.0, 1.0).unwrap();
    s.extend(&[0.1, 0.2, 0.2, -0.5]).unwrap();
    let bytes = encode(&s);
    let p = HEADER_BYTES;
    // layout: B u32 | lo f64 | hi f64 | n u64 | min f64 | max f64 | sparse u8 | nnz u32 | bins
    let cases: [(usize, Vec<u8>, &str); 5] = [
        (p + 4, 2.0f64.to_le_bytes().to_vec(), "interval"), // lo = 2 > hi
        (p + 20, 5u64.to_le_bytes().to_vec(), "counts"),    // n disagrees with the bins
        (p + 28, (-0.9f64).to_le_bytes().to_vec(), "min/max"), // min in an empty bin
        (p + 36, 0.9f64.to_le_bytes().to_vec(), "min/max"), // max in an empty bin
        (p + 45, 100u32.to_le_bytes().to_vec(), "occupied bins"), // nnz > B
    ];
    for (at, val, field) in cases {
        let mut b = bytes.clone();
        b[at..at + val.len()].copy_from_slice(&val);
        forge(&mut b);
        assert_eq!(
            Sketch::<64>::read_from(&b),
            Err(WireError::Invalid(field)),
            "{field}"
        );
        // in place: refused, and the sketch left empty on its interval
        let mut into = s.clone();
        assert!(into.read_into(&b).is_err());
        assert!(into.is_empty() && into.interval() == (-1.0, 1.0));
    }
    // an offset sum larger than its count allows (first sparse bin's offset)
    let mut b = bytes.clone();
    let off = p + 49 + 4 + 8;
    b[off..off + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    forge(&mut b);
    assert_eq!(
        Sketch::<64>::read_from(&b),
        Err(WireError::Invalid("offset sum"))
    );
}

#[test]
fn fits_and_statistics_round_trip_bit_for_bit() {
    let all = cranfield_scores();
    let q = one_query(&all, 7);
    let opts = FitOptions::default();

    let g = fit_gamma(q, &opts).unwrap();
    let back = round_trip(&g);
    assert_eq!(back, g);
    let bytes = encode(&g);
    flips_refused::<simstat::fit::GammaFit>(&bytes, 0..bytes.len());

    let d = g.distribution();
    assert_eq!(round_trip(&d), d);

    let m = fit_mixture(q, 3, &opts).unwrap();
    let back = round_trip(&m);
    assert_eq!(back, m);
    assert_eq!(
        back.log_likelihood().to_bits(),
        m.log_likelihood().to_bits()
    );
    let bytes = encode(&m);
    eprintln!("bytes: K = 3 mixture {}", bytes.len());
    flips_refused::<MixtureFit>(&bytes, 0..bytes.len());

    // a mixture built from parts (NaN log-likelihood and gradient norm) keeps its NaNs
    let parts =
        MixtureFit::from_components(&[1.0, 3.0], &[m.component(0), m.component(2)], 9, f64::NAN)
            .unwrap();
    let back = round_trip(&parts);
    assert!(back.log_likelihood().is_nan());

    // statistics of a second-order (Hessian) pass, with the packed Σ φφᵀ
    let st = pass_statistics(&m, q);
    let back = round_trip(&st);
    assert_eq!(
        back.log_likelihood().to_bits(),
        st.log_likelihood().to_bits()
    );
    assert_eq!(back.max_rel_diff(&st), 0.0);
}

#[test]
fn forged_fits_are_refused() {
    let all = cranfield_scores();
    let m = fit_mixture(one_query(&all, 11), 2, &FitOptions::default()).unwrap();
    let bytes = encode(&m);
    let p = HEADER_BYTES;
    let patch = |at: usize, val: &[u8]| {
        let mut b = bytes.clone();
        b[at..at + val.len()].copy_from_slice(val);
        forge(&mut b);
        MixtureFit::read_from(&b)
    };
    // K = 17 (over MAX_COMPONENTS), K = 0
    assert_eq!(patch(p, &[17]), Err(WireError::Invalid("k")));
    assert_eq!(patch(p, &[0]), Err(WireError::Invalid("k")));
    // weights: NaN, then not summing to 1
    assert_eq!(
        patch(p + 1, &f64::NAN.to_le_bytes()),
        Err(WireError::Invalid("weights"))
    );
    assert_eq!(
        patch(p + 1, &0.999f64.to_le_bytes()),
        Err(WireError::Invalid("weights"))
    );
    // a component's shape of −1 (the constructor's check), and one on another interval
    assert_eq!(
        patch(p + 9, &(-1.0f64).to_le_bytes()),
        Err(WireError::Invalid("component"))
    );
    assert_eq!(
        patch(p + 49 + 40, &0.99f64.to_le_bytes()), // component 1's hi
        Err(WireError::Invalid("components"))
    );
    // the stop reason byte (after K·48 + 1 + 6·8 + 1 bytes)
    let stop_at = p + 1 + 48 * 2 + 48 + 1;
    assert_eq!(patch(stop_at, &[9]), Err(WireError::Invalid("stop")));

    let st = pass_statistics(&m, one_query(&all, 11));
    let bytes = encode(&st);
    for (at, val, field) in [
        (p, vec![0u8], "k"),
        (p + 1, vec![7u8], "order"),
        (p + 2, (-1.0f64).to_le_bytes().to_vec(), "n"),
        (p + 2 + 32, f64::NAN.to_le_bytes().to_vec(), "sums"),
    ] {
        let mut b = bytes.clone();
        b[at..at + val.len()].copy_from_slice(&val);
        forge(&mut b);
        assert_eq!(
            SuffStats::read_from(&b).unwrap_err(),
            WireError::Invalid(field),
            "{field}"
        );
    }
}

#[test]
fn calibrators_round_trip_and_keep_their_p_values() {
    use simstat::calibrate::{fit_background_with, BackgroundOptions, Calibrator};
    let all = cranfield_scores();
    let q = one_query(&all, 2);
    let mut scratch = vec![0.0; q.len()];
    let bg = fit_background_with(q, &BackgroundOptions::default(), &mut scratch).unwrap();
    let m = fit_mixture(q, 2, &FitOptions::default()).unwrap();
    let with_relevant = Calibrator::from_mixture(&m).unwrap();
    for cal in [&bg.calibrator, &with_relevant] {
        let back = round_trip(cal);
        assert_eq!(back.relevant_component(), cal.relevant_component());
        assert_eq!(back.scale(), cal.scale());
        for &s in q.iter().step_by(50) {
            assert_eq!(back.p_value(s).to_bits(), cal.p_value(s).to_bits());
        }
        let bytes = encode(cal);
        flips_refused::<Calibrator>(&bytes, 0..bytes.len());
    }
    // the whole background (calibrator, fit, BIC per order with NaN for orders not fitted)
    let back = round_trip(&bg);
    assert_eq!(back.excluded, bg.excluded);
    assert_eq!(
        back.calibrator.p_value(0.5).to_bits(),
        bg.calibrator.p_value(0.5).to_bits()
    );
    let bytes = encode(&bg);
    flips_refused::<simstat::calibrate::Background>(&bytes, 0..bytes.len());
    // a relevant component other than the one the constructor picks (largest mean) is refused
    let mut b = encode(&with_relevant);
    let relevant = with_relevant.relevant_component().unwrap() as u8;
    b[HEADER_BYTES + 2] = 1 - relevant;
    forge(&mut b);
    assert_eq!(
        Calibrator::read_from(&b).unwrap_err(),
        WireError::Invalid("relevant")
    );
}

/// The worker side of the cross-process test: sketches and pass statistics of one half of the
/// scores, written as bytes to the file the parent names.
fn worker(half: usize, out: &str) {
    let all = cranfield_scores();
    let split = all.len() / 2 + 123; // an uneven split
    let part = if half == 0 {
        &all[..split]
    } else {
        &all[split..]
    };
    let mut s = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    s.extend(part).unwrap();
    let start = start_fit();
    let st = pass_statistics(&start, part);
    let (a, b) = (encode(&s), encode(&st));
    let mut file = (a.len() as u64).to_le_bytes().to_vec();
    file.extend(a);
    file.extend(b);
    std::fs::write(out, file).expect("worker output");
}

/// The fit both processes evaluate their statistics at (a broadcast of the map step).
fn start_fit() -> MixtureFit {
    let a = TruncatedShiftedGamma::new(12.0, 60.0, -0.1, -1.0, 1.0).unwrap();
    let b = TruncatedShiftedGamma::new(6.0, 25.0, 0.1, -1.0, 1.0).unwrap();
    MixtureFit::from_components(&[0.8, 0.2], &[a, b], 0, f64::NAN).unwrap()
}

#[test]
fn two_processes_merge_to_the_one_process_state() {
    if let (Ok(half), Ok(out)) = (
        std::env::var("SIMSTAT_WIRE_HALF"),
        std::env::var("SIMSTAT_WIRE_OUT"),
    ) {
        worker(half.parse().expect("half"), &out);
        return;
    }
    let dir = std::env::temp_dir();
    let exe = std::env::current_exe().expect("test binary");
    let mut kids = Vec::new();
    for half in 0..2 {
        let out = dir.join(format!("simstat_wire_{}_{half}.bin", std::process::id()));
        let child = std::process::Command::new(&exe)
            .args([
                "--exact",
                "two_processes_merge_to_the_one_process_state",
                "--test-threads=1",
            ])
            .env("SIMSTAT_WIRE_HALF", half.to_string())
            .env("SIMSTAT_WIRE_OUT", &out)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn worker");
        kids.push((child, out));
    }
    let mut parts = Vec::new();
    for (mut child, out) in kids {
        assert!(child.wait().expect("worker").success());
        let file = std::fs::read(&out).expect("worker file");
        std::fs::remove_file(&out).ok();
        let n = u64::from_le_bytes(file[..8].try_into().unwrap()) as usize;
        let sketch = Sketch::<4096>::read_from(&file[8..8 + n]).expect("sketch bytes");
        let stats = SuffStats::read_from(&file[8 + n..]).expect("statistics bytes");
        parts.push((sketch, stats));
    }
    let (mut sketch, mut stats) = parts.remove(0);
    let (s1, t1) = parts.remove(0);
    sketch.merge(&s1).unwrap();
    stats.merge(&t1);

    // one process, the whole data
    let all = cranfield_scores();
    let mut whole = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    whole.extend(&all).unwrap();
    assert_eq!(encode(&sketch), encode(&whole), "merged sketch differs");

    let opts = FitOptions::default();
    let g2 = fit_gamma_sketch(&sketch, &opts).unwrap();
    let g1 = fit_gamma_sketch(&whole, &opts).unwrap();
    assert_eq!(encode(&g2), encode(&g1));
    let mo = MixtureOptions::default();
    let m2 = fit_mixture_from_sketch(&sketch, 2, &opts, &mo).unwrap();
    let m1 = fit_mixture_from_sketch(&whole, 2, &opts, &mo).unwrap();
    assert_eq!(
        encode(&m2),
        encode(&m1),
        "fit from the merged sketch differs"
    );

    // the map step's statistics: the cross-process merge equals the in-process merge of the
    // same shards bit for bit, and the whole-data pass to rounding
    let split = all.len() / 2 + 123;
    let start = start_fit();
    let mut local = pass_statistics(&start, &all[..split]);
    local.merge(&pass_statistics(&start, &all[split..]));
    assert_eq!(encode(&stats), encode(&local));
    let one = pass_statistics(&start, &all);
    assert!(
        stats.max_rel_diff(&one) < 1e-10,
        "{}",
        stats.max_rel_diff(&one)
    );
}

#[test]
fn mixture_from_sketch_matches_the_exact_fit() {
    // on one query's 1400 scores and on all 315,000: the sketch fit's log-likelihood on the
    // exact data is not below the exact fit's by more than 1e-4 relative (on the pooled
    // scores it is above: the sketch's multi-start found a better optimum, +39.5 nats)
    let all = cranfield_scores();
    let opts = FitOptions::default();
    let mo = MixtureOptions::default();
    for (name, data, k) in [("query 5", one_query(&all, 5), 2), ("all", &all[..], 2)] {
        let mut s = Sketch::<4096>::new(-1.0, 1.0).unwrap();
        s.extend(data).unwrap();
        let exact = fit_mixture(data, k, &opts).unwrap();
        let from_sketch = fit_mixture_from_sketch(&s, k, &opts, &mo).unwrap();
        let ll_sketch_on_data = pass_statistics(&from_sketch, data).log_likelihood();
        let rel = (exact.log_likelihood() - ll_sketch_on_data) / exact.log_likelihood().abs();
        eprintln!(
            "{name}: exact LL {:.6}, sketch fit's LL on the data {:.6}, rel {rel:.2e}",
            exact.log_likelihood(),
            ll_sketch_on_data
        );
        assert!(rel < 1e-4, "{name}: {rel}");
    }
}

//! Prints the accuracy of simstat's special functions against the committed mpmath tables
//! (tests/data, embedded at compile time), beside the Rust peers statrs and special.
//!
//! `cargo run --release --example accuracy` — prints a markdown table: max and median error in
//! ULP per function and domain. A peer that panics or returns NaN on a point is counted as failed.
use std::panic::{catch_unwind, AssertUnwindSafe};

/// One reference record: input(s), then the value as hi + lo doubles.
struct Record {
    args: Vec<f64>,
    hi: f64,
    lo: f64,
}

/// A domain: its name and points.
struct Domain {
    name: String,
    records: Vec<Record>,
}

fn parse_hex(word: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(word, 16).expect("table word is 16 hex digits"))
}

/// Parses the table format of tests/data/make_special.py: `@ domain` lines, `#` comments, data
/// lines of hex bit patterns: the inputs, then hi and lo of the reference value.
fn parse(table: &str, n_args: usize) -> Vec<Domain> {
    let mut out: Vec<Domain> = Vec::new();
    for line in table.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('@') {
            out.push(Domain {
                name: name.trim().to_string(),
                records: Vec::new(),
            });
            continue;
        }
        let w: Vec<f64> = line.split_whitespace().map(parse_hex).collect();
        if w.len() != n_args + 2 {
            continue;
        }
        if out.is_empty() {
            out.push(Domain {
                name: "all".into(),
                records: Vec::new(),
            });
        }
        if let Some(d) = out.last_mut() {
            d.records.push(Record {
                args: w[..n_args].to_vec(),
                hi: w[n_args],
                lo: w[n_args + 1],
            });
        }
    }
    out
}

/// Error of `y` against hi + lo in units of the last place of hi.
fn ulp_error(y: f64, hi: f64, lo: f64) -> f64 {
    if hi.is_infinite() || y.is_infinite() {
        return if y == hi { 0.0 } else { f64::INFINITY };
    }
    if !y.is_finite() {
        return f64::INFINITY;
    }
    let e = if hi == 0.0 {
        -1074
    } else {
        (libm_ilogb(hi) - 52).max(-1074)
    };
    // 2^e built from its bits (powi would overflow 2^1074 on the way to a subnormal ulp).
    let ulp = if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074))
    };
    (((y - hi) - lo) / ulp).abs()
}

fn libm_ilogb(x: f64) -> i32 {
    let bits = x.abs().to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        -1023 - (bits << 12).leading_zeros() as i32
    } else {
        exp - 1023
    }
}

/// Max and median ULP error of `f` over a domain; failures (panic, NaN) count as infinite.
fn stats(d: &Domain, f: &dyn Fn(&[f64]) -> f64) -> (f64, f64) {
    let mut errs: Vec<f64> = d
        .records
        .iter()
        .map(|r| {
            let y = catch_unwind(AssertUnwindSafe(|| f(&r.args))).unwrap_or(f64::NAN);
            ulp_error(y, r.hi, r.lo)
        })
        .collect();
    errs.sort_by(f64::total_cmp);
    let max = errs.last().copied().unwrap_or(0.0);
    let med = errs.get(errs.len() / 2).copied().unwrap_or(0.0);
    (max, med)
}

fn fmt_ulp(v: f64) -> String {
    if v.is_infinite() {
        "fails".into()
    } else if v >= 1e4 {
        format!("{v:.1e}")
    } else {
        format!("{v:.1}")
    }
}

/// Parses a P/Q table (`a x P_hi P_lo Q_hi Q_lo`, hex) into domains by a (≤ 10, ≤ 100, ≤ 1000),
/// keeping the points whose reference value exceeds 1e-280 (the accuracy target's range).
fn parse_pq(table: &str, label: &str, q: bool) -> Vec<Domain> {
    let names = ["a ≤ 10", "10 < a ≤ 100", "100 < a ≤ 1000"];
    let mut out: Vec<Domain> = names
        .iter()
        .map(|n| Domain {
            name: format!("{label}, {n}"),
            records: Vec::new(),
        })
        .collect();
    for line in table.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let w: Vec<f64> = line.split_whitespace().map(parse_hex).collect();
        if w.len() != 6 {
            continue;
        }
        let (hi, lo) = if q { (w[4], w[5]) } else { (w[2], w[3]) };
        if hi.is_nan() || hi <= 1e-280 {
            continue;
        }
        let k = if w[0] <= 10.0 {
            0
        } else if w[0] <= 100.0 {
            1
        } else {
            2
        };
        out[k].records.push(Record {
            args: vec![w[0], w[1]],
            hi,
            lo,
        });
    }
    out.retain(|d| !d.records.is_empty());
    out
}

fn report_domains(func: &str, domains: Vec<Domain>, impls: &[Impl<'_>]) {
    for d in domains {
        let mut row = format!("| {func} | {} | {} |", d.name, d.records.len());
        for (_, f) in impls {
            let (max, med) = stats(&d, f.as_ref());
            row.push_str(&format!(" {} / {} |", fmt_ulp(max), fmt_ulp(med)));
        }
        println!("{row}");
    }
}

type Impl<'a> = (&'a str, Box<dyn Fn(&[f64]) -> f64>);

fn report(func: &str, table: &str, n_args: usize, impls: Vec<Impl<'_>>) {
    report_domains(func, parse(table, n_args), &impls);
}

fn main() {
    use special::Gamma as _;
    std::panic::set_hook(Box::new(|_| {})); // peers' panics are counted, not printed
    println!("Max / median error in ULP against mpmath (50 digits); 'fails' = panic, NaN or inf.");
    println!();
    println!("| function | domain | points | simstat | statrs 0.19 | special 0.14 |");
    println!("|---|---|---|---|---|---|");
    report(
        "digamma",
        include_str!("../tests/data/special_digamma.txt"),
        1,
        vec![
            (
                "simstat",
                Box::new(|a: &[f64]| simstat::special::digamma(a[0])),
            ),
            (
                "statrs",
                Box::new(|a: &[f64]| statrs::function::gamma::digamma(a[0])),
            ),
            // special 0.14 recurses once per unit step up to 8: below −1e4 it overflows the
            // stack (a crash), so those points count as failures without calling it
            (
                "special",
                Box::new(|a: &[f64]| {
                    if a[0] < -1e4 {
                        f64::NAN
                    } else {
                        a[0].digamma()
                    }
                }),
            ),
        ],
    );
    report(
        "trigamma",
        include_str!("../tests/data/special_trigamma.txt"),
        1,
        vec![
            (
                "simstat",
                Box::new(|a: &[f64]| simstat::special::trigamma(a[0])),
            ),
            ("statrs", Box::new(|_: &[f64]| f64::NAN)),
            ("special", Box::new(|a: &[f64]| a[0].trigamma())),
        ],
    );
    report(
        "ln_gamma",
        include_str!("../tests/data/special_ln_gamma.txt"),
        1,
        vec![
            (
                "simstat",
                Box::new(|a: &[f64]| simstat::special::ln_gamma(a[0])),
            ),
            (
                "statrs",
                Box::new(|a: &[f64]| statrs::function::gamma::ln_gamma(a[0])),
            ),
            (
                "special",
                Box::new(|a: &[f64]| special::Gamma::ln_gamma(a[0]).0),
            ),
        ],
    );
    let tables = [
        ("grid", include_str!("../tests/data/gamma_inc_grid.txt")),
        (
            "x ≈ a band",
            include_str!("../tests/data/gamma_inc_band.txt"),
        ),
        (
            "deep tails",
            include_str!("../tests/data/gamma_inc_tails.txt"),
        ),
    ];
    let p_impls: Vec<Impl<'_>> = vec![
        (
            "simstat",
            Box::new(|a: &[f64]| simstat::special::gamma_p(a[0], a[1])),
        ),
        (
            "statrs",
            Box::new(|a: &[f64]| statrs::function::gamma::gamma_lr(a[0], a[1])),
        ),
        (
            "special",
            Box::new(|a: &[f64]| special::Gamma::inc_gamma(a[1], a[0])),
        ),
    ];
    let q_impls: Vec<Impl<'_>> = vec![
        (
            "simstat",
            Box::new(|a: &[f64]| simstat::special::gamma_q(a[0], a[1])),
        ),
        (
            "statrs",
            Box::new(|a: &[f64]| statrs::function::gamma::gamma_ur(a[0], a[1])),
        ),
        (
            "special",
            Box::new(|a: &[f64]| 1.0 - special::Gamma::inc_gamma(a[1], a[0])),
        ),
    ];
    for (label, t) in tables {
        report_domains("P", parse_pq(t, label, false), &p_impls);
    }
    for (label, t) in tables {
        report_domains("Q", parse_pq(t, label, true), &q_impls);
    }
    println!();
    println!("statrs 0.19 has no trigamma; special 0.14 has no Q (its column is 1 − P).");
    println!("Tables: tests/data/*.txt, made by tests/data/make_special.py (mpmath, 50 digits;");
    println!("inputs as exact bit patterns; P/Q only where the reference value exceeds 1e-280).");
}

//! Writes `DIR/<kernel>.f64`: the inputs of each GPU kernel of `simstat-ptx` and the CPU's
//! results for them (raw little-endian f64: `n` values per input array, then `n` results).
use simstat::dist::TruncatedShiftedGamma;
use simstat::special::{digamma, gamma_p, gamma_p_inv, gamma_q, ln_gamma, trigamma};
use std::io::Write;

const N: usize = 1 << 16;

struct Rng(u64);
impl Rng {
    fn u(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
    fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + self.u() * (hi.ln() - lo.ln())).exp()
    }
}

fn write(dir: &str, name: &str, arrays: &[&[f64]]) {
    let mut f = std::fs::File::create(format!("{dir}/{name}.f64")).unwrap();
    for a in arrays {
        for v in *a {
            f.write_all(&v.to_le_bytes()).unwrap();
        }
    }
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    std::fs::create_dir_all(&dir).unwrap();
    let mut r = Rng(2026);
    // ψ, ψ′, lnΓ: x > 0 log-uniform over (1e-6, 1e6) for half, x in (−30, 0) for the rest.
    let x: Vec<f64> = (0..N)
        .map(|i| {
            if i % 2 == 0 {
                r.log_uniform(1e-6, 1e6)
            } else {
                -30.0 * r.u()
            }
        })
        .collect();
    for (name, f) in [
        ("k_digamma", digamma::<f64> as fn(f64) -> f64),
        ("k_trigamma", trigamma::<f64>),
        ("k_ln_gamma", ln_gamma::<f64>),
    ] {
        let y: Vec<f64> = x.iter().map(|&v| f(v)).collect();
        write(&dir, name, &[&x, &y]);
    }
    // P, Q: a log-uniform on [0.3, 1000], x = a·(0.5 … 1.5) (the shifted-gamma regime).
    let a: Vec<f64> = (0..N).map(|_| r.log_uniform(0.3, 1000.0)).collect();
    let xs: Vec<f64> = a.iter().map(|&a| a * (0.5 + r.u())).collect();
    for (name, f) in [
        ("k_gamma_p", gamma_p::<f64> as fn(f64, f64) -> f64),
        ("k_gamma_q", gamma_q::<f64>),
    ] {
        let y: Vec<f64> = a.iter().zip(&xs).map(|(&a, &x)| f(a, x)).collect();
        write(&dir, name, &[&a, &xs, &y]);
    }
    let p: Vec<f64> = (0..N).map(|_| r.u().max(1e-300)).collect();
    let y: Vec<f64> = a.iter().zip(&p).map(|(&a, &p)| gamma_p_inv(a, p)).collect();
    write(&dir, "k_gamma_p_inv", &[&a, &p, &y]);
    // Truncated shifted gamma sf (α = 9, λ = 30, c = −0.25 on [−1, 1]) over scores in [−1, 1].
    let d = TruncatedShiftedGamma::new(9.0, 30.0, -0.25, -1.0, 1.0).unwrap();
    let s: Vec<f64> = (0..N).map(|_| -1.0 + 2.0 * r.u()).collect();
    let y: Vec<f64> = s.iter().map(|&v| d.sf(v)).collect();
    write(&dir, "k_gamma_sf", &[&s, &y]);
    println!("wrote 7 kernels' inputs and CPU results, n = {N}, to {dir}");
}

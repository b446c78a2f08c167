//! Fuzz the pair and matrix kernels: arbitrary shapes and values (NaN, ±inf, zero rows,
//! mismatched lengths, short buffers) give Ok or Err, never a panic or an out-of-bounds access;
//! Ok results are in range: cosine ∈ [−1, 1], angular distance ∈ [0, 1], angles ∈ [0, π].
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::geometry::{
    angular_distance, cosine_similarity, cross, cross_scratch_len, dot, pairwise_angles,
    pairwise_scratch_len, Layout, PairValue,
};

fuzz_target!(|input: (u8, u8, u8, bool, Vec<u32>)| {
    let (n, f, cut, packed, words) = input;
    let vals: Vec<f32> = words.iter().map(|&w| f32::from_bits(w)).collect();
    let split = usize::from(cut).min(vals.len());
    let (a, b) = vals.split_at(split);
    if let Ok(c) = cosine_similarity(a, b) {
        assert!((-1.0..=1.0).contains(&c), "cosine {c}");
    }
    if let Ok(d) = angular_distance(a, b) {
        assert!((0.0..=1.0).contains(&d), "angular distance {d}");
    }
    if let Ok(d) = dot(a, b) {
        assert!(d.is_finite());
    }
    let (n, f) = (usize::from(n % 24), usize::from(f % 40));
    let Ok(len) = pairwise_scratch_len(n, f) else {
        return;
    };
    let mut scratch = vec![0.0f32; len.min(1 << 20)];
    let layout = if packed {
        Layout::UpperPacked
    } else {
        Layout::Full
    };
    let out_len = if packed {
        n * n.saturating_sub(1) / 2
    } else {
        n * n
    };
    let mut out = vec![0.0f32; out_len];
    let x = &vals[..vals.len().min(n * f)];
    if pairwise_angles(x, n, f, layout, &mut out, &mut scratch).is_ok() {
        for &v in &out {
            assert!((0.0..=core::f32::consts::PI).contains(&v), "angle {v}");
        }
    }
    let m = n / 2 + 1;
    if let Ok(clen) = cross_scratch_len(m, n, f) {
        let mut s2 = vec![0.0f32; clen.min(1 << 20)];
        let mut o2 = vec![0.0f32; m * n];
        let q = &vals[..vals.len().min(m * f)];
        if cross(q, m, x, n, f, PairValue::Cosine, &mut o2, &mut s2).is_ok() {
            for &v in &o2 {
                assert!((-1.0..=1.0).contains(&v), "cross cosine {v}");
            }
        }
    }
});

//! Geometry benches (placeholder until the criterion groups land).
fn main() {}

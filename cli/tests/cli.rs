//! End-to-end tests of the `simstat` binary, run the way a user runs it: files in, exit code,
//! stdout / stderr out, checked against the library called directly.
#[path = "cli/angles.rs"]
mod angles;
#[path = "cli/calibrate.rs"]
mod calibrate;
#[path = "cli/common.rs"]
mod common;
#[path = "cli/fit.rs"]
mod fit;

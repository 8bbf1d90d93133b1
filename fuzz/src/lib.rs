//! Fuzz targets for detrigger. The targets in `fuzz_targets/` are one line
//! each; what they check is in [`checks`], which `tests/fuzz_regressions.rs`
//! in the main crate includes too, so every saved crash is replayed by
//! `cargo test` through the same assertions.

pub mod checks;

//! Replays every input in `tests/fuzz_regressions/<target>/` through the
//! checks of fuzz target `<target>`, so each crash the fuzzers ever found
//! (and a few interesting inputs) is re-run by `cargo test` forever.
//!
//! The checks are `fuzz/src/checks.rs`, included here as a module: the test
//! and the fuzz targets run the same code on the same bytes. To add a case,
//! minimise the crash (`cargo fuzz tmin <target> <artifact>`) and copy it
//! into the target's folder; no code changes. See the README's Fuzzing section.

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// Runs `check` on every file in the target's folder and fails with the
/// names of all the files that panicked (not just the first).
fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} has no inputs to replay", dir.display());
    let failed: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let data = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            catch_unwind(AssertUnwindSafe(|| check(&data))).is_err().then(|| path.display().to_string())
        })
        .collect();
    assert!(failed.is_empty(), "{} of {} {target} inputs fail: {failed:#?}", failed.len(), files.len());
}

#[test]
fn keyword() {
    replay("keyword", checks::keyword);
}

#[test]
fn keyword_list() {
    replay("keyword_list", checks::keyword_list);
}

#[test]
fn classifier() {
    replay("classifier", checks::classifier);
}

#[test]
fn manifest() {
    replay("manifest", checks::manifest);
}

#[test]
fn ffi() {
    replay("ffi", checks::ffi);
}

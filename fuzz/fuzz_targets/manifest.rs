#![no_main]

// The checks live in src/checks.rs, shared with tests/fuzz_regressions.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| detrigger_fuzz::checks::manifest(data));

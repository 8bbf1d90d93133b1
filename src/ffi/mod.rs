//! The C API, declared in `include/detrigger.h` (generated from this module
//! by cbindgen; `scripts/check_header.sh` keeps the two in step).
//!
//! # Conventions
//!
//! - Every function returns a [`detrigger_status`], except the `_free`
//!   functions (which return nothing and accept NULL) and the two that return
//!   static strings. On failure the calling thread's last error message says
//!   what went wrong ([`detrigger_last_error_message`]).
//! - Text and byte buffers cross as `(const uint8_t *ptr, size_t len)`; a
//!   NULL `ptr` with `len` 0 is the empty buffer. Text must be UTF-8.
//! - Out-parameters are written only when the function returns `DETRIGGER_OK`.
//! - Handles (`detrigger_classifier`, `detrigger_keyword`, `detrigger_result`)
//!   are opaque and heap-allocated; each is freed by its own `_free` function.
//! - Every function body runs inside one panic boundary
//!   (`ffi_boundary!` in `boundary.rs`): a Rust panic never unwinds into C and
//!   never aborts the process; it returns `DETRIGGER_PANIC` (or NULL).
//!
//! # Thread safety
//!
//! Scorer handles are `Send + Sync`: any number of threads may score with one
//! handle at once. Results are immutable and may be read from any thread.
//! Freeing must not race with any other use of the same object.

#![allow(non_camel_case_types)]

pub(crate) mod boundary;
mod classifier;
mod input;
mod keyword;
mod result;
mod scorer;

use std::ffi::{CStr, c_char};

pub use classifier::*;
pub use keyword::*;
pub use result::*;
pub use scorer::detrigger_text;

use boundary::ffi_boundary;

/// Status code returned by the C API.
///
/// The numbers are part of the ABI: a number never changes meaning, and a
/// retired number stays reserved. New codes may be added at the end, so
/// treat any code you do not know as a failure.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum detrigger_status {
    /// Success.
    DETRIGGER_OK = 0,
    /// A required pointer parameter was NULL (or a NULL buffer had a non-zero length).
    DETRIGGER_NULL_PARAMETER = 1,
    /// Text that must be UTF-8 is not.
    DETRIGGER_INVALID_UTF8 = 2,
    /// An argument is out of range (a threshold outside [0, 1], an index past
    /// the end, a length no object can have), or a malformed data row.
    DETRIGGER_INVALID_ARGUMENT = 3,
    /// A model bundle or trigger list is missing a file, malformed, or fails
    /// its checksum.
    DETRIGGER_MODEL_LOAD = 4,
    /// The ONNX Runtime shared library is missing, not loadable, or the wrong
    /// version. The message names what was tried and how to fix it.
    DETRIGGER_RUNTIME_UNAVAILABLE = 5,
    /// Tokenisation or the model run failed, or the model returned an
    /// unusable value (such as a NaN logit).
    DETRIGGER_INFERENCE = 6,
    /// A text is over the classifier's size limit (1 MiB).
    DETRIGGER_INPUT_TOO_LARGE = 7,
    /// The scorer has no operating point with that name.
    DETRIGGER_UNKNOWN_OPERATING_POINT = 8,
    /// The caller's buffer is too small; the needed size was written to the
    /// length out-parameter.
    DETRIGGER_BUFFER_TOO_SMALL = 9,
    /// A file could not be read.
    DETRIGGER_IO = 10,
    /// detrigger panicked (a bug). The call had no effect on its
    /// out-parameters; the handle remains usable.
    DETRIGGER_PANIC = 11,
}

impl detrigger_status {
    /// Every status, in numeric order.
    pub const ALL: [detrigger_status; 12] = [
        detrigger_status::DETRIGGER_OK,
        detrigger_status::DETRIGGER_NULL_PARAMETER,
        detrigger_status::DETRIGGER_INVALID_UTF8,
        detrigger_status::DETRIGGER_INVALID_ARGUMENT,
        detrigger_status::DETRIGGER_MODEL_LOAD,
        detrigger_status::DETRIGGER_RUNTIME_UNAVAILABLE,
        detrigger_status::DETRIGGER_INFERENCE,
        detrigger_status::DETRIGGER_INPUT_TOO_LARGE,
        detrigger_status::DETRIGGER_UNKNOWN_OPERATING_POINT,
        detrigger_status::DETRIGGER_BUFFER_TOO_SMALL,
        detrigger_status::DETRIGGER_IO,
        detrigger_status::DETRIGGER_PANIC,
    ];

    /// The status's name as a static C string, such as `DETRIGGER_OK`.
    pub fn name(self) -> &'static CStr {
        match self {
            detrigger_status::DETRIGGER_OK => c"DETRIGGER_OK",
            detrigger_status::DETRIGGER_NULL_PARAMETER => c"DETRIGGER_NULL_PARAMETER",
            detrigger_status::DETRIGGER_INVALID_UTF8 => c"DETRIGGER_INVALID_UTF8",
            detrigger_status::DETRIGGER_INVALID_ARGUMENT => c"DETRIGGER_INVALID_ARGUMENT",
            detrigger_status::DETRIGGER_MODEL_LOAD => c"DETRIGGER_MODEL_LOAD",
            detrigger_status::DETRIGGER_RUNTIME_UNAVAILABLE => c"DETRIGGER_RUNTIME_UNAVAILABLE",
            detrigger_status::DETRIGGER_INFERENCE => c"DETRIGGER_INFERENCE",
            detrigger_status::DETRIGGER_INPUT_TOO_LARGE => c"DETRIGGER_INPUT_TOO_LARGE",
            detrigger_status::DETRIGGER_UNKNOWN_OPERATING_POINT => c"DETRIGGER_UNKNOWN_OPERATING_POINT",
            detrigger_status::DETRIGGER_BUFFER_TOO_SMALL => c"DETRIGGER_BUFFER_TOO_SMALL",
            detrigger_status::DETRIGGER_IO => c"DETRIGGER_IO",
            detrigger_status::DETRIGGER_PANIC => c"DETRIGGER_PANIC",
        }
    }
}

/// The status C sees for a crate error.
///
/// The match has no catch-all arm on purpose: `Error` is `#[non_exhaustive]`
/// only for other crates, so here a wildcard would be an unreachable-pattern
/// warning, and without one a new variant fails to compile until someone
/// decides its status, instead of silently landing in a default.
pub(crate) fn status_for(error: &crate::Error) -> detrigger_status {
    use crate::Error;
    match error {
        Error::Io { .. } => detrigger_status::DETRIGGER_IO,
        // A trigger list is the keyword scorer's model: a bad one is the same
        // kind of failure as a bad bundle.
        Error::TriggerList { .. } | Error::ModelLoad { .. } | Error::ChecksumMismatch { .. } => {
            detrigger_status::DETRIGGER_MODEL_LOAD
        }
        Error::Data { .. }
        | Error::InvalidThreshold(_)
        | Error::InsufficientCalibrationData { .. }
        | Error::InvalidArgument(_) => detrigger_status::DETRIGGER_INVALID_ARGUMENT,
        Error::UnknownOperatingPoint { .. } => detrigger_status::DETRIGGER_UNKNOWN_OPERATING_POINT,
        Error::InputTooLarge { .. } => detrigger_status::DETRIGGER_INPUT_TOO_LARGE,
        Error::RuntimeUnavailable { .. } => detrigger_status::DETRIGGER_RUNTIME_UNAVAILABLE,
        Error::Tokenizer(_) | Error::Inference(_) => detrigger_status::DETRIGGER_INFERENCE,
    }
}

const VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(version) => version,
    Err(_) => panic!("the package version contains a NUL byte"),
};

/// The library version, such as `"0.1.0"`, as a static NUL-terminated string.
///
/// Never NULL (except after an internal panic, which cannot happen here).
/// Do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn detrigger_version() -> *const c_char {
    ffi_boundary!("detrigger_version", { VERSION.as_ptr() })
}

/// The name of a status code, such as `"DETRIGGER_OK"`, as a static
/// NUL-terminated string; `"DETRIGGER_UNKNOWN_STATUS"` for a number that is
/// not a status. Do not free it.
///
/// Takes a plain integer rather than `detrigger_status` so that any number C
/// passes is well-defined.
#[unsafe(no_mangle)]
pub extern "C" fn detrigger_status_name(status: u32) -> *const c_char {
    ffi_boundary!("detrigger_status_name", {
        usize::try_from(status)
            .ok()
            .and_then(|index| detrigger_status::ALL.get(index))
            .map_or(c"DETRIGGER_UNKNOWN_STATUS", |status| status.name())
            .as_ptr()
    })
}

/// Copies the calling thread's last error message into `buf`, NUL-terminated.
///
/// Every failing call stores a message for its thread (like `errno`: calls
/// that succeed leave it alone, and other threads never see it). With no
/// failure yet on this thread the message is empty. This function never
/// changes the stored message.
///
/// - On `DETRIGGER_OK`, `*out_len` is the message length without the NUL.
/// - If `buf_len` is less than the message length + 1 (including
///   `buf == NULL, buf_len == 0`, the way to ask for the size), nothing is
///   copied, `*out_len` is the buffer size needed (length + 1) and the
///   result is `DETRIGGER_BUFFER_TOO_SMALL`.
/// - `DETRIGGER_NULL_PARAMETER` if `out_len` is NULL, or `buf` is NULL with a
///   non-zero `buf_len`.
///
/// # Safety
///
/// `buf` must be NULL or point to `buf_len` writable bytes; `out_len` must be
/// NULL or point to a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_last_error_message(
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> detrigger_status {
    ffi_boundary!("detrigger_last_error_message", {
        if out_len.is_null() || (buf.is_null() && buf_len != 0) {
            return detrigger_status::DETRIGGER_NULL_PARAMETER;
        }
        let message = boundary::last_error();
        if buf_len <= message.len() {
            // SAFETY: checked non-NULL above; the caller promises it is writable.
            unsafe { out_len.write(message.len() + 1) };
            return detrigger_status::DETRIGGER_BUFFER_TOO_SMALL;
        }
        // SAFETY: `buf` has `buf_len` > message.len() writable bytes, and a
        // Rust-owned Vec cannot overlap the caller's buffer.
        unsafe {
            std::ptr::copy_nonoverlapping(message.as_ptr(), buf, message.len());
            buf.add(message.len()).write(0);
            out_len.write(message.len());
        }
        detrigger_status::DETRIGGER_OK
    })
}

/// Panics inside the panic boundary, to test that a panic becomes
/// `DETRIGGER_PANIC`. Only in builds with the `ffi-test-hooks` feature
/// (compile C code with `-DDETRIGGER_TEST_HOOKS` to declare it).
#[cfg(feature = "ffi-test-hooks")]
#[unsafe(no_mangle)]
pub extern "C" fn detrigger_test_panic() -> detrigger_status {
    ffi_boundary!("detrigger_test_panic", { deliberate_panic() })
}

#[cfg(feature = "ffi-test-hooks")]
fn deliberate_panic() -> Result<(), boundary::FfiError> {
    panic!("deliberate panic from detrigger_test_panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_numbers_are_stable() {
        for (number, status) in detrigger_status::ALL.iter().enumerate() {
            assert_eq!(*status as u32 as usize, number);
            let name = unsafe { CStr::from_ptr(detrigger_status_name(number as u32)) };
            assert_eq!(name, status.name());
        }
        assert_eq!(detrigger_status::DETRIGGER_PANIC as u32, 11);
        let unknown = unsafe { CStr::from_ptr(detrigger_status_name(12)) };
        assert_eq!(unknown, c"DETRIGGER_UNKNOWN_STATUS");
        assert_eq!(unsafe { CStr::from_ptr(detrigger_status_name(u32::MAX)) }, c"DETRIGGER_UNKNOWN_STATUS");
    }

    #[test]
    fn handles_are_thread_safe() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<detrigger_classifier>();
        send_sync::<detrigger_keyword>();
        send_sync::<detrigger_result>();
    }

    #[test]
    fn version_matches_the_package() {
        let version = unsafe { CStr::from_ptr(detrigger_version()) };
        assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }

    /// Every `extern "C"` function must run its body through `ffi_boundary!`
    /// with its own name; a missing boundary would let a panic abort the host.
    #[test]
    fn every_extern_function_is_inside_the_boundary() {
        let sources = [
            include_str!("mod.rs"),
            include_str!("classifier.rs"),
            include_str!("keyword.rs"),
            include_str!("result.rs"),
            include_str!("scorer.rs"),
            include_str!("input.rs"),
            include_str!("boundary.rs"),
        ];
        let marker = concat!("extern \"C\"", " fn ");
        let mut checked = 0;
        for source in sources {
            let mut rest = source;
            while let Some(at) = rest.find(marker) {
                rest = &rest[at + marker.len()..];
                let name = &rest[..rest.find('(').unwrap()];
                // The body starts right after the signature's ` {` line end.
                let body = &rest[rest.find(" {\n").unwrap() + 3..];
                let expected = format!("ffi_boundary!(\"{name}\", {{");
                assert!(body.trim_start().starts_with(&expected), "{name} does not start with {expected}");
                checked += 1;
            }
        }
        assert!(checked >= 20, "found only {checked} extern functions");
    }
}

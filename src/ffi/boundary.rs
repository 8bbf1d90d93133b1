//! The panic boundary, the per-thread last error, and how Rust results become
//! C return values.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::detrigger_status;

/// Runs an `extern "C"` body inside the panic boundary.
///
/// `ffi_boundary!("detrigger_x", { body })` evaluates `body` (anything that
/// implements [`FfiReturn`]) under `catch_unwind`, so a panic becomes
/// `DETRIGGER_PANIC` (or NULL for pointer returns) instead of unwinding into
/// C, which is undefined behaviour, or aborting the host process, which is
/// what Rust does for an unwind out of an `extern "C"` function. The name is
/// passed explicitly because Rust has no `function_name!()`; a unit test
/// checks that every `extern "C"` function passes its own name.
macro_rules! ffi_boundary {
    ($function:literal, $body:block) => {
        $crate::ffi::boundary::run($function, move || $body)
    };
}
pub(crate) use ffi_boundary;

/// A failure on its way to C: a status and the message for
/// `detrigger_last_error_message`.
#[derive(Debug)]
pub(crate) struct FfiError {
    pub(crate) status: detrigger_status,
    pub(crate) message: String,
}

impl FfiError {
    pub(crate) fn new(status: detrigger_status, message: impl Into<String>) -> Self {
        FfiError { status, message: message.into() }
    }

    pub(crate) fn null(parameter: &str) -> Self {
        FfiError::new(detrigger_status::DETRIGGER_NULL_PARAMETER, format!("parameter `{parameter}` is NULL"))
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        FfiError::new(detrigger_status::DETRIGGER_INVALID_ARGUMENT, message)
    }
}

impl From<crate::Error> for FfiError {
    fn from(error: crate::Error) -> Self {
        FfiError::new(super::status_for(&error), error.to_string())
    }
}

/// What an `extern "C"` body returns, and what C gets for it.
pub(crate) trait FfiReturn {
    /// The C return type.
    type C;
    /// Converts a finished body's value, recording any error message.
    fn into_c(self, function: &'static str) -> Self::C;
    /// What C gets when the body panicked.
    fn panicked() -> Self::C;
}

impl FfiReturn for Result<(), FfiError> {
    type C = detrigger_status;
    fn into_c(self, function: &'static str) -> detrigger_status {
        match self {
            Ok(()) => detrigger_status::DETRIGGER_OK,
            Err(error) => {
                set_last_error(&format!("{function}: {}", error.message));
                error.status
            }
        }
    }
    fn panicked() -> detrigger_status {
        detrigger_status::DETRIGGER_PANIC
    }
}

/// For `detrigger_last_error_message`, which must not overwrite the message
/// it is reporting, so it returns a bare status.
impl FfiReturn for detrigger_status {
    type C = detrigger_status;
    fn into_c(self, _: &'static str) -> detrigger_status {
        self
    }
    fn panicked() -> detrigger_status {
        detrigger_status::DETRIGGER_PANIC
    }
}

impl FfiReturn for () {
    type C = ();
    fn into_c(self, _: &'static str) {}
    fn panicked() {}
}

impl FfiReturn for *const c_char {
    type C = *const c_char;
    fn into_c(self, _: &'static str) -> *const c_char {
        self
    }
    fn panicked() -> *const c_char {
        std::ptr::null()
    }
}

/// The body of [`ffi_boundary!`].
pub(crate) fn run<R: FfiReturn>(function: &'static str, body: impl FnOnce() -> R) -> R::C {
    // AssertUnwindSafe: the bodies only read their handles (scoring takes
    // `&self`, and the classifier's session mutexes recover from poisoning),
    // and build fresh values that are dropped on the way out, so nothing a
    // later call sees can be left half-updated by a panic.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value.into_c(function),
        Err(payload) => {
            set_last_error(&format!("{function}: panic inside detrigger: {}", describe(payload.as_ref())));
            drop_payload(payload);
            R::panicked()
        }
    }
}

fn describe(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "(no message)"
    }
}

/// Drops a panic payload without letting a panicking `Drop` escape the
/// boundary: a payload's destructor is arbitrary code.
fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(second) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(second);
    }
}

thread_local! {
    // Per thread, like errno: a message set on one thread is never read or
    // overwritten by another, so no lock is needed.
    static LAST_ERROR: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Records `message` as this thread's last error.
pub(crate) fn set_last_error(message: &str) {
    // try_with: during thread teardown the slot may be gone; the message is
    // then simply lost, which is better than a panic there.
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            slot.clear();
            slot.extend_from_slice(message.as_bytes());
        }
    });
}

/// A copy of this thread's last error message (empty if none).
pub(crate) fn last_error() -> Vec<u8> {
    LAST_ERROR.try_with(|slot| slot.try_borrow().map(|message| message.clone()).unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_error() -> String {
        String::from_utf8(super::last_error()).unwrap()
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = run("test_fn", || -> Result<(), FfiError> { panic!("boom {}", 42) });
        assert_eq!(status, detrigger_status::DETRIGGER_PANIC);
        assert_eq!(last_error(), "test_fn: panic inside detrigger: boom 42");
    }

    #[test]
    fn a_panic_in_a_pointer_function_becomes_null() {
        let pointer = run("test_ptr", || -> *const c_char { panic!("static message") });
        assert!(pointer.is_null());
        assert_eq!(last_error(), "test_ptr: panic inside detrigger: static message");
    }

    #[test]
    fn a_panicking_payload_destructor_stays_inside() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("payload destructor");
            }
        }
        let status = run("test_bomb", || -> Result<(), FfiError> { std::panic::panic_any(Bomb) });
        assert_eq!(status, detrigger_status::DETRIGGER_PANIC);
        assert_eq!(last_error(), "test_bomb: panic inside detrigger: (no message)");
    }

    #[test]
    fn errors_are_per_thread() {
        set_last_error("main thread");
        std::thread::spawn(|| {
            assert_eq!(last_error(), "");
            set_last_error("other thread");
        })
        .join()
        .unwrap();
        assert_eq!(last_error(), "main thread");
    }
}

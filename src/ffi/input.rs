//! Turning C arguments into Rust values, with the checks the header promises.

use std::path::PathBuf;

use super::boundary::FfiError;
use super::detrigger_status;

/// `(ptr, len)` as a byte slice: NULL with length 0 is empty, NULL with a
/// length is `DETRIGGER_NULL_PARAMETER`.
///
/// # Safety
///
/// A non-NULL `ptr` must point to `len` readable bytes that stay unchanged
/// for `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], FfiError> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(FfiError::null(name)) };
    }
    // slice::from_raw_parts requires it; no real buffer is this large, so a
    // caller passing it has passed a negative number or garbage.
    if len > isize::MAX as usize {
        return Err(FfiError::invalid(format!("`{name}_len` is {len}, larger than any buffer can be")));
    }
    // SAFETY: non-NULL, u8 needs no alignment, and the caller promises `len`
    // readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// `(ptr, len)` as UTF-8 text.
///
/// # Safety
///
/// As [`bytes`].
pub(crate) unsafe fn text<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a str, FfiError> {
    // SAFETY: forwarded from the caller.
    let bytes = unsafe { bytes(ptr, len, name) }?;
    std::str::from_utf8(bytes).map_err(|error| {
        FfiError::new(
            detrigger_status::DETRIGGER_INVALID_UTF8,
            format!("`{name}` is not valid UTF-8: invalid byte at offset {}", error.valid_up_to()),
        )
    })
}

/// `(ptr, len)` as a file system path. On Unix a path is bytes, so any bytes
/// are accepted (a NUL byte makes opening the file fail); elsewhere it must
/// be UTF-8.
///
/// # Safety
///
/// As [`bytes`].
pub(crate) unsafe fn path(ptr: *const u8, len: usize, name: &str) -> Result<PathBuf, FfiError> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        // SAFETY: forwarded from the caller.
        let bytes = unsafe { bytes(ptr, len, name) }?;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        // SAFETY: forwarded from the caller.
        Ok(PathBuf::from(unsafe { text(ptr, len, name) }?))
    }
}

/// A shared reference to a handle, or `DETRIGGER_NULL_PARAMETER`.
///
/// # Safety
///
/// A non-NULL `ptr` must come from this library's constructor for `T` and
/// not have been freed.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, FfiError> {
    // SAFETY: the caller promises a live handle when non-NULL.
    unsafe { ptr.as_ref() }.ok_or_else(|| FfiError::null(name))
}

/// A checked out-parameter: non-NULL, written at most once, on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Checks `ptr` is not NULL.
    pub(crate) fn new(ptr: *mut T, name: &str) -> Result<Self, FfiError> {
        if ptr.is_null() { Err(FfiError::null(name)) } else { Ok(Out(ptr)) }
    }

    /// Writes the value.
    ///
    /// # Safety
    ///
    /// The pointer must be valid for a write of `T` and aligned.
    pub(crate) unsafe fn write(self, value: T) {
        // SAFETY: non-NULL by construction; the rest is the caller's promise.
        // `write` does not drop the (possibly uninitialised) old value.
        unsafe { self.0.write(value) }
    }
}

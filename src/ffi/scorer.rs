//! The C API's scoring, written once over [`Scorer`].
//!
//! Each handle type implements [`ScorerHandle`]; its `extern "C"` functions
//! are one-line calls into the generic functions here, so a new scorer gets
//! the whole API by adding a handle type and those one-liners (which cbindgen
//! needs written out: it does not expand macros).

use super::boundary::FfiError;
use super::detrigger_result;
use super::input::{Out, handle, text};
use crate::Scorer;

/// A text for batch scoring: `len` bytes of UTF-8 at `ptr` (NULL with `len`
/// 0 is the empty text). Read only during the call; nothing keeps a pointer
/// to it afterwards.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct detrigger_text {
    /// The text's first byte, or NULL for the empty text.
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

/// A C handle that wraps a scorer.
pub(crate) trait ScorerHandle {
    /// The handle's parameter name in the C API, for error messages.
    const PARAMETER: &'static str;
    /// The scorer inside.
    type Inner: Scorer;
    /// Wraps a scorer.
    fn new(scorer: Self::Inner) -> Self;
    /// The scorer inside.
    fn scorer(&self) -> &Self::Inner;
}

/// Builds a handle and writes it to `*out`. `out` is checked before the
/// (possibly slow) construction.
///
/// # Safety
///
/// `out` must be NULL or valid for writing a pointer.
pub(crate) unsafe fn create<H: ScorerHandle>(
    out: *mut *mut H,
    build: impl FnOnce() -> Result<H::Inner, FfiError>,
) -> Result<(), FfiError> {
    let out = Out::new(out, "out")?;
    let handle = Box::into_raw(Box::new(H::new(build()?)));
    // SAFETY: checked non-NULL; the caller promises writable.
    unsafe { out.write(handle) };
    Ok(())
}

/// Frees a handle; NULL is a no-op.
///
/// # Safety
///
/// `ptr` must be NULL or from [`create`] and not yet freed.
pub(crate) unsafe fn free<H: ScorerHandle>(ptr: *mut H) {
    if !ptr.is_null() {
        // SAFETY: the caller's promise.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Scores one text into a new result.
///
/// # Safety
///
/// Pointers as documented on the `extern "C"` wrappers.
pub(crate) unsafe fn score<H: ScorerHandle>(
    scorer: *const H,
    text_ptr: *const u8,
    text_len: usize,
    out_result: *mut *mut detrigger_result,
) -> Result<(), FfiError> {
    // SAFETY: forwarded from the caller.
    let scorer = unsafe { handle(scorer, H::PARAMETER) }?;
    let out_result = Out::new(out_result, "out_result")?;
    // SAFETY: forwarded from the caller.
    let text = unsafe { text(text_ptr, text_len, "text") }?;
    let score = scorer.scorer().score(text)?;
    // SAFETY: checked non-NULL; the caller promises writable.
    unsafe { out_result.write(detrigger_result::into_raw(score)) };
    Ok(())
}

/// Scores `count` texts; writes all outputs, or none on failure.
///
/// # Safety
///
/// Pointers as documented on the `extern "C"` wrappers.
pub(crate) unsafe fn score_batch<H: ScorerHandle>(
    scorer: *const H,
    texts: *const detrigger_text,
    count: usize,
    out_probabilities: *mut f32,
    out_results: *mut *mut detrigger_result,
) -> Result<(), FfiError> {
    // SAFETY: forwarded from the caller.
    let scorer = unsafe { handle(scorer, H::PARAMETER) }?;
    if count == 0 {
        return Ok(());
    }
    if texts.is_null() {
        return Err(FfiError::null("texts"));
    }
    if out_probabilities.is_null() {
        return Err(FfiError::null("out_probabilities"));
    }
    // Both caller arrays must be addressable as slices of `count` elements.
    let largest = std::mem::size_of::<detrigger_text>().max(std::mem::size_of::<*mut detrigger_result>());
    if count > isize::MAX as usize / largest {
        return Err(FfiError::invalid(format!("`count` is {count}, larger than any array can be")));
    }
    // SAFETY: non-NULL, and the caller promises `count` readable, aligned
    // elements.
    let texts = unsafe { std::slice::from_raw_parts(texts, count) };
    let texts = texts
        .iter()
        .enumerate()
        // SAFETY: each element's (ptr, len) is the caller's promise.
        .map(|(i, t)| unsafe { text(t.ptr, t.len, &format!("texts[{i}]")) })
        .collect::<Result<Vec<&str>, FfiError>>()?;
    let scores = scorer.scorer().score_batch(&texts)?;
    if scores.len() != count {
        return Err(FfiError::new(
            super::detrigger_status::DETRIGGER_INFERENCE,
            format!("the scorer returned {} scores for {count} texts", scores.len()),
        ));
    }
    // Element-wise writes through raw pointers: no `&mut` slice is formed
    // over caller memory, so nothing is assumed about aliasing.
    for (i, score) in scores.into_iter().enumerate() {
        // SAFETY: i < count, and the caller promises `count` writable floats
        // (and result pointers, when that array is not NULL).
        unsafe {
            out_probabilities.add(i).write(score.probability);
            if !out_results.is_null() {
                out_results.add(i).write(detrigger_result::into_raw(score));
            }
        }
    }
    Ok(())
}

/// Writes the scorer's default threshold.
///
/// # Safety
///
/// Pointers as documented on the `extern "C"` wrappers.
pub(crate) unsafe fn default_threshold<H: ScorerHandle>(scorer: *const H, out: *mut f64) -> Result<(), FfiError> {
    // SAFETY: forwarded from the caller.
    let scorer = unsafe { handle(scorer, H::PARAMETER) }?;
    let out = Out::new(out, "out")?;
    // SAFETY: checked non-NULL; the caller promises writable.
    unsafe { out.write(scorer.scorer().default_threshold().value()) };
    Ok(())
}

/// Writes a named operating point's threshold.
///
/// # Safety
///
/// Pointers as documented on the `extern "C"` wrappers.
pub(crate) unsafe fn operating_point<H: ScorerHandle>(
    scorer: *const H,
    name_ptr: *const u8,
    name_len: usize,
    out: *mut f64,
) -> Result<(), FfiError> {
    // SAFETY: forwarded from the caller.
    let scorer = unsafe { handle(scorer, H::PARAMETER) }?;
    let out = Out::new(out, "out")?;
    // SAFETY: forwarded from the caller.
    let name = unsafe { text(name_ptr, name_len, "name") }?;
    let threshold = scorer.scorer().operating_point(name)?;
    // SAFETY: checked non-NULL; the caller promises writable.
    unsafe { out.write(threshold.value()) };
    Ok(())
}

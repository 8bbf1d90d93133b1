//! `detrigger_result`: the score of one text, owned by C until freed.

use super::boundary::{FfiError, ffi_boundary};
use super::detrigger_status;
use super::input::{Out, handle};
use crate::{Score, Threshold};

/// The score of one text: a probability, the raw logit when the scorer has
/// one, and the keyword triggers found in the text.
///
/// Lifetime: a result owns all its data. It stays valid after the scorer
/// that made it is freed and after the scored text is freed or changed, until
/// `detrigger_result_free`. Pointers it hands out (trigger phrases) are valid
/// until then.
///
/// Thread safety: a result is immutable; any number of threads may read it at
/// once. Freeing must not race with reading.
#[derive(Debug)]
pub struct detrigger_result {
    probability: f32,
    logit: Option<f32>,
    triggers: Vec<Trigger>,
}

#[derive(Debug)]
struct Trigger {
    /// The phrase followed by one NUL byte, so C can also print it with `%s`.
    phrase: Box<[u8]>,
    start: usize,
    end: usize,
}

impl From<Score> for detrigger_result {
    fn from(score: Score) -> Self {
        detrigger_result {
            probability: score.probability,
            logit: score.logit,
            triggers: score
                .triggers
                .into_iter()
                .map(|m| {
                    let mut phrase = m.phrase.into_bytes();
                    phrase.push(0);
                    Trigger { phrase: phrase.into_boxed_slice(), start: m.start, end: m.end }
                })
                .collect(),
        }
    }
}

impl detrigger_result {
    /// Boxes the result for C.
    pub(crate) fn into_raw(score: Score) -> *mut detrigger_result {
        Box::into_raw(Box::new(detrigger_result::from(score)))
    }
}

/// Writes the probability-like harm score, in [0, 1], to `*out`.
///
/// For the classifier it is a calibrated probability; for the keyword scorer
/// the noisy-OR of the matched triggers' weights. Empty and whitespace-only
/// texts score 0.
///
/// # Safety
///
/// `result` must be NULL or a live result; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_result_probability(
    result: *const detrigger_result,
    out: *mut f32,
) -> detrigger_status {
    ffi_boundary!("detrigger_result_probability", {
        // SAFETY: the caller's promise.
        let result = unsafe { handle(result, "result") }?;
        let out = Out::new(out, "out")?;
        // SAFETY: checked non-NULL; the caller promises writable.
        unsafe { out.write(result.probability) };
        Ok::<(), FfiError>(())
    })
}

/// Writes whether the scorer produced a raw logit to `*out_has_logit`, and
/// the logit (NaN when there is none) to `*out_logit`.
///
/// The classifier has a logit for every non-blank text (for a long text, the
/// logit of its most harmful window); the keyword scorer never has one.
///
/// # Safety
///
/// `result` must be NULL or a live result; the out-pointers must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_result_logit(
    result: *const detrigger_result,
    out_has_logit: *mut bool,
    out_logit: *mut f32,
) -> detrigger_status {
    ffi_boundary!("detrigger_result_logit", {
        // SAFETY: the caller's promise.
        let result = unsafe { handle(result, "result") }?;
        let out_has_logit = Out::new(out_has_logit, "out_has_logit")?;
        let out_logit = Out::new(out_logit, "out_logit")?;
        // SAFETY: checked non-NULL; the caller promises writable.
        unsafe {
            out_has_logit.write(result.logit.is_some());
            out_logit.write(result.logit.unwrap_or(f32::NAN));
        }
        Ok::<(), FfiError>(())
    })
}

/// Writes the number of keyword triggers found in the text to `*out`.
///
/// # Safety
///
/// `result` must be NULL or a live result; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_result_trigger_count(
    result: *const detrigger_result,
    out: *mut usize,
) -> detrigger_status {
    ffi_boundary!("detrigger_result_trigger_count", {
        // SAFETY: the caller's promise.
        let result = unsafe { handle(result, "result") }?;
        let out = Out::new(out, "out")?;
        // SAFETY: checked non-NULL; the caller promises writable.
        unsafe { out.write(result.triggers.len()) };
        Ok::<(), FfiError>(())
    })
}

/// Describes trigger `index` (0-based, in order of appearance in the text).
///
/// - `*out_phrase`, `*out_phrase_len`: the phrase as written in the trigger
///   list (UTF-8, not the text's spelling). The bytes belong to the result and
///   stay valid until it is freed; a NUL byte follows them, so `%s` works, but
///   `*out_phrase_len` is authoritative.
/// - `*out_start`, `*out_end`: the byte range `[start, end)` of the match in
///   the scored text, so the caller can show what was actually written
///   (`"k i l l"`, `"b0mb"`).
///
/// `DETRIGGER_INVALID_ARGUMENT` if `index` is not less than the trigger count.
///
/// # Safety
///
/// `result` must be NULL or a live result; the out-pointers must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_result_trigger(
    result: *const detrigger_result,
    index: usize,
    out_phrase: *mut *const u8,
    out_phrase_len: *mut usize,
    out_start: *mut usize,
    out_end: *mut usize,
) -> detrigger_status {
    ffi_boundary!("detrigger_result_trigger", {
        // SAFETY: the caller's promise.
        let result = unsafe { handle(result, "result") }?;
        let out_phrase = Out::new(out_phrase, "out_phrase")?;
        let out_phrase_len = Out::new(out_phrase_len, "out_phrase_len")?;
        let out_start = Out::new(out_start, "out_start")?;
        let out_end = Out::new(out_end, "out_end")?;
        let trigger = result.triggers.get(index).ok_or_else(|| {
            FfiError::invalid(format!(
                "trigger index {index} is out of range: the result has {}",
                result.triggers.len()
            ))
        })?;
        // SAFETY: checked non-NULL; the caller promises writable.
        unsafe {
            out_phrase.write(trigger.phrase.as_ptr());
            out_phrase_len.write(trigger.phrase.len() - 1);
            out_start.write(trigger.start);
            out_end.write(trigger.end);
        }
        Ok::<(), FfiError>(())
    })
}

/// Writes whether the result is flagged at `threshold` to `*out`: true when
/// the probability is strictly greater than the threshold.
///
/// `DETRIGGER_INVALID_ARGUMENT` if `threshold` is NaN or outside [0, 1].
/// Get a threshold from `detrigger_*_default_threshold` or
/// `detrigger_*_operating_point`.
///
/// # Safety
///
/// `result` must be NULL or a live result; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_result_flagged(
    result: *const detrigger_result,
    threshold: f64,
    out: *mut bool,
) -> detrigger_status {
    ffi_boundary!("detrigger_result_flagged", {
        // SAFETY: the caller's promise.
        let result = unsafe { handle(result, "result") }?;
        let out = Out::new(out, "out")?;
        let threshold = Threshold::new(threshold)?;
        // SAFETY: checked non-NULL; the caller promises writable.
        unsafe { out.write(threshold.flags(result.probability)) };
        Ok::<(), FfiError>(())
    })
}

/// Frees a result. NULL is a no-op.
///
/// Freeing the same non-NULL result twice is undefined behaviour (it cannot
/// be detected); set your pointer to NULL after freeing.
///
/// # Safety
///
/// `result` must be NULL or a result from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_result_free(result: *mut detrigger_result) {
    ffi_boundary!("detrigger_result_free", {
        if !result.is_null() {
            // SAFETY: the caller promises it came from `into_raw` and is
            // freed once.
            drop(unsafe { Box::from_raw(result) });
        }
    })
}

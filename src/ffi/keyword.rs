//! `detrigger_keyword`: the keyword-trigger baseline as a C handle.

use super::boundary::ffi_boundary;
use super::input::{path as to_path, text};
use super::scorer::{self, ScorerHandle, detrigger_text};
use super::{detrigger_result, detrigger_status};
use crate::KeywordTriggers;

/// The keyword-trigger scorer (opaque): the filter detrigger replaces, for
/// comparison and for showing which trigger words a text contains.
///
/// Thread safety: scoring takes a `const` handle and is safe from any number
/// of threads at once on one handle; calls run fully in parallel.
///
/// Lifetime: from a `detrigger_keyword_new_*` call to
/// `detrigger_keyword_free`, which must not race with any other call on the
/// handle. Results it returns own their data and may outlive it.
#[derive(Debug)]
pub struct detrigger_keyword(KeywordTriggers);

impl ScorerHandle for detrigger_keyword {
    const PARAMETER: &'static str = "keyword";
    type Inner = KeywordTriggers;
    fn new(scorer: KeywordTriggers) -> Self {
        detrigger_keyword(scorer)
    }
    fn scorer(&self) -> &KeywordTriggers {
        &self.0
    }
}

/// Creates a keyword scorer with the trigger list built into the library and
/// writes the new handle to `*out`.
///
/// # Safety
///
/// `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_keyword_new_bundled(out: *mut *mut detrigger_keyword) -> detrigger_status {
    ffi_boundary!("detrigger_keyword_new_bundled", {
        // SAFETY: the caller's promise.
        unsafe { scorer::create(out, || Ok(KeywordTriggers::bundled()?)) }
    })
}

/// Creates a keyword scorer from a trigger list in memory (UTF-8, one phrase
/// per line, optionally a tab and a weight in (0, 1]; `#` starts a comment)
/// and writes the new handle to `*out`. The list is copied.
///
/// Errors: `DETRIGGER_NULL_PARAMETER`, `DETRIGGER_INVALID_UTF8`,
/// `DETRIGGER_MODEL_LOAD` (a malformed line, or no phrase at all; the last
/// error message gives the line number).
///
/// # Safety
///
/// `list` must be NULL or point to `list_len` readable bytes; `out` must be
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_keyword_new_from_list(
    list: *const u8,
    list_len: usize,
    out: *mut *mut detrigger_keyword,
) -> detrigger_status {
    ffi_boundary!("detrigger_keyword_new_from_list", {
        // SAFETY: pointers are the caller's promise.
        unsafe { scorer::create(out, || Ok(KeywordTriggers::from_list(text(list, list_len, "list")?, "memory")?)) }
    })
}

/// Creates a keyword scorer from a trigger list file (format as
/// `detrigger_keyword_new_from_list`) and writes the new handle to `*out`.
///
/// Errors: `DETRIGGER_NULL_PARAMETER`, `DETRIGGER_IO` (the file cannot be
/// read, or is not UTF-8), `DETRIGGER_MODEL_LOAD` (a malformed line).
///
/// # Safety
///
/// `path` must be NULL or point to `path_len` readable bytes; `out` must be
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_keyword_new_from_path(
    path: *const u8,
    path_len: usize,
    out: *mut *mut detrigger_keyword,
) -> detrigger_status {
    ffi_boundary!("detrigger_keyword_new_from_path", {
        // SAFETY: pointers are the caller's promise.
        unsafe { scorer::create(out, || Ok(KeywordTriggers::from_path(to_path(path, path_len, "path")?)?)) }
    })
}

/// Frees a keyword scorer. NULL is a no-op.
///
/// Freeing the same non-NULL handle twice is undefined behaviour (it cannot
/// be detected); set your pointer to NULL after freeing.
///
/// # Safety
///
/// `keyword` must be NULL or a live handle, not in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_keyword_free(keyword: *mut detrigger_keyword) {
    ffi_boundary!("detrigger_keyword_free", {
        // SAFETY: the caller's promise.
        unsafe { scorer::free(keyword) }
    })
}

/// Scores one text and writes a new result to `*out_result` (free it with
/// `detrigger_result_free`). The keyword scorer has no size limit: a 10 MB
/// text is scored in full. It never has a logit.
///
/// Errors: `DETRIGGER_NULL_PARAMETER`, `DETRIGGER_INVALID_UTF8`.
///
/// # Safety
///
/// As `detrigger_classifier_score`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_keyword_score(
    keyword: *const detrigger_keyword,
    text: *const u8,
    text_len: usize,
    out_result: *mut *mut detrigger_result,
) -> detrigger_status {
    ffi_boundary!("detrigger_keyword_score", {
        // SAFETY: the caller's promise.
        unsafe { scorer::score(keyword, text, text_len, out_result) }
    })
}

/// Scores `count` texts; outputs and failure behaviour as
/// `detrigger_classifier_score_batch`.
///
/// # Safety
///
/// As `detrigger_classifier_score_batch`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_keyword_score_batch(
    keyword: *const detrigger_keyword,
    texts: *const detrigger_text,
    count: usize,
    out_probabilities: *mut f32,
    out_results: *mut *mut detrigger_result,
) -> detrigger_status {
    ffi_boundary!("detrigger_keyword_score_batch", {
        // SAFETY: the caller's promise.
        unsafe { scorer::score_batch(keyword, texts, count, out_probabilities, out_results) }
    })
}

/// Writes the keyword scorer's default threshold (0.5: any single shipped
/// trigger flags) to `*out`.
///
/// # Safety
///
/// `keyword` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_keyword_default_threshold(
    keyword: *const detrigger_keyword,
    out: *mut f64,
) -> detrigger_status {
    ffi_boundary!("detrigger_keyword_default_threshold", {
        // SAFETY: the caller's promise.
        unsafe { scorer::default_threshold(keyword, out) }
    })
}

/// Writes the threshold of operating point `name` to `*out`. The keyword
/// scorer has no named operating points, so this returns
/// `DETRIGGER_UNKNOWN_OPERATING_POINT` for any valid name; it exists so both
/// scorers have the same API.
///
/// # Safety
///
/// As `detrigger_classifier_operating_point`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_keyword_operating_point(
    keyword: *const detrigger_keyword,
    name: *const u8,
    name_len: usize,
    out: *mut f64,
) -> detrigger_status {
    ffi_boundary!("detrigger_keyword_operating_point", {
        // SAFETY: the caller's promise.
        unsafe { scorer::operating_point(keyword, name, name_len, out) }
    })
}

//! `detrigger_classifier`: the ONNX intent classifier as a C handle.

use super::boundary::ffi_boundary;
use super::input::{bytes, path as to_path};
use super::scorer::{self, ScorerHandle, detrigger_text};
use super::{detrigger_result, detrigger_status};
use crate::{Classifier, ClassifierOptions};

/// The ONNX intent classifier (opaque).
///
/// Thread safety: scoring takes a `const` handle and is safe from any number
/// of threads at once on one handle. Inside, one ONNX Runtime session runs
/// one batch at a time, so concurrent calls on one handle take turns in the
/// model; create one handle per thread for parallel inference (each costs a
/// copy of the model in memory).
///
/// Lifetime: from a `detrigger_classifier_new_*` call to
/// `detrigger_classifier_free`, which must not race with any other call on
/// the handle. Results it returns own their data and may outlive it.
#[derive(Debug)]
pub struct detrigger_classifier(Classifier);

impl ScorerHandle for detrigger_classifier {
    const PARAMETER: &'static str = "classifier";
    type Inner = Classifier;
    fn new(scorer: Classifier) -> Self {
        detrigger_classifier(scorer)
    }
    fn scorer(&self) -> &Classifier {
        &self.0
    }
}

/// Loads a classifier from a model bundle directory (`manifest.json`, the
/// ONNX file and the tokenizer it names), checking the model's SHA-256, and
/// writes the new handle to `*out`.
///
/// `path` is `path_len` bytes, not NUL-terminated. The first classifier
/// loaded in a process also loads ONNX Runtime
/// (`ORT_DYLIB_PATH`, then `libonnxruntime.so.1.31.1` next to the
/// executable, then the copy found at build time); if that fails, this and
/// every later constructor in the process returns
/// `DETRIGGER_RUNTIME_UNAVAILABLE`.
///
/// Errors: `DETRIGGER_NULL_PARAMETER`, `DETRIGGER_MODEL_LOAD` (missing or
/// malformed bundle, checksum mismatch), `DETRIGGER_RUNTIME_UNAVAILABLE`.
///
/// # Safety
///
/// `path` must be NULL or point to `path_len` readable bytes; `out` must be
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_classifier_new_from_dir(
    path: *const u8,
    path_len: usize,
    out: *mut *mut detrigger_classifier,
) -> detrigger_status {
    ffi_boundary!("detrigger_classifier_new_from_dir", {
        // SAFETY: pointers are the caller's promise.
        unsafe {
            scorer::create(out, || {
                let dir = to_path(path, path_len, "path")?;
                Ok(Classifier::from_dir(dir, ClassifierOptions::default())?)
            })
        }
    })
}

/// Loads a classifier from a bundle's three files already in memory (for
/// example embedded in the executable) and writes the new handle to `*out`.
/// The buffers are copied; the caller may free them once this returns.
///
/// Errors and ONNX Runtime loading as `detrigger_classifier_new_from_dir`.
///
/// # Safety
///
/// Each buffer pointer must be NULL or point to its length in readable
/// bytes; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_classifier_new_from_bytes(
    model_ptr: *const u8,
    model_len: usize,
    tokenizer_ptr: *const u8,
    tokenizer_len: usize,
    manifest_ptr: *const u8,
    manifest_len: usize,
    out: *mut *mut detrigger_classifier,
) -> detrigger_status {
    ffi_boundary!("detrigger_classifier_new_from_bytes", {
        // SAFETY: pointers are the caller's promise.
        unsafe {
            scorer::create(out, || {
                let model = bytes(model_ptr, model_len, "model")?;
                let tokenizer = bytes(tokenizer_ptr, tokenizer_len, "tokenizer")?;
                let manifest = bytes(manifest_ptr, manifest_len, "manifest")?;
                Ok(Classifier::from_bytes(model, tokenizer, manifest, ClassifierOptions::default())?)
            })
        }
    })
}

/// Frees a classifier. NULL is a no-op.
///
/// Freeing the same non-NULL handle twice is undefined behaviour (it cannot
/// be detected); set your pointer to NULL after freeing.
///
/// # Safety
///
/// `classifier` must be NULL or a live handle, not in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_classifier_free(classifier: *mut detrigger_classifier) {
    ffi_boundary!("detrigger_classifier_free", {
        // SAFETY: the caller's promise.
        unsafe { scorer::free(classifier) }
    })
}

/// Scores one text and writes a new result to `*out_result` (free it with
/// `detrigger_result_free`).
///
/// `text` is `text_len` bytes of UTF-8 (NULL with length 0 is the empty
/// text). Empty and whitespace-only texts score 0 with no logit. A text
/// longer than the model's window is scored over overlapping windows and
/// gets its most harmful window's score.
///
/// Errors: `DETRIGGER_NULL_PARAMETER`, `DETRIGGER_INVALID_UTF8`,
/// `DETRIGGER_INPUT_TOO_LARGE` (over 1 MiB), `DETRIGGER_INFERENCE`.
///
/// # Safety
///
/// `classifier` must be NULL or a live handle; `text` must be NULL or point
/// to `text_len` readable bytes; `out_result` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_classifier_score(
    classifier: *const detrigger_classifier,
    text: *const u8,
    text_len: usize,
    out_result: *mut *mut detrigger_result,
) -> detrigger_status {
    ffi_boundary!("detrigger_classifier_score", {
        // SAFETY: the caller's promise.
        unsafe { scorer::score(classifier, text, text_len, out_result) }
    })
}

/// Scores `count` texts in one call, running the model on padded batches
/// (faster than one call per text).
///
/// On success, `out_probabilities[i]` is text i's probability and, if
/// `out_results` is not NULL, `out_results[i]` is a new result for text i
/// (free each with `detrigger_result_free`). On failure nothing is written:
/// one invalid text (NULL, not UTF-8, too large) fails the whole call, and
/// the last error message names its index. `count` 0 succeeds and writes
/// nothing (the arrays may then be NULL).
///
/// A text's batch score can differ slightly from its single-call score:
/// the int8 model quantises activations with one scale per batch, so texts
/// scored together affect each other's rounding. Each is deterministic.
///
/// Errors: as `detrigger_classifier_score`.
///
/// # Safety
///
/// `classifier` must be NULL or a live handle; `texts` must be NULL or point
/// to `count` readable `detrigger_text`s, each valid as for
/// `detrigger_classifier_score`; `out_probabilities` must be NULL or point to
/// `count` writable floats; `out_results` must be NULL or point to `count`
/// writable pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_classifier_score_batch(
    classifier: *const detrigger_classifier,
    texts: *const detrigger_text,
    count: usize,
    out_probabilities: *mut f32,
    out_results: *mut *mut detrigger_result,
) -> detrigger_status {
    ffi_boundary!("detrigger_classifier_score_batch", {
        // SAFETY: the caller's promise.
        unsafe { scorer::score_batch(classifier, texts, count, out_probabilities, out_results) }
    })
}

/// Writes the classifier's default threshold (the bundle's default operating
/// point, or 0.5 when it names none) to `*out`.
///
/// # Safety
///
/// `classifier` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_classifier_default_threshold(
    classifier: *const detrigger_classifier,
    out: *mut f64,
) -> detrigger_status {
    ffi_boundary!("detrigger_classifier_default_threshold", {
        // SAFETY: the caller's promise.
        unsafe { scorer::default_threshold(classifier, out) }
    })
}

/// Writes the threshold of the bundle's operating point `name` (UTF-8, such
/// as `"strict"`, `"balanced"` or `"permissive"`) to `*out`.
///
/// Errors: `DETRIGGER_UNKNOWN_OPERATING_POINT` if the bundle has no point of
/// that name (the last error message lists those it has),
/// `DETRIGGER_NULL_PARAMETER`, `DETRIGGER_INVALID_UTF8`.
///
/// # Safety
///
/// `classifier` must be NULL or a live handle; `name` must be NULL or point
/// to `name_len` readable bytes; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn detrigger_classifier_operating_point(
    classifier: *const detrigger_classifier,
    name: *const u8,
    name_len: usize,
    out: *mut f64,
) -> detrigger_status {
    ffi_boundary!("detrigger_classifier_operating_point", {
        // SAFETY: the caller's promise.
        unsafe { scorer::operating_point(classifier, name, name_len, out) }
    })
}

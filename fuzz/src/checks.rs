//! What each fuzz target checks, one public function per target taking the
//! raw fuzzer input.
//!
//! This file is compiled twice: as a module of the `detrigger-fuzz` crate
//! (the targets in `fuzz_targets/` are one-line calls into it) and, through
//! `#[path]`, by the main crate's `tests/fuzz_regressions.rs`, which replays
//! every file in `tests/fuzz_regressions/<target>/` through the same
//! function. Structured inputs are decoded here from the raw bytes with
//! `arbitrary`, so a saved crash decodes to the same calls in both places.
//!
//! Errors are allowed wherever the API documents them; what must never
//! happen is a panic, an out-of-range value, a span off a character boundary,
//! the fast keyword path disagreeing with the general one, a C status of
//! `DETRIGGER_PANIC`, an out-parameter written on failure, or a leak (under
//! AddressSanitizer).

use std::collections::HashMap;
use std::ffi::CStr;
use std::path::Path;
use std::ptr::{null, null_mut};
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use detrigger::classifier::BUNDLED_MODEL_DIR;
use detrigger::ffi::*;
use detrigger::{
    Classifier, ClassifierOptions, Error, KeywordTriggers, Manifest, Score, Scorer, TriggerMatch, is_blank,
};

/// Longest text the `classifier` target scores, in bytes.
pub const CLASSIFIER_MAX_TEXT: usize = 2048;
/// Longest text the `ffi` target gives the (full-window) classifier, in bytes.
pub const FFI_CLASSIFIER_MAX_TEXT: usize = 256;
/// Most C calls one `ffi` input makes.
pub const FFI_MAX_OPS: usize = 64;
/// Most phrases in a `keyword_list` input's list.
pub const LIST_MAX_PHRASES: usize = 8;
/// Largest difference allowed between a text's score alone and in a batch.
/// The int8 model quantises activations with one scale per batch tensor, so
/// batch neighbours move each other's rounding a little (see
/// `tests/ffi.rs`, `batch_agrees_with_single_calls`).
pub const BATCH_TOLERANCE: f32 = 0.1;

// ---------------------------------------------------------------- keyword

/// `keyword`: any bytes (as UTF-8, or lossily decoded) through the bundled
/// trigger list.
pub fn keyword(data: &[u8]) {
    let bundled = bundled_keyword();
    match std::str::from_utf8(data) {
        Ok(text) => check_keyword(bundled.0, &bundled.1, text),
        Err(_) => check_keyword(bundled.0, &bundled.1, &String::from_utf8_lossy(data)),
    }
}

fn bundled_keyword() -> &'static (&'static KeywordTriggers, Reference) {
    static BUNDLED: OnceLock<(&'static KeywordTriggers, Reference)> = OnceLock::new();
    BUNDLED.get_or_init(|| {
        let triggers: &'static KeywordTriggers =
            Box::leak(Box::new(KeywordTriggers::bundled().expect("the bundled trigger list loads")));
        (triggers, Reference::new(triggers))
    })
}

/// A `keyword_list` input: a small trigger list and a text.
#[derive(Debug, Arbitrary)]
pub struct ListInput {
    /// List lines (only the first [`LIST_MAX_PHRASES`] are used).
    pub phrases: Vec<(String, Weight)>,
    /// The text to score.
    pub text: String,
}

/// The weight column of a list line.
#[derive(Debug, Arbitrary)]
pub enum Weight {
    /// No tab and no weight (weight 1).
    Missing,
    /// A number, formatted with `{}` (NaN, infinities and out-of-range
    /// values included).
    Number(f32),
    /// Anything at all after the tab.
    Text(String),
}

impl ListInput {
    /// The trigger list file this input describes.
    pub fn list(&self) -> String {
        let mut list = String::new();
        for (phrase, weight) in self.phrases.iter().take(LIST_MAX_PHRASES) {
            list.push_str(phrase);
            match weight {
                Weight::Missing => {}
                Weight::Number(weight) => list.push_str(&format!("\t{weight}")),
                Weight::Text(weight) => {
                    list.push('\t');
                    list.push_str(weight);
                }
            }
            list.push('\n');
        }
        list
    }
}

/// `keyword_list`: an arbitrary trigger list through
/// `KeywordTriggers::from_list` (errors are fine), then the same checks as
/// `keyword` on an arbitrary text.
pub fn keyword_list(data: &[u8]) {
    let Ok(input) = ListInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let Ok(triggers) = KeywordTriggers::from_list(&input.list(), "fuzz") else {
        return;
    };
    assert!(!triggers.triggers().is_empty(), "a list that loads has triggers");
    for trigger in triggers.triggers() {
        assert!(trigger.weight > 0.0 && trigger.weight <= 1.0, "weight {} of {:?}", trigger.weight, trigger.phrase);
    }
    let reference = Reference::new(&triggers);
    check_keyword(&triggers, &reference, &input.text);
    // The phrases themselves are texts with matches in them.
    for trigger in triggers.triggers() {
        check_keyword(&triggers, &reference, &trigger.phrase);
    }
}

/// The matches the keyword scorer must report, computed the slow, obvious
/// way: fold the text with `Normalizer::words` (the general path, never the
/// allocation-free fast path) and find every phrase's folded words as a run
/// of whole words.
pub struct Reference {
    /// Per trigger, its folded words.
    phrases: Vec<Vec<String>>,
    /// Trigger indices by their first folded word.
    by_first: HashMap<String, Vec<usize>>,
}

impl Reference {
    /// Folds the phrases of `triggers` with its own normaliser.
    pub fn new(triggers: &KeywordTriggers) -> Self {
        let normalizer = triggers.normalizer();
        let phrases: Vec<Vec<String>> = triggers
            .triggers()
            .iter()
            .map(|trigger| normalizer.words(&trigger.phrase).into_iter().map(|word| word.text).collect())
            .collect();
        let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, words) in phrases.iter().enumerate() {
            let first = words.first().unwrap_or_else(|| panic!("trigger {index} has no words"));
            by_first.entry(first.clone()).or_default().push(index);
        }
        Reference { phrases, by_first }
    }

    /// Every (trigger index, match), sorted by span then phrase.
    pub fn matches(&self, triggers: &KeywordTriggers, text: &str) -> Vec<(usize, TriggerMatch)> {
        let words = triggers.normalizer().words(text);
        let mut found = Vec::new();
        for (at, word) in words.iter().enumerate() {
            for &index in self.by_first.get(&word.text).map(Vec::as_slice).unwrap_or_default() {
                let phrase = &self.phrases[index];
                let Some(run) = words.get(at..at + phrase.len()) else { continue };
                if run.iter().zip(phrase).all(|(word, folded)| &word.text == folded) {
                    found.push((
                        index,
                        TriggerMatch {
                            phrase: triggers.triggers()[index].phrase.clone(),
                            start: run[0].span.start,
                            end: run[run.len() - 1].span.end,
                        },
                    ));
                }
            }
        }
        found.sort_by(|(_, a), (_, b)| (a.start, a.end, &a.phrase).cmp(&(b.start, b.end, &b.phrase)));
        found
    }
}

/// The keyword checks: no panic, spans on character boundaries, `find` and
/// `score` agree, the score is the noisy-OR of the matched weights, blank
/// text scores 0, and the matches equal [`Reference::matches`].
pub fn check_keyword(triggers: &KeywordTriggers, reference: &Reference, text: &str) {
    let found = triggers.find(text);
    let score = triggers.score(text).unwrap_or_else(|error| panic!("keyword score failed: {error}"));
    assert_eq!(score.triggers, found, "find and score disagree on {text:?}");
    check_spans(text, &found);

    let p = score.probability;
    assert!(p.is_finite() && (0.0..=1.0).contains(&p), "score {p} for {text:?}");
    assert_eq!(score.logit, None, "the keyword scorer has no logit");
    if is_blank(text) {
        assert!(p == 0.0 && found.is_empty(), "blank text {text:?} scored {p} with {found:?}");
    }

    let expected = reference.matches(triggers, text);
    let mut sorted = found.clone();
    sorted.sort_by(|a, b| (a.start, a.end, &a.phrase).cmp(&(b.start, b.end, &b.phrase)));
    let expected_matches: Vec<&TriggerMatch> = expected.iter().map(|(_, m)| m).collect();
    assert_eq!(
        sorted.iter().collect::<Vec<_>>(),
        expected_matches,
        "matches differ from the general-path reference for {text:?}"
    );

    let mut distinct: Vec<usize> = expected.iter().map(|(index, _)| *index).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let miss: f32 = distinct.iter().map(|&index| 1.0 - triggers.triggers()[index].weight).product();
    assert!((p - (1.0 - miss)).abs() < 1e-5, "score {p}, noisy-OR of the matched weights {} for {text:?}", 1.0 - miss);
}

fn check_spans(text: &str, matches: &[TriggerMatch]) {
    for m in matches {
        assert!(
            m.start < m.end && m.end <= text.len(),
            "span {}..{} in {} bytes: {text:?}",
            m.start,
            m.end,
            text.len()
        );
        assert!(
            text.is_char_boundary(m.start) && text.is_char_boundary(m.end),
            "span {}..{} is not on character boundaries of {text:?}",
            m.start,
            m.end
        );
    }
    for pair in matches.windows(2) {
        assert!((pair[0].start, pair[0].end) <= (pair[1].start, pair[1].end), "matches out of order: {pair:?}");
    }
}

// ---------------------------------------------------------------- classifier

/// The bundled model with small windows (16 tokens, stride 8), so a short
/// fuzz input already exercises multi-window scoring.
pub fn bundled_classifier() -> &'static Classifier {
    static CLASSIFIER: OnceLock<Classifier> = OnceLock::new();
    CLASSIFIER.get_or_init(|| {
        Classifier::bundled(ClassifierOptions::default().with_max_length(16).with_window_stride(8))
            .unwrap_or_else(|error| panic!("the bundled model at {BUNDLED_MODEL_DIR} does not load: {error}"))
    })
}

/// `text` cut to at most `max` bytes, on a character boundary.
pub fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `classifier`: any bytes (lossily decoded, cut to
/// [`CLASSIFIER_MAX_TEXT`]) scored alone and as a batch of two.
pub fn classifier(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_classifier(bundled_classifier(), truncate(&text, CLASSIFIER_MAX_TEXT));
}

/// The classifier checks: `score` and `score_batch(&[text, text])` both
/// succeed or both fail with a scoring error (never a panic); probabilities
/// are finite and in [0, 1]; logits are present exactly for non-blank text
/// and never NaN; the batch agrees with the single call within
/// [`BATCH_TOLERANCE`]; the reported triggers are the bundled list's.
pub fn check_classifier(classifier: &Classifier, text: &str) {
    let single = classifier.score(text);
    let batch = classifier.score_batch(&[text, text]);
    match (single, batch) {
        (Ok(single), Ok(batch)) => {
            check_model_score(text, &single);
            assert_eq!(batch.len(), 2, "a batch of two texts got {} scores", batch.len());
            for score in &batch {
                check_model_score(text, score);
                assert!(
                    (score.probability - single.probability).abs() <= BATCH_TOLERANCE,
                    "batch {} vs single {} for {text:?}",
                    score.probability,
                    single.probability
                );
            }
        }
        (Err(single), Err(batch)) => {
            for error in [single, batch] {
                assert!(
                    matches!(error, Error::Tokenizer(_) | Error::Inference(_)),
                    "scoring failed with an unexpected error for {text:?}: {error}"
                );
            }
        }
        (single, batch) => panic!("score and score_batch disagree for {text:?}: {single:?} vs {batch:?}"),
    }
}

fn check_model_score(text: &str, score: &Score) {
    let p = score.probability;
    assert!(p.is_finite() && (0.0..=1.0).contains(&p), "probability {p} for {text:?}");
    if is_blank(text) {
        assert!(p == 0.0 && score.logit.is_none() && score.triggers.is_empty(), "blank text {text:?}: {score:?}");
        return;
    }
    let logit = score.logit.unwrap_or_else(|| panic!("no logit for non-blank text {text:?}"));
    assert!(!logit.is_nan(), "NaN logit for {text:?}");
    check_spans(text, &score.triggers);
    assert_eq!(score.triggers, bundled_keyword().0.find(text), "classifier triggers for {text:?}");
}

// ---------------------------------------------------------------- manifest

/// `manifest`: any bytes through `Manifest::from_json`; a manifest that
/// parses must survive serialising (compact and pretty) and parsing again
/// unchanged, because `detrigger calibrate` rewrites manifests in place.
pub fn manifest(data: &[u8]) {
    let origin = Path::new("fuzz/manifest.json");
    let Ok(manifest) = Manifest::from_json(data, origin) else {
        return;
    };
    assert!(manifest.harmful_index().is_some(), "a valid manifest has a harmful column");
    for json in [serde_json::to_vec(&manifest), serde_json::to_vec_pretty(&manifest)] {
        let json = json.unwrap_or_else(|error| panic!("a valid manifest does not serialise: {error}"));
        let again = Manifest::from_json(&json, origin).unwrap_or_else(|error| {
            panic!("a serialised manifest does not parse: {error}\n{}", String::from_utf8_lossy(&json))
        });
        assert_eq!(again, manifest, "the manifest changed in a round trip:\n{}", String::from_utf8_lossy(&json));
    }
}

// ---------------------------------------------------------------- ffi

/// One C call of an `ffi` input. Handle and result operands are indices into
/// what earlier calls created (modulo their number); `None` passes NULL.
#[derive(Debug, Arbitrary)]
pub enum Call {
    /// `detrigger_keyword_new_bundled` (at most once per input: building
    /// the bundled matcher dominates the run time; scoring calls can use the
    /// process-wide bundled handle instead).
    KeywordBundled,
    /// `detrigger_keyword_new_from_list`.
    KeywordFromList { list: Vec<u8>, null_list: bool, null_out: bool },
    /// `detrigger_keyword_free`.
    KeywordFree { keyword: Option<u8> },
    /// `detrigger_keyword_score`.
    KeywordScore { keyword: Option<u8>, text: Vec<u8>, null_text: bool, null_out: bool },
    /// `detrigger_keyword_score_batch`.
    KeywordScoreBatch { keyword: Option<u8>, texts: Vec<Vec<u8>>, keep_results: bool },
    /// `detrigger_keyword_default_threshold`.
    KeywordThreshold { keyword: Option<u8> },
    /// `detrigger_keyword_operating_point`.
    KeywordOperatingPoint { keyword: Option<u8>, name: Vec<u8> },
    /// `detrigger_classifier_score` on the shared classifier.
    ClassifierScore { text: Vec<u8>, null_text: bool },
    /// `detrigger_classifier_score_batch` on the shared classifier.
    ClassifierScoreBatch { texts: Vec<Vec<u8>>, keep_results: bool },
    /// `detrigger_classifier_operating_point` on the shared classifier.
    ClassifierOperatingPoint { name: Vec<u8> },
    /// `detrigger_result_probability`.
    ResultProbability { result: Option<u8>, null_out: bool },
    /// `detrigger_result_logit`.
    ResultLogit { result: Option<u8> },
    /// `detrigger_result_trigger_count`.
    ResultTriggerCount { result: Option<u8> },
    /// `detrigger_result_trigger` with any index.
    ResultTrigger { result: Option<u8>, index: usize },
    /// `detrigger_result_flagged` with any threshold.
    ResultFlagged { result: Option<u8>, threshold: f64 },
    /// `detrigger_result_free`.
    ResultFree { result: Option<u8> },
    /// `detrigger_last_error_message` with any buffer size.
    LastError { buf_len: u16, null_buf: bool, null_out_len: bool },
    /// `detrigger_status_name` with any number.
    StatusName { status: u32 },
    /// `detrigger_version`.
    Version,
}

/// Most texts in one batch call.
const FFI_MAX_BATCH: usize = 4;

/// A process-wide C API handle, created once and never freed.
struct SharedHandle<T>(*mut T);
// SAFETY: classifier and keyword handles are documented `Send + Sync`, and
// only those are wrapped; a shared handle is never freed.
unsafe impl<T> Send for SharedHandle<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SharedHandle<T> {}

/// One classifier handle for the whole process, with the bundle's default
/// options (the C API has no others).
fn shared_classifier() -> *const detrigger_classifier {
    static SHARED: OnceLock<SharedHandle<detrigger_classifier>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let dir = BUNDLED_MODEL_DIR.as_bytes();
            let mut handle = null_mut();
            // SAFETY: valid buffer and out-pointer.
            let status = unsafe { detrigger_classifier_new_from_dir(dir.as_ptr(), dir.len(), &mut handle) };
            assert_eq!(status, detrigger_status::DETRIGGER_OK, "{}", last_error());
            SharedHandle(handle)
        })
        .0
}

fn last_error() -> String {
    let mut len = 0;
    // SAFETY: NULL buffer with length 0 asks for the size.
    let status = unsafe { detrigger_last_error_message(null_mut(), 0, &mut len) };
    assert_eq!(status, detrigger_status::DETRIGGER_BUFFER_TOO_SMALL);
    let mut buf = vec![0u8; len];
    // SAFETY: `buf` has `len` writable bytes.
    let status = unsafe { detrigger_last_error_message(buf.as_mut_ptr(), buf.len(), &mut len) };
    assert_eq!(status, detrigger_status::DETRIGGER_OK);
    buf.truncate(len);
    String::from_utf8(buf).expect("the last error message is UTF-8")
}

/// A `(ptr, len)` for `bytes`, or NULL with the same length.
fn buffer(bytes: &[u8], pass_null: bool) -> (*const u8, usize) {
    (if pass_null { null() } else { bytes.as_ptr() }, bytes.len())
}

/// One bundled keyword handle for the whole process.
fn shared_keyword() -> *const detrigger_keyword {
    static SHARED: OnceLock<SharedHandle<detrigger_keyword>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let mut handle = null_mut();
            // SAFETY: valid out-pointer.
            let status = unsafe { detrigger_keyword_new_bundled(&mut handle) };
            assert_eq!(status, detrigger_status::DETRIGGER_OK, "{}", last_error());
            SharedHandle(handle)
        })
        .0
}

/// What the fuzzer has created so far, all freed at the end of the input.
#[derive(Default)]
struct State {
    keywords: Vec<*mut detrigger_keyword>,
    /// Each result with the length of the text it scored.
    results: Vec<(*mut detrigger_result, usize)>,
    /// Whether this input has built a bundled keyword handle.
    built_bundled: bool,
}

impl State {
    /// A handle this input created, or the shared bundled one (the index
    /// one past the created handles).
    fn keyword(&self, pick: Option<u8>) -> *const detrigger_keyword {
        let pick = usize::from(match pick {
            Some(pick) => pick,
            None => return null(),
        });
        match self.keywords.get(pick % (self.keywords.len() + 1)) {
            Some(keyword) => keyword.cast_const(),
            None => shared_keyword(),
        }
    }
    fn result(&self, pick: Option<u8>) -> (*const detrigger_result, usize) {
        pick_from(&self.results, pick).map_or((null(), 0), |(result, len)| (result.cast_const(), len))
    }
}

fn pick_from<T: Copy>(items: &[T], pick: Option<u8>) -> Option<T> {
    let pick = usize::from(pick?);
    (!items.is_empty()).then(|| items[pick % items.len()])
}

fn index_of<T>(items: &[T], pick: Option<u8>) -> Option<usize> {
    let pick = usize::from(pick?);
    (!items.is_empty()).then(|| pick % items.len())
}

impl Drop for State {
    fn drop(&mut self) {
        for (result, _) in self.results.drain(..) {
            // SAFETY: created by the library, freed once.
            unsafe { detrigger_result_free(result) };
        }
        for keyword in self.keywords.drain(..) {
            // SAFETY: as above.
            unsafe { detrigger_keyword_free(keyword) };
        }
    }
}

/// `ffi`: a sequence of C API calls decoded from the bytes with `arbitrary`.
pub fn ffi(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut state = State::default();
    for _ in 0..FFI_MAX_OPS {
        if u.is_empty() {
            break;
        }
        let Ok(call) = Call::arbitrary(&mut u) else { break };
        run(&mut state, call);
    }
}

/// Checks a status: never `DETRIGGER_PANIC`, and any failure leaves a
/// message for `detrigger_last_error_message`.
fn checked(function: &str, status: detrigger_status) -> detrigger_status {
    assert_ne!(status, detrigger_status::DETRIGGER_PANIC, "{function} panicked: {}", last_error());
    if status != detrigger_status::DETRIGGER_OK {
        let message = last_error();
        assert!(message.starts_with(function), "{function} failed with {status:?} but the last error is {message:?}");
    }
    status
}

const OK: detrigger_status = detrigger_status::DETRIGGER_OK;

/// Makes one call and checks its contract. Every pointer passed is NULL, a
/// live handle from `state`, or points into a live Rust buffer of the length
/// passed with it.
fn run(state: &mut State, call: Call) {
    match call {
        Call::KeywordBundled if state.built_bundled => {}
        Call::KeywordBundled => {
            state.built_bundled = true;
            let mut out = null_mut();
            // SAFETY: valid out-pointer.
            let status = checked("detrigger_keyword_new_bundled", unsafe { detrigger_keyword_new_bundled(&mut out) });
            assert_eq!(status, OK);
            state.keywords.push(out);
        }
        Call::KeywordFromList { list, null_list, null_out } => {
            let (ptr, len) = buffer(&list, null_list);
            let mut out: *mut detrigger_keyword = null_mut();
            let out_ptr = if null_out { null_mut() } else { &mut out as *mut _ };
            // SAFETY: NULL or valid buffers.
            let status = checked("detrigger_keyword_new_from_list", unsafe {
                detrigger_keyword_new_from_list(ptr, len, out_ptr)
            });
            if status == OK {
                assert!(!out.is_null());
                state.keywords.push(out);
            } else {
                assert!(out.is_null(), "out written on failure");
                let expected_null = null_out || (null_list && !list.is_empty());
                if expected_null {
                    assert_eq!(status, detrigger_status::DETRIGGER_NULL_PARAMETER);
                } else if std::str::from_utf8(&list).is_err() && !null_list {
                    assert_eq!(status, detrigger_status::DETRIGGER_INVALID_UTF8);
                } else {
                    assert_eq!(status, detrigger_status::DETRIGGER_MODEL_LOAD);
                }
            }
        }
        Call::KeywordFree { keyword } => {
            let index = index_of(&state.keywords, keyword);
            let handle = index.map_or(null_mut(), |index| state.keywords.swap_remove(index));
            // SAFETY: NULL or a live handle, removed from the state so it is freed once.
            unsafe { detrigger_keyword_free(handle) };
        }
        Call::KeywordScore { keyword, text, null_text, null_out } => {
            let handle = state.keyword(keyword);
            let (ptr, len) = buffer(&text, null_text);
            let mut out = null_mut();
            let out_ptr = if null_out { null_mut() } else { &mut out as *mut _ };
            // SAFETY: NULL or valid pointers.
            let status =
                checked("detrigger_keyword_score", unsafe { detrigger_keyword_score(handle, ptr, len, out_ptr) });
            let null_argument = handle.is_null() || null_out || (null_text && !text.is_empty());
            finish_score(state, status, out, &text, null_argument, false);
        }
        Call::KeywordScoreBatch { keyword, texts, keep_results } => {
            let handle = state.keyword(keyword);
            batch(
                state,
                "detrigger_keyword_score_batch",
                &texts,
                keep_results,
                handle.is_null(),
                false,
                |t, n, p, r| {
                    // SAFETY: NULL or valid pointers, arrays of `n`.
                    unsafe { detrigger_keyword_score_batch(handle, t, n, p, r) }
                },
            );
        }
        Call::KeywordThreshold { keyword } => {
            let handle = state.keyword(keyword);
            let mut out = f64::NAN;
            // SAFETY: NULL or live handle, valid out-pointer.
            let status = checked("detrigger_keyword_default_threshold", unsafe {
                detrigger_keyword_default_threshold(handle, &mut out)
            });
            if status == OK {
                assert!((0.0..=1.0).contains(&out));
            } else {
                assert!(handle.is_null() && out.is_nan());
            }
        }
        Call::KeywordOperatingPoint { keyword, name } => {
            let handle = state.keyword(keyword);
            let mut out = f64::NAN;
            // SAFETY: NULL or live handle, valid buffer and out-pointer.
            let status = checked("detrigger_keyword_operating_point", unsafe {
                detrigger_keyword_operating_point(handle, name.as_ptr(), name.len(), &mut out)
            });
            // The keyword scorer has no operating points.
            assert_ne!(status, OK);
            assert!(out.is_nan(), "out written on failure");
        }
        Call::ClassifierScore { text, null_text } => {
            let text = &text[..text.len().min(FFI_CLASSIFIER_MAX_TEXT)];
            let (ptr, len) = buffer(text, null_text);
            let mut out = null_mut();
            // SAFETY: live handle, NULL or valid buffer, valid out-pointer.
            let status = checked("detrigger_classifier_score", unsafe {
                detrigger_classifier_score(shared_classifier(), ptr, len, &mut out)
            });
            finish_score(state, status, out, text, null_text && !text.is_empty(), true);
        }
        Call::ClassifierScoreBatch { texts, keep_results } => {
            let texts: Vec<Vec<u8>> =
                texts.into_iter().map(|t| t[..t.len().min(FFI_CLASSIFIER_MAX_TEXT)].to_vec()).collect();
            batch(state, "detrigger_classifier_score_batch", &texts, keep_results, false, true, |t, n, p, r| {
                // SAFETY: live handle, arrays of `n`.
                unsafe { detrigger_classifier_score_batch(shared_classifier(), t, n, p, r) }
            });
        }
        Call::ClassifierOperatingPoint { name } => {
            let mut out = f64::NAN;
            // SAFETY: live handle, valid buffer and out-pointer.
            let status = checked("detrigger_classifier_operating_point", unsafe {
                detrigger_classifier_operating_point(shared_classifier(), name.as_ptr(), name.len(), &mut out)
            });
            if status == OK {
                assert!((0.0..=1.0).contains(&out));
            } else {
                assert!(out.is_nan(), "out written on failure");
            }
        }
        Call::ResultProbability { result, null_out } => {
            let (result, _) = state.result(result);
            let mut out = f32::NAN;
            let out_ptr = if null_out { null_mut() } else { &mut out as *mut f32 };
            // SAFETY: NULL or live result and valid out-pointer.
            let status =
                checked("detrigger_result_probability", unsafe { detrigger_result_probability(result, out_ptr) });
            if status == OK {
                assert!(out.is_finite() && (0.0..=1.0).contains(&out), "probability {out}");
            } else {
                assert!(result.is_null() || null_out);
                assert!(out.is_nan(), "out written on failure");
            }
        }
        Call::ResultLogit { result } => {
            let (result, _) = state.result(result);
            let (mut has, mut logit) = (false, 0.0_f32);
            // SAFETY: NULL or live result, valid out-pointers.
            let status =
                checked("detrigger_result_logit", unsafe { detrigger_result_logit(result, &mut has, &mut logit) });
            if status == OK {
                assert_eq!(has, !logit.is_nan(), "has_logit {has} with logit {logit}");
            } else {
                assert!(result.is_null() && !has && logit == 0.0);
            }
        }
        Call::ResultTriggerCount { result } => {
            let (result, _) = state.result(result);
            let mut out = usize::MAX;
            // SAFETY: NULL or live result, valid out-pointer.
            let status =
                checked("detrigger_result_trigger_count", unsafe { detrigger_result_trigger_count(result, &mut out) });
            assert_eq!(status == OK, !result.is_null());
            assert_eq!(out == usize::MAX, result.is_null());
        }
        Call::ResultTrigger { result, index } => {
            let (result, text_len) = state.result(result);
            let mut count = 0;
            if !result.is_null() {
                // SAFETY: live result.
                assert_eq!(unsafe { detrigger_result_trigger_count(result, &mut count) }, OK);
            }
            let (mut phrase, mut phrase_len, mut start, mut end) = (null(), usize::MAX, usize::MAX, usize::MAX);
            // SAFETY: NULL or live result, valid out-pointers.
            let status = checked("detrigger_result_trigger", unsafe {
                detrigger_result_trigger(result, index, &mut phrase, &mut phrase_len, &mut start, &mut end)
            });
            if status == OK {
                assert!(index < count);
                assert!(!phrase.is_null());
                // SAFETY: the result owns `phrase_len` bytes and a NUL at `phrase`.
                let bytes = unsafe { std::slice::from_raw_parts(phrase, phrase_len + 1) };
                assert_eq!(bytes[phrase_len], 0, "phrase not NUL-terminated");
                assert!(std::str::from_utf8(&bytes[..phrase_len]).is_ok(), "phrase not UTF-8");
                assert!(start < end && end <= text_len, "span {start}..{end} in a text of {text_len} bytes");
            } else {
                let expected = if result.is_null() {
                    detrigger_status::DETRIGGER_NULL_PARAMETER
                } else {
                    detrigger_status::DETRIGGER_INVALID_ARGUMENT
                };
                assert_eq!(status, expected);
                assert!(result.is_null() || index >= count);
                assert!(phrase.is_null() && phrase_len == usize::MAX && start == usize::MAX && end == usize::MAX);
            }
        }
        Call::ResultFlagged { result, threshold } => {
            let (result, _) = state.result(result);
            let mut out = false;
            // SAFETY: NULL or live result, valid out-pointer.
            let status =
                checked("detrigger_result_flagged", unsafe { detrigger_result_flagged(result, threshold, &mut out) });
            let valid = threshold.is_finite() && (0.0..=1.0).contains(&threshold);
            if result.is_null() {
                assert_eq!(status, detrigger_status::DETRIGGER_NULL_PARAMETER);
            } else if !valid {
                assert_eq!(status, detrigger_status::DETRIGGER_INVALID_ARGUMENT, "threshold {threshold}");
            } else {
                assert_eq!(status, OK);
                let mut p = f32::NAN;
                // SAFETY: live result.
                assert_eq!(unsafe { detrigger_result_probability(result, &mut p) }, OK);
                assert_eq!(out, f64::from(p) > threshold);
            }
        }
        Call::ResultFree { result } => {
            let index = index_of(&state.results, result);
            let handle = index.map_or(null_mut(), |index| state.results.swap_remove(index).0);
            // SAFETY: NULL or a live result, removed from the state so it is freed once.
            unsafe { detrigger_result_free(handle) };
        }
        Call::LastError { buf_len, null_buf, null_out_len } => {
            let message = last_error();
            let buf_len = usize::from(buf_len);
            // Canary bytes past the end catch an overrun even without ASan.
            let mut buf = vec![0xa5u8; buf_len + 16];
            let buf_ptr = if null_buf { null_mut() } else { buf.as_mut_ptr() };
            let mut out_len = usize::MAX;
            let out_len_ptr = if null_out_len { null_mut() } else { &mut out_len as *mut usize };
            // SAFETY: NULL or `buf_len` writable bytes; NULL or valid out-pointer.
            let status = unsafe { detrigger_last_error_message(buf_ptr, buf_len, out_len_ptr) };
            assert!(buf[buf_len..].iter().all(|&b| b == 0xa5), "wrote past the buffer");
            if null_out_len || (null_buf && buf_len != 0) {
                assert_eq!(status, detrigger_status::DETRIGGER_NULL_PARAMETER);
                assert_eq!(out_len, usize::MAX);
            } else if buf_len <= message.len() {
                assert_eq!(status, detrigger_status::DETRIGGER_BUFFER_TOO_SMALL);
                assert_eq!(out_len, message.len() + 1);
                assert!(buf.iter().all(|&b| b == 0xa5), "copied into a buffer that is too small");
            } else {
                assert_eq!(status, OK);
                assert_eq!(out_len, message.len());
                assert_eq!(&buf[..out_len], message.as_bytes());
                assert_eq!(buf[out_len], 0);
            }
            assert_eq!(last_error(), message, "reading the message changed it");
        }
        Call::StatusName { status } => {
            let name = detrigger_status_name(status);
            assert!(!name.is_null());
            // SAFETY: a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(name) }.to_str().expect("status names are ASCII");
            match detrigger_status::ALL.get(status as usize) {
                Some(known) => assert_eq!(name, format!("{known:?}")),
                None => assert_eq!(name, "DETRIGGER_UNKNOWN_STATUS"),
            }
        }
        Call::Version => {
            let version = detrigger_version();
            assert!(!version.is_null());
            // SAFETY: a static NUL-terminated string.
            assert!(!unsafe { CStr::from_ptr(version) }.is_empty());
        }
    }
}

/// After a single score: on success keep the result, on failure check the
/// out-parameter was not written and the status fits the arguments. `model`:
/// the scorer may also fail with `DETRIGGER_INFERENCE`.
fn finish_score(
    state: &mut State,
    status: detrigger_status,
    out: *mut detrigger_result,
    text: &[u8],
    null_argument: bool,
    model: bool,
) {
    if status == OK {
        assert!(!out.is_null());
        state.results.push((out, text.len()));
        return;
    }
    assert!(out.is_null(), "out_result written on failure");
    if null_argument {
        assert_eq!(status, detrigger_status::DETRIGGER_NULL_PARAMETER);
    } else if !(model && status == detrigger_status::DETRIGGER_INFERENCE) {
        assert_eq!(status, detrigger_status::DETRIGGER_INVALID_UTF8, "text {text:?}");
        assert!(std::str::from_utf8(text).is_err());
    }
}

/// A batch call: all outputs written on success, none on failure. `model`:
/// the scorer may also fail with `DETRIGGER_INFERENCE`.
fn batch(
    state: &mut State,
    function: &str,
    texts: &[Vec<u8>],
    keep_results: bool,
    null_handle: bool,
    model: bool,
    call: impl FnOnce(*const detrigger_text, usize, *mut f32, *mut *mut detrigger_result) -> detrigger_status,
) {
    let texts = &texts[..texts.len().min(FFI_MAX_BATCH)];
    let array: Vec<detrigger_text> = texts.iter().map(|t| detrigger_text { ptr: t.as_ptr(), len: t.len() }).collect();
    let mut probabilities = vec![f32::NAN; texts.len()];
    let mut results = vec![null_mut(); texts.len()];
    let results_ptr = if keep_results { results.as_mut_ptr() } else { null_mut() };
    let status = checked(function, call(array.as_ptr(), array.len(), probabilities.as_mut_ptr(), results_ptr));
    if status == OK {
        for (i, p) in probabilities.iter().enumerate() {
            assert!(p.is_finite() && (0.0..=1.0).contains(p), "probability {p} for text {i}");
        }
        if keep_results {
            for (result, text) in results.into_iter().zip(texts) {
                assert!(!result.is_null());
                state.results.push((result, text.len()));
            }
        }
        return;
    }
    assert!(probabilities.iter().all(|p| p.is_nan()), "probabilities written on failure");
    assert!(results.iter().all(|r| r.is_null()), "results written on failure");
    if null_handle {
        assert_eq!(status, detrigger_status::DETRIGGER_NULL_PARAMETER);
    } else if !(model && status == detrigger_status::DETRIGGER_INFERENCE) {
        assert_eq!(status, detrigger_status::DETRIGGER_INVALID_UTF8);
        assert!(texts.iter().any(|t| std::str::from_utf8(t).is_err()));
    }
}

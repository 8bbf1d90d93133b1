//! Helpers shared by the benches.

// Each bench uses a subset of these helpers.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkGroup, SamplingMode, measurement::WallTime};
use detrigger::Manifest;
use detrigger::classifier::BUNDLED_MODEL_DIR;
use detrigger::tokenize::WindowTokenizer;

/// 1000 realistic short prompts, fixed so results compare across runs:
/// the first prompts of three training sources (webquestions, gsm8k and
/// advbench), interleaved, one per line with inner newlines replaced by
/// spaces. About 116 bytes on average; a third are harmful requests.
const PROMPTS: &str = include_str!("../data/prompts.txt");

/// The bench prompts, in file order.
pub fn prompts() -> Vec<&'static str> {
    PROMPTS.lines().filter(|line| !line.is_empty()).collect()
}

/// The prompts with every `o` written as `0` and every `i` as `1`, so most
/// words take the normaliser's general (leetspeak-folding) path instead of
/// the plain-ASCII fast path.
pub fn obfuscated_prompts() -> Vec<String> {
    prompts().into_iter().map(|p| p.replace('o', "0").replace('i', "1")).collect()
}

/// The bundled model's manifest (`models/detrigger-intent/manifest.json`).
pub fn manifest() -> Manifest {
    Manifest::load(Path::new(BUNDLED_MODEL_DIR)).expect("the bundled manifest loads")
}

/// The bundled model's tokenizer, with the normaliser the classifier uses.
pub fn tokenizer() -> WindowTokenizer {
    let path = Path::new(BUNDLED_MODEL_DIR).join(manifest().tokenizer_file);
    let json = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    WindowTokenizer::from_json(&json).expect("the bundled tokenizer loads")
}

/// The classifier's default window stride for windows of `max_length`
/// tokens: three quarters of a window's content (see
/// [`detrigger::ClassifierOptions::window_stride`]).
pub fn default_stride(max_length: usize) -> usize {
    ((max_length - 2) * 3 / 4).max(1)
}

/// A benign-and-harmful mix of bench prompt words whose encoding is exactly
/// `tokens` long, `[CLS]` and `[SEP]` included, after the classifier's
/// normaliser: so a `tokens`-long prompt that fits the model's window is one
/// model input of exactly `tokens` positions. Panics if it cannot hit the
/// count exactly.
pub fn prompt_with_tokens(tokenizer: &WindowTokenizer, tokens: usize) -> String {
    assert!(tokens >= 3, "a prompt needs room for [CLS] and [SEP]");
    let content = tokens - 2;
    let count = |text: &str| tokenizer.ids(text).expect("the bench text tokenises").len();
    let mut text = String::new();
    // Greedy: take the next word if it still fits; a word that would
    // overshoot is skipped, and the many one-token words close the gap.
    for word in prompts().into_iter().cycle().flat_map(str::split_whitespace).take(100_000) {
        let candidate = if text.is_empty() { word.to_owned() } else { format!("{text} {word}") };
        let n = count(&candidate);
        if n <= content {
            text = candidate;
            if n == content {
                break;
            }
        }
    }
    assert_eq!(count(&text), content, "could not build a prompt of exactly {tokens} tokens");
    text
}

/// Settings for benches whose one iteration takes milliseconds or more:
/// flat sampling (the same iteration count in every sample), short warm-up
/// and measurement, and `samples` samples.
pub fn slow(group: &mut BenchmarkGroup<'_, WallTime>, samples: usize) {
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(samples)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

//! detrigger: score what a prompt asks for, not the scary words it contains.
//!
//! Safety filters refuse benign prompts because they contain scary words
//! ("How do I kill a Python process?"). detrigger replaces the keyword
//! "refusal triggers" with a small intent classifier — all-MiniLM-L6-v2
//! fine-tuned on harmful and benign prompts plus contrast pairs written for
//! this project, int8 ONNX, run in-process by ONNX Runtime — and keeps the
//! keyword filter it replaces behind the same trait, so the two can be
//! measured side by side.
//!
//! # Scoring
//!
//! ```no_run
//! use detrigger::{Classifier, ClassifierOptions, Scorer};
//!
//! let classifier = Classifier::bundled(ClassifierOptions::default())?;
//! let text = "How do I kill a zombie process in Linux?";
//! let score = classifier.score(text)?;
//! // A calibrated probability, the raw logit, and the trigger words it saw.
//! println!("{:.3} {:?} {:?}", score.probability, score.logit, score.triggers);
//! assert!(!score.flagged(classifier.default_threshold()));
//! # Ok::<(), detrigger::Error>(())
//! ```
//!
//! Every scorer implements [`Scorer`]: [`Classifier`] (the model) and
//! [`KeywordTriggers`] (the baseline). The evaluator ([`eval`]), the report
//! writer ([`report`]), the CLI and the C API ([`ffi`]) take any `Scorer`.
//!
//! # Thresholds
//!
//! A [`Threshold`] is a validated probability; a score strictly above it is
//! flagged. The bundle's manifest carries named operating points
//! (`strict`, `balanced`, `permissive`) fitted on a calibration split with
//! the conformal rule of [`Threshold::for_target_fpr`]; `balanced` is the
//! default. See [`calibration`] for temperature scaling.
//!
//! # Concurrency
//!
//! [`Classifier`] and [`KeywordTriggers`] are `Send + Sync` and score through
//! `&self`; share one in an `Arc`. See [`classifier`] for how sessions are
//! pooled.
//!
//! # Input
//!
//! Empty and whitespace-only prompts score 0 without running the model.
//! Long prompts are scored over overlapping windows (the most harmful window
//! counts); prompts over [`ClassifierOptions::max_input_bytes`] (1 MiB by
//! default) are rejected with [`Error::InputTooLarge`]. Obfuscation
//! (leetspeak, spaced letters, homoglyphs, zero-width characters, full-width
//! forms) is folded by the shared [`Normalizer`] before either scorer looks.
#![deny(missing_docs)]
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod calibration;
pub mod classifier;
pub mod data;
mod error;
pub mod eval;
#[cfg(feature = "ffi")]
pub mod ffi;
pub mod keyword;
pub mod manifest;
mod model;
pub mod normalize;
pub mod report;
pub mod runtime;
mod score;
pub mod threshold;
pub mod tokenize;

pub use classifier::{Classifier, ClassifierOptions};
pub use data::{Example, Label};
pub use error::{Error, Result};
pub use eval::Metrics;
pub use keyword::KeywordTriggers;
pub use manifest::Manifest;
pub use normalize::Normalizer;
pub use report::EvalRun;
pub use score::{Score, Scorer, TriggerMatch, is_blank};
pub use threshold::{OperatingPoint, Threshold};

// The README's Rust examples are compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

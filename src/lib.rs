//! detrigger: score what a prompt asks for, not the scary words it contains.
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

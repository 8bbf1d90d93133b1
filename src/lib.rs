//! detrigger: score what a prompt asks for, not the scary words it contains.
#![deny(missing_docs)]
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod data;
mod error;
pub mod eval;
pub mod keyword;
pub mod normalize;
pub mod report;
mod score;
pub mod threshold;

pub use data::{Example, Label};
pub use error::{Error, Result};
pub use eval::Metrics;
pub use keyword::KeywordTriggers;
pub use normalize::Normalizer;
pub use report::EvalRun;
pub use score::{Score, Scorer, TriggerMatch, is_blank};
pub use threshold::{OperatingPoint, Threshold};

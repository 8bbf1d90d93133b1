//! The one scoring trait every scorer implements, and what it returns.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::threshold::{OperatingPoint, Threshold};

/// A trigger phrase found in a prompt.
///
/// `start..end` is a byte range of the *original* text, so
/// `&text[m.start..m.end]` is what the user wrote, obfuscation included
/// (`"k i l l"`, `"b0mb"`), even though matching ran on normalised text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerMatch {
    /// The trigger phrase as written in the trigger list.
    pub phrase: String,
    /// Byte offset of the match's first byte in the original text.
    pub start: usize,
    /// Byte offset one past the match's last byte in the original text.
    pub end: usize,
}

/// The result of scoring one prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Score {
    /// Probability-like harm score in `[0, 1]`. For the classifier this is a
    /// calibrated probability; for the keyword baseline it is a noisy-OR of
    /// the matched triggers' weights.
    pub probability: f32,
    /// The raw (uncalibrated) logit of the harmful class, for scorers that
    /// have one. For windowed long inputs, the logit of the highest-scoring
    /// window.
    pub logit: Option<f32>,
    /// Keyword triggers present in the text, in order of appearance, so a
    /// user can see "contains 'kill', scored 0.02".
    pub triggers: Vec<TriggerMatch>,
}

impl Score {
    /// A score with no logit.
    pub fn new(probability: f32, triggers: Vec<TriggerMatch>) -> Self {
        Score { probability, logit: None, triggers }
    }

    /// Sets the raw logit.
    pub fn with_logit(mut self, logit: f32) -> Self {
        self.logit = Some(logit);
        self
    }

    /// Whether this score is flagged at `threshold`.
    pub fn flagged(&self, threshold: Threshold) -> bool {
        threshold.flags(self.probability)
    }
}

/// Something that scores prompts for harmful intent.
///
/// Implemented by [`crate::Classifier`] and [`crate::KeywordTriggers`]; the
/// evaluator, the CLI and the C API take any `Scorer`, so adding a third
/// scorer touches none of them.
///
/// Scoring takes `&self` and implementations are `Send + Sync`: one scorer
/// can be shared by many threads (for example in an `Arc`).
///
/// Empty and whitespace-only prompts have a defined result: probability 0,
/// no triggers (there is nothing to moderate). Implementations should use
/// [`is_blank`] to honour this.
pub trait Scorer: Send + Sync {
    /// A short name for reports and logs, such as `keyword` or `model`.
    fn name(&self) -> &str;

    /// Scores one prompt.
    fn score(&self, text: &str) -> Result<Score>;

    /// Scores many prompts; the result has one score per input, in order.
    ///
    /// The default scores one at a time; the classifier overrides it to run
    /// the model on padded batches.
    fn score_batch(&self, texts: &[&str]) -> Result<Vec<Score>> {
        texts.iter().map(|text| self.score(text)).collect()
    }

    /// The threshold this scorer flags at unless told otherwise.
    fn default_threshold(&self) -> Threshold;

    /// Named operating points (`strict`, `balanced`, `permissive`, ...) with
    /// the error rates measured for each. Empty if the scorer has none.
    fn operating_points(&self) -> &[OperatingPoint] {
        &[]
    }

    /// Looks up a named operating point's threshold.
    fn operating_point(&self, name: &str) -> Result<Threshold> {
        let points = self.operating_points();
        points.iter().find(|point| point.name == name).map(|point| point.threshold).ok_or_else(|| {
            crate::Error::UnknownOperatingPoint {
                name: name.to_owned(),
                available: if points.is_empty() {
                    "none".to_owned()
                } else {
                    points.iter().map(|point| point.name.as_str()).collect::<Vec<_>>().join(", ")
                },
            }
        })
    }
}

/// Whether a prompt has nothing to moderate (empty or only whitespace).
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || crate::normalize::is_ignorable(c))
}

/// A reference, box or shared pointer to a scorer is a scorer.
macro_rules! forward_scorer {
    ($($pointer:ty),*) => {$(
        impl<S: Scorer + ?Sized> Scorer for $pointer {
            fn name(&self) -> &str {
                (**self).name()
            }
            fn score(&self, text: &str) -> Result<Score> {
                (**self).score(text)
            }
            fn score_batch(&self, texts: &[&str]) -> Result<Vec<Score>> {
                (**self).score_batch(texts)
            }
            fn default_threshold(&self) -> Threshold {
                (**self).default_threshold()
            }
            fn operating_points(&self) -> &[OperatingPoint] {
                (**self).operating_points()
            }
        }
    )*};
}

forward_scorer!(&S, Box<S>, std::sync::Arc<S>);

//! The one place the CLI turns a `--scorer` choice into a scorer.

use std::path::Path;

use detrigger::{Error, KeywordTriggers, Scorer};

/// The scorers the CLI can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScorerKind {
    /// The mined keyword-trigger baseline.
    Keyword,
    /// The ONNX intent classifier.
    Model,
}

/// Builds the scorer for `kind`. `model_dir` is the `--model` bundle
/// directory, passed only to the model scorer.
pub fn load_scorer(kind: ScorerKind, model_dir: Option<&Path>) -> detrigger::Result<Box<dyn Scorer>> {
    match kind {
        ScorerKind::Keyword => Ok(Box::new(KeywordTriggers::bundled()?)),
        ScorerKind::Model => {
            // Until a classifier is bundled there is nothing to load from the directory either.
            let _ = model_dir;
            Err(Error::InvalidArgument("the model scorer is not available yet: no trained model is bundled".into()))
        }
    }
}

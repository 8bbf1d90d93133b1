//! The one place the CLI turns a `--scorer` choice into a scorer.

use std::path::Path;

use detrigger::{Classifier, ClassifierOptions, KeywordTriggers, Scorer};

/// The scorers the CLI can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScorerKind {
    /// The mined keyword-trigger baseline.
    Keyword,
    /// The ONNX intent classifier.
    Model,
}

/// Builds the scorer for `kind`. `model_dir` is the `--model` bundle
/// directory (default: the bundled model), passed only to the model scorer,
/// which runs with `threads` ONNX Runtime threads.
pub fn load_scorer(kind: ScorerKind, model_dir: Option<&Path>, threads: usize) -> detrigger::Result<Box<dyn Scorer>> {
    match kind {
        ScorerKind::Keyword => Ok(Box::new(KeywordTriggers::bundled()?)),
        ScorerKind::Model => Ok(Box::new(load_classifier(model_dir, threads)?)),
    }
}

/// The classifier from `model_dir`, or the bundled one, scoring batches on
/// `threads` cores: one session per thread, one ONNX Runtime thread each
/// (batch scoring spreads prompts over the sessions, which scales better
/// than more threads inside one small model run).
pub fn load_classifier(model_dir: Option<&Path>, threads: usize) -> detrigger::Result<Classifier> {
    let options = ClassifierOptions::default().with_sessions(threads.max(1));
    match model_dir {
        Some(dir) => Classifier::from_dir(dir, options),
        None => Classifier::bundled(options),
    }
}

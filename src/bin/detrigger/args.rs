//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use detrigger::{Scorer, Threshold};

use crate::scorers::ScorerKind;

/// Score what a prompt asks for, not the scary words it contains.
#[derive(Debug, Parser)]
#[command(name = "detrigger", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Score prompts and print one JSON object per prompt.
    ///
    /// With TEXT, scores it. Without, reads standard input to the end; each
    /// line is a JSON object with a string "text" field (other fields are
    /// copied to the output) or, if it does not start with "{", a plain-text
    /// prompt. Output lines follow input lines, in order.
    Score(ScoreArgs),
    /// Measure a scorer on labelled data and optionally write a report.
    Eval(EvalArgs),
    /// Fit the model's temperature and operating points on labelled
    /// calibration data, and rewrite the bundle's manifest.
    ///
    /// The temperature minimises the negative log-likelihood of the data;
    /// each operating point is the conformal threshold for its target
    /// false-positive rate on the data's benign prompts. Prints the expected
    /// calibration error before and after, and the operating-point table.
    Calibrate(CalibrateArgs),
}

/// Arguments of `detrigger calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Labelled calibration data (never trained on): JSON Lines or CSV.
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub data: Vec<PathBuf>,
    /// Model bundle directory whose manifest is rewritten [default: the bundled model].
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Target false-positive rate of the `balanced` operating point (the default one).
    #[arg(long, default_value_t = 0.02, value_name = "RATE")]
    pub target_fpr: f64,
    /// Target false-positive rate of the `strict` operating point (flags more).
    #[arg(long, default_value_t = 0.05, value_name = "RATE")]
    pub strict_fpr: f64,
    /// Target false-positive rate of the `permissive` operating point (flags less).
    #[arg(long, default_value_t = 0.005, value_name = "RATE")]
    pub permissive_fpr: f64,
    /// Cores to score with (model sessions in parallel).
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub threads: usize,
    /// Print what would be written, leave the manifest unchanged.
    #[arg(long)]
    pub dry_run: bool,
}

/// Arguments of `detrigger score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub scorer: ScorerArgs,
    #[command(flatten)]
    pub threshold: ThresholdArgs,
    /// The prompt to score (use `--` before a prompt that starts with `-`).
    pub text: Option<String>,
}

/// Arguments of `detrigger eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labelled data: JSON Lines (.jsonl, .ndjson, .json) or CSV (.csv) with
    /// "text" and "label" (harmful or benign).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub data: Vec<PathBuf>,
    #[command(flatten)]
    pub scorer: ScorerArgs,
    /// Also evaluate this scorer, at its default threshold, as the baseline to compare against.
    #[arg(long, value_enum, value_name = "SCORER")]
    pub compare: Option<ScorerKind>,
    #[command(flatten)]
    pub threshold: ThresholdArgs,
    /// Write report.md, roc.svg, pr.svg and reliability.svg into DIR (created if missing).
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Print the metrics as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Which scorer to run.
#[derive(Debug, Args)]
pub struct ScorerArgs {
    /// The scorer.
    #[arg(long, value_enum, default_value_t = ScorerKind::Model)]
    pub scorer: ScorerKind,
    /// Model bundle directory, for the model scorer [default: the bundled model].
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Cores the model scorer uses: N model sessions scoring prompts in parallel.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: u16,
}

/// Where to flag.
#[derive(Debug, Args)]
pub struct ThresholdArgs {
    /// Flag scores above X, a number in [0, 1] [default: the scorer's own].
    #[arg(long, value_name = "X", conflicts_with = "operating_point")]
    pub threshold: Option<Threshold>,
    /// Flag at the scorer's named operating point (such as strict or balanced).
    #[arg(long, value_name = "NAME")]
    pub operating_point: Option<String>,
}

impl ThresholdArgs {
    /// The threshold asked for, or `scorer`'s default.
    pub fn resolve(&self, scorer: &dyn Scorer) -> detrigger::Result<Threshold> {
        match (&self.threshold, &self.operating_point) {
            (Some(threshold), _) => Ok(*threshold),
            (None, Some(name)) => scorer.operating_point(name),
            (None, None) => Ok(scorer.default_threshold()),
        }
    }
}

//! The `detrigger` command-line tool.
//!
//! Exit codes: 0 success, 1 a runtime error (reported on stderr as one line,
//! `detrigger: <message>`), 2 a usage error (clap's report).

mod args;
mod calibrate;
mod eval;
mod score;
mod scorers;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command, ScorerArgs};
use crate::scorers::ScorerKind;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score(args) => {
            check_model_flag(&args.scorer, None);
            score::run(args)
        }
        Command::Eval(args) => {
            check_model_flag(&args.scorer, args.compare);
            eval::run(args)
        }
        Command::Calibrate(args) => calibrate::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("detrigger: {}", one_line(&error.to_string()));
            ExitCode::FAILURE
        }
    }
}

/// `--model` with no model scorer to use it is a usage error (exit 2): a flag
/// that silently does nothing hides typos in scripts.
fn check_model_flag(scorer: &ScorerArgs, compare: Option<ScorerKind>) {
    let uses_model = scorer.scorer == ScorerKind::Model || compare == Some(ScorerKind::Model);
    if scorer.model.is_some() && !uses_model {
        Cli::command()
            .error(clap::error::ErrorKind::ArgumentConflict, "--model is only used with --scorer model")
            .exit();
    }
}

/// Error messages may span lines (a hint after the reason); stderr gets one,
/// so scripts and log scrapers see one record per failure.
fn one_line(message: &str) -> String {
    message.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("; ")
}

/// Writes all of `bytes` to stdout. A closed pipe (`detrigger score | head`)
/// is the reader's choice, not an error.
fn write_stdout(bytes: &[u8]) -> detrigger::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(detrigger::Error::Io { path: "stdout".into(), source: error })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_messages_to_one_line() {
        for (message, expected) in
            [("plain", "plain"), ("reason\nhint: do this", "reason; hint: do this"), ("a\r\n\r\nb\n", "a; b"), ("", "")]
        {
            assert_eq!(one_line(message), expected);
        }
    }

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}

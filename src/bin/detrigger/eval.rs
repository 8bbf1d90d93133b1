//! `detrigger eval`: metrics on labelled data, a comparison, a report.

use std::io::IsTerminal;

use detrigger::eval::{self, Comparison};
use detrigger::report::{self, EvalRun};
use detrigger::{Error, Example, Scorer, Threshold, data};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::args::EvalArgs;
use crate::scorers::{ScorerKind, load_scorer};

/// Prompts per `score_batch` call.
const BATCH_SIZE: usize = 32;

pub fn run(args: EvalArgs) -> detrigger::Result<()> {
    let model_dir = args.scorer.model.as_deref();
    let dir_for = |kind: ScorerKind| if kind == ScorerKind::Model { model_dir } else { None };
    // Scorers and thresholds first: a missing model or unknown operating
    // point should fail before minutes of data loading.
    let threads = usize::from(args.scorer.threads);
    let scorer = load_scorer(args.scorer.scorer, dir_for(args.scorer.scorer), threads)?;
    let threshold = args.threshold.resolve(scorer.as_ref())?;
    let baseline = args.compare.map(|kind| load_scorer(kind, dir_for(kind), threads)).transpose()?;

    let examples = data::load_all(&args.data)?;
    let described = args.data.iter().map(|p| p.display().to_string()).collect::<Vec<_>>();
    if examples.is_empty() {
        return Err(Error::InvalidArgument(format!("no examples in {}", described.join(", "))));
    }
    let description = format!("{} ({} examples)", described.join(", "), examples.len());

    let mut runs = vec![evaluate(scorer.as_ref(), scorer.name().to_owned(), threshold, &examples, &description)?];
    if let Some(baseline) = &baseline {
        // Two runs of one scorer (at different thresholds) need telling apart.
        let name = if baseline.name() == runs[0].scorer {
            format!("{} (baseline)", baseline.name())
        } else {
            baseline.name().to_owned()
        };
        runs.push(evaluate(baseline.as_ref(), name, baseline.default_threshold(), &examples, &description)?);
    }
    let comparison = match runs.as_slice() {
        [candidate, baseline] => Some(eval::compare(baseline.side(), candidate.side())?),
        _ => None,
    };

    let mut output = if args.json {
        let json = Json { data: &described, runs: &runs, comparison: comparison.as_ref() };
        serde_json::to_string_pretty(&json).map_err(|e| Error::InvalidArgument(format!("cannot write JSON: {e}")))?
    } else {
        table(&runs, comparison.as_ref(), &description)
    };
    if let Some(dir) = &args.report {
        report::write_report(dir, &runs)?;
        if !args.json {
            output.push_str(&format!("\nReport: {}\n", dir.join("report.md").display()));
        }
    }
    if !output.ends_with('\n') {
        output.push('\n');
    }
    crate::write_stdout(output.as_bytes())
}

#[derive(Serialize)]
struct Json<'a> {
    data: &'a [String],
    runs: &'a [EvalRun],
    comparison: Option<&'a Comparison>,
}

fn evaluate(
    scorer: &dyn Scorer,
    name: String,
    threshold: Threshold,
    examples: &[Example],
    description: &str,
) -> detrigger::Result<EvalRun> {
    let bar = progress_bar(examples.len(), &name);
    let scores = eval::score_examples(scorer, examples, BATCH_SIZE, &mut |done| {
        if let Some(bar) = &bar {
            bar.set_position(done as u64);
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let probabilities = scores?.into_iter().map(|s| s.probability).collect();
    EvalRun::new(name, description, examples, probabilities, threshold)
}

/// A progress bar on stderr, only for a person watching a terminal: in a
/// pipe or a CI log it would be noise.
pub fn progress_bar(len: usize, name: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} prompts, {per_sec}, eta {eta}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(format!("scoring with {name}"));
    Some(bar)
}

/// The metrics as aligned plain text: one row per metric, one column per scorer.
fn table(runs: &[EvalRun], comparison: Option<&Comparison>, description: &str) -> String {
    let rows: Vec<Vec<(&str, String)>> = runs.iter().map(|run| report::metric_rows(&run.metrics)).collect();
    let width = |s: &str| s.chars().count();
    let label_width = rows[0].iter().map(|(name, _)| width(name)).max().unwrap_or(0);
    let column_widths: Vec<usize> = runs
        .iter()
        .zip(&rows)
        .map(|(run, run_rows)| run_rows.iter().map(|(_, v)| width(v)).chain([width(&run.scorer)]).max().unwrap_or(0))
        .collect();
    let pad_left = |s: &str, w: usize| format!("{}{s}", " ".repeat(w.saturating_sub(width(s))));
    let pad_right = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(width(s))));

    let mut out = format!("Data: {description}\n\n");
    let mut line = pad_right("", label_width);
    for (run, &w) in runs.iter().zip(&column_widths) {
        line.push_str("  ");
        line.push_str(&pad_left(&run.scorer, w));
    }
    out.push_str(line.trim_end());
    out.push('\n');
    for (index, (name, _)) in rows[0].iter().enumerate() {
        let mut line = pad_right(name, label_width);
        for (run_rows, &w) in rows.iter().zip(&column_widths) {
            line.push_str("  ");
            line.push_str(&pad_left(&run_rows[index].1, w));
        }
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(c) = comparison {
        out.push('\n');
        out.push_str(&report::matched_recall_summary(c));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let examples = [Example::new("a", detrigger::Label::Harmful), Example::new("b", detrigger::Label::Benign)];
        let t = Threshold::new(0.5).unwrap_or(Threshold::NEVER);
        let runs = [
            EvalRun::new("keyword", "d", &examples, vec![0.9, 0.1], t).unwrap(),
            EvalRun::new("a much longer name", "d", &examples, vec![0.9, 0.9], t).unwrap(),
        ];
        let text = table(&runs, None, "d");
        let lines: Vec<&str> = text.lines().skip(2).collect();
        let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{text}");
        assert!(lines[0].ends_with("a much longer name"), "{text}");
    }
}

//! Evaluation reports: a Markdown summary and SVG plots.
//!
//! [`write_report`] writes four files into a directory: `report.md` (metrics
//! with one column per scorer, a comparison when there are two scorers, and a
//! per-category table), `roc.svg`, `pr.svg` and `reliability.svg`. The plots
//! are drawn with `plotters`' SVG backend and its built-in text layout, so no
//! font library is needed: the viewer renders the text.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;
use serde::Serialize;

use crate::data::{Example, Label};
use crate::error::{Error, Result};
use crate::eval::{self, CategoryMetrics, Comparison, Interval, Metrics};
use crate::threshold::Threshold;

/// One scorer evaluated on one data set: what a report is made of.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct EvalRun {
    /// The scorer's name, used as its column and legend entry.
    pub scorer: String,
    /// What it was evaluated on (file names, say).
    pub data: String,
    /// The examples' labels.
    #[serde(skip)]
    pub labels: Vec<Label>,
    /// The scorer's score for each example, parallel to `labels`.
    #[serde(skip)]
    pub scores: Vec<f32>,
    /// The threshold the run was evaluated at.
    pub threshold: Threshold,
    /// Metrics at `threshold`.
    pub metrics: Metrics,
    /// Metrics per example category.
    pub per_category: BTreeMap<String, CategoryMetrics>,
}

impl EvalRun {
    /// Evaluates `scores` (one per example, in order) at `threshold`:
    /// computes [`eval::metrics`] and [`eval::per_category`].
    pub fn new(
        scorer: impl Into<String>,
        data: impl Into<String>,
        examples: &[Example],
        scores: Vec<f32>,
        threshold: Threshold,
    ) -> Result<Self> {
        let labels: Vec<Label> = examples.iter().map(|e| e.label).collect();
        let metrics = eval::metrics(&labels, &scores, threshold)?;
        let per_category = eval::per_category(examples, &scores, threshold)?;
        Ok(EvalRun { scorer: scorer.into(), data: data.into(), labels, scores, threshold, metrics, per_category })
    }

    /// This run as one side of [`eval::compare`].
    pub fn side(&self) -> eval::Side<'_> {
        (&self.scorer, &self.labels, &self.scores, self.threshold)
    }
}

/// Writes `report.md`, `roc.svg`, `pr.svg` and `reliability.svg` for `runs`
/// into `dir`, creating it if needed.
///
/// With exactly two runs, the report also compares the first (the candidate)
/// with the second (the baseline), as `detrigger eval --compare` orders them.
pub fn write_report(dir: &Path, runs: &[EvalRun]) -> Result<()> {
    if runs.is_empty() {
        return Err(Error::InvalidArgument("a report needs at least one evaluation run".into()));
    }
    std::fs::create_dir_all(dir).map_err(|source| Error::io(dir, source))?;
    let comparison = match runs {
        [candidate, baseline] => Some(eval::compare(baseline.side(), candidate.side())?),
        _ => None,
    };
    write(dir, "report.md", &markdown(runs, comparison.as_ref()))?;

    let roc = runs
        .iter()
        .map(|run| {
            Ok((
                run.scorer.clone(),
                eval::roc_curve(&run.labels, &run.scores)?.iter().map(|p| (p.fpr, p.recall)).collect(),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let pr = runs
        .iter()
        .map(|run| {
            let points = eval::pr_curve(&run.labels, &run.scores)?;
            // Start the step curve at recall 0 so it reads from the left edge.
            let start = points.first().map(|p| (0.0, p.precision));
            Ok((run.scorer.clone(), start.into_iter().chain(points.iter().map(|p| (p.recall, p.precision))).collect()))
        })
        .collect::<Result<Vec<_>>>()?;
    let reliability = runs
        .iter()
        .map(|run| {
            let bins = eval::reliability(&run.labels, &run.scores)?;
            Ok((run.scorer.clone(), bins.iter().filter_map(|b| Some((b.mean_score?, b.fraction_harmful?))).collect()))
        })
        .collect::<Result<Vec<_>>>()?;

    let plots = [
        (
            "roc.svg",
            Plot {
                title: "ROC curve",
                x: "False-positive rate",
                y: "Recall (true-positive rate)",
                diagonal: Some("chance"),
                markers: false,
                legend: SeriesLabelPosition::LowerRight,
            },
            roc,
        ),
        (
            "pr.svg",
            Plot {
                title: "Precision-recall curve",
                x: "Recall",
                y: "Precision",
                diagonal: None,
                markers: false,
                legend: SeriesLabelPosition::LowerLeft,
            },
            pr,
        ),
        (
            "reliability.svg",
            Plot {
                title: "Reliability diagram (15 bins)",
                x: "Mean score in bin",
                y: "Fraction harmful in bin",
                diagonal: Some("perfect calibration"),
                markers: true,
                legend: SeriesLabelPosition::UpperLeft,
            },
            reliability,
        ),
    ];
    for (name, plot, series) in plots {
        let svg = plot.render(&series).map_err(|message| Error::io(dir.join(name), std::io::Error::other(message)))?;
        write(dir, name, &svg)?;
    }
    Ok(())
}

fn write(dir: &Path, name: &str, contents: &str) -> Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, contents).map_err(|source| Error::io(path, source))
}

type Series = (String, Vec<(f64, f64)>);

/// A line chart on the unit square, one series per scorer.
struct Plot {
    title: &'static str,
    x: &'static str,
    y: &'static str,
    diagonal: Option<&'static str>,
    markers: bool,
    legend: SeriesLabelPosition,
}

/// Colour-blind-safe (Okabe-Ito) series colours.
const COLOURS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

impl Plot {
    fn render(&self, series: &[Series]) -> std::result::Result<String, String> {
        let mut svg = String::new();
        self.draw(&mut svg, series).map_err(|e| format!("cannot draw {}: {e}", self.title))?;
        Ok(svg)
    }

    fn draw(&self, svg: &mut String, series: &[Series]) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::with_string(svg, (720, 540)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(self.title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        chart.configure_mesh().x_desc(self.x).y_desc(self.y).x_labels(11).y_labels(11).draw()?;
        if let Some(label) = self.diagonal {
            let grey = BLACK.mix(0.35);
            chart
                .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], grey))?
                .label(label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], grey));
        }
        for (index, (name, points)) in series.iter().enumerate() {
            let colour = COLOURS[index % COLOURS.len()];
            chart
                .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
            if self.markers {
                chart.draw_series(points.iter().map(|&point| Circle::new(point, 3, colour.filled())))?;
            }
        }
        chart
            .configure_series_labels()
            .position(self.legend.clone())
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    }
}

fn markdown(runs: &[EvalRun], comparison: Option<&Comparison>) -> String {
    let mut md = String::from("# detrigger evaluation\n\n");
    let data: BTreeSet<&str> = runs.iter().map(|run| run.data.as_str()).collect();
    if data.len() == 1 {
        let _ = writeln!(md, "Data: {}\n", runs[0].data);
    } else {
        for run in runs {
            let _ = writeln!(md, "- Data for {}: {}", run.scorer, run.data);
        }
        md.push('\n');
    }

    md.push_str("## Metrics\n\n");
    let _ = writeln!(
        md,
        "Harmful is the positive class; a prompt is flagged when its score is above the threshold. \
         Brackets are 95% bootstrap percentile intervals ({} resamples). `n/a`: undefined for this data.\n",
        eval::DEFAULT_RESAMPLES
    );
    let mut header = String::from("| metric |");
    let mut rule = String::from("|---|");
    for run in runs {
        let _ = write!(header, " {} |", cell(&run.scorer));
        rule.push_str("---:|");
    }
    let _ = writeln!(md, "{header}\n{rule}");
    let rows: Vec<Vec<(&str, String)>> = runs.iter().map(|run| metric_rows(&run.metrics)).collect();
    for (index, (name, _)) in rows[0].iter().enumerate() {
        let _ = write!(md, "| {name} |");
        for run_rows in &rows {
            let _ = write!(md, " {} |", run_rows[index].1);
        }
        md.push('\n');
    }
    md.push('\n');

    if let Some(c) = comparison {
        comparison_section(&mut md, c);
    }
    category_section(&mut md, runs);

    md.push_str("## Plots\n\n![ROC curve](roc.svg)\n\n![Precision-recall curve](pr.svg)\n\n");
    md.push_str("![Reliability diagram](reliability.svg)\n");
    md
}

/// The metrics as `(name, formatted value)` rows, in the order the report
/// and `detrigger eval` print them. Rates are percentages, `n/a` marks an
/// undefined metric, and brackets hold the bootstrap interval.
pub fn metric_rows(m: &Metrics) -> Vec<(&'static str, String)> {
    vec![
        ("threshold", m.threshold.to_string()),
        ("examples", m.n.to_string()),
        ("harmful / benign", format!("{} / {}", m.positives, m.negatives)),
        ("TP / FP / TN / FN", format!("{} / {} / {} / {}", m.tp, m.fp, m.tn, m.fn_)),
        ("false-positive rate", with_ci(m.fpr, m.fpr_ci)),
        ("recall", with_ci(m.recall, m.recall_ci)),
        ("precision", percent(m.precision)),
        ("F1", percent(m.f1)),
        ("accuracy", percent(m.accuracy)),
        ("AUROC", decimal(m.auroc)),
        ("AUPRC (average precision)", decimal(m.auprc)),
        ("recall at FPR ≤ 1%", percent(m.recall_at_fpr_1pct)),
        ("recall at FPR ≤ 5%", percent(m.recall_at_fpr_5pct)),
        ("ECE (15 bins)", decimal(m.ece)),
    ]
}

/// One sentence on the false-positive reduction at matched recall, as the
/// report and `detrigger eval` print it.
pub fn matched_recall_summary(c: &Comparison) -> String {
    let (base, cand) = (&c.baseline.name, &c.candidate.name);
    match &c.matched_recall {
        Some(m) => format!(
            "At matched recall: {base} catches {} of harmful prompts at its threshold. The highest {cand} \
             threshold that catches at least as many is {:.6} (recall {}). There, the false-positive rate goes \
             from {} ({} prompts) to {} ({} prompts): {} points lower, a relative reduction of {}.",
            percent(Some(m.target_recall)),
            m.candidate_threshold,
            percent(Some(m.candidate_recall)),
            percent(m.baseline_fpr),
            m.baseline_false_positives,
            percent(m.candidate_fpr),
            m.candidate_false_positives,
            m.fpr_reduction.map_or_else(|| "n/a".to_owned(), |r| format!("{:.2}", r * 100.0)),
            percent(m.relative_fpr_reduction),
        ),
        None => format!(
            "At matched recall: not available (the baseline's recall is undefined, or no {cand} threshold reaches it)."
        ),
    }
}

fn comparison_section(md: &mut String, c: &Comparison) {
    let (base, cand) = (&c.baseline, &c.candidate);
    let _ = writeln!(md, "## {} compared with {}\n", cell(&cand.name), cell(&base.name));
    let _ = writeln!(
        md,
        "| scorer (at its own threshold) | threshold | false-positive rate | recall | false positives |\n|---|---:|---:|---:|---:|"
    );
    for side in [base, cand] {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            cell(&side.name),
            side.threshold,
            percent(side.fpr),
            percent(side.recall),
            side.false_positives
        );
    }
    let _ = writeln!(md, "\n{}\n", cell(&matched_recall_summary(c)));
}

fn category_section(md: &mut String, runs: &[EvalRun]) {
    let categories: BTreeSet<&str> = runs.iter().flat_map(|run| run.per_category.keys().map(String::as_str)).collect();
    md.push_str("## Per category\n\n");
    md.push_str("Flagged share, false-positive rate (benign prompts) and recall (harmful prompts) per category.\n\n");
    let mut header = String::from("| category | examples | harmful / benign |");
    let mut rule = String::from("|---|---:|---:|");
    for run in runs {
        let name = cell(&run.scorer);
        let _ = write!(header, " {name} flagged | {name} FPR | {name} recall |");
        rule.push_str("---:|---:|---:|");
    }
    let _ = writeln!(md, "{header}\n{rule}");
    for category in categories {
        // Runs normally share data; take the counts from the first that has the category.
        let Some(first) = runs.iter().find_map(|run| run.per_category.get(category)) else { continue };
        let _ = write!(md, "| {} | {} | {} / {} |", cell(category), first.n, first.positives, first.negatives);
        for run in runs {
            match run.per_category.get(category) {
                Some(c) => {
                    let _ =
                        write!(md, " {} | {} | {} |", percent(Some(c.flagged_rate)), percent(c.fpr), percent(c.recall));
                }
                None => md.push_str(" n/a | n/a | n/a |"),
            }
        }
        md.push('\n');
    }
    md.push('\n');
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{:.2}%", v * 100.0))
}

fn decimal(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.4}"))
}

fn with_ci(value: Option<f64>, ci: Option<Interval>) -> String {
    match ci {
        Some(ci) => format!("{} [{:.2}%, {:.2}%]", percent(value), ci.lower * 100.0, ci.upper * 100.0),
        None => percent(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Label::{Benign as B, Harmful as H};

    fn run(name: &str, scores: &[f32]) -> EvalRun {
        let examples = [
            Example::new("a", H).with_category("weapons"),
            Example::new("b", H),
            Example::new("c", B).with_category("weapons"),
            Example::new("d", B),
        ];
        EvalRun::new(name, "tiny.jsonl", &examples, scores.to_vec(), Threshold::new(0.5).unwrap()).unwrap()
    }

    #[test]
    fn writes_all_four_files_with_each_scorer() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("nested/report");
        let runs = [run("model", &[0.9, 0.6, 0.2, 0.1]), run("keyword|list", &[0.9, 0.0, 0.8, 0.0])];
        write_report(&out, &runs).unwrap();
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        for needle in ["| metric | model | keyword\\|list |", "compared with", "relative reduction", "| weapons |"] {
            assert!(md.contains(needle), "report.md lacks {needle:?}:\n{md}");
        }
        for (file, axis) in
            [("roc.svg", "False-positive rate"), ("pr.svg", "Precision"), ("reliability.svg", "Mean score")]
        {
            let svg = std::fs::read_to_string(out.join(file)).unwrap();
            assert!(svg.starts_with("<svg"), "{file}");
            for needle in [axis, "model", "keyword|list"] {
                assert!(svg.contains(needle), "{file} lacks {needle:?}");
            }
        }
    }

    #[test]
    fn one_run_and_degenerate_data_still_report() {
        let dir = tempfile::tempdir().unwrap();
        let examples = [Example::new("a", B)];
        let only = EvalRun::new("keyword", "one row", &examples, vec![0.0], Threshold::new(0.5).unwrap()).unwrap();
        write_report(dir.path(), &[only]).unwrap();
        let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
        assert!(md.contains("n/a") && !md.contains("compared with"), "{md}");
        assert!(write_report(dir.path(), &[]).is_err());
    }
}

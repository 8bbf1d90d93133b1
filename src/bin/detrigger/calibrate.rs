//! `detrigger calibrate`: fit the temperature and operating points, rewrite the manifest.

use std::path::Path;

use detrigger::calibration::{apply_temperature, fit_temperature, operating_points};
use detrigger::classifier::BUNDLED_MODEL_DIR;
use detrigger::eval::expected_calibration_error;
use detrigger::{Error, Label, data};

use crate::args::CalibrateArgs;
use crate::eval::progress_bar;
use crate::scorers::load_classifier;

/// Prompts per model call.
const BATCH_SIZE: usize = 64;

pub fn run(args: CalibrateArgs) -> detrigger::Result<()> {
    let rates = [("permissive", args.permissive_fpr), ("balanced", args.target_fpr), ("strict", args.strict_fpr)];
    if let Some((name, rate)) = rates.iter().find(|(_, rate)| !(*rate > 0.0 && *rate < 1.0)) {
        return Err(Error::InvalidArgument(format!("the {name} false-positive rate must be in (0, 1), got {rate}")));
    }
    if !(args.permissive_fpr < args.target_fpr && args.target_fpr < args.strict_fpr) {
        return Err(Error::InvalidArgument(
            "false-positive rates must be ordered: permissive < target (balanced) < strict".into(),
        ));
    }
    let dir = args.model.clone().unwrap_or_else(|| BUNDLED_MODEL_DIR.into());
    let classifier = load_classifier(Some(&dir), args.threads.max(1))?;
    let examples = data::load_all(&args.data)?;
    let dataset = args.data.iter().map(|p| display_path(p)).collect::<Vec<_>>().join(", ");

    let bar = progress_bar(examples.len(), "model");
    let mut logits = Vec::with_capacity(examples.len());
    let mut labels = Vec::with_capacity(examples.len());
    for (index, chunk) in examples.chunks(BATCH_SIZE).enumerate() {
        let texts: Vec<&str> = chunk.iter().map(|example| example.text.as_str()).collect();
        for (logit, example) in classifier.logits(&texts)?.into_iter().zip(chunk) {
            // A blank prompt has no logit (it is never run); it says nothing about calibration.
            if let Some(logit) = logit {
                logits.push(logit);
                labels.push(example.label);
            }
        }
        if let Some(bar) = &bar {
            bar.set_position(((index + 1) * BATCH_SIZE).min(examples.len()) as u64);
        }
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    let harmful: Vec<bool> = labels.iter().map(|label| *label == Label::Harmful).collect();
    let temperature = fit_temperature(&logits, &harmful)?;
    let ece_before = expected_calibration_error(&labels, &apply_temperature(&logits, 1.0))?;
    let calibrated = apply_temperature(&logits, temperature);
    let ece_after = expected_calibration_error(&labels, &calibrated)?;
    let points = operating_points(&calibrated, &harmful, &rates, &dataset)?;

    let mut manifest = classifier.manifest().clone();
    manifest.calibration.temperature = temperature;
    manifest.calibration.dataset = dataset.clone();
    manifest.calibration.rows = Some(logits.len());
    manifest.calibration.ece_before = ece_before;
    manifest.calibration.ece_after = ece_after;
    manifest.operating_points = points;
    manifest.default_operating_point = Some("balanced".into());

    let mut out = format!(
        "Calibration data: {dataset} ({} prompts: {} harmful, {} benign)\n\
         Temperature: {temperature:.4}\n\
         ECE ({} bins): {} before, {} after\n\n\
         | operating point | threshold | FPR | recall | rule |\n|---|---|---|---|---|\n",
        logits.len(),
        harmful.iter().filter(|h| **h).count(),
        harmful.iter().filter(|h| !**h).count(),
        detrigger::eval::CALIBRATION_BINS,
        format_rate(ece_before),
        format_rate(ece_after),
    );
    for point in &manifest.operating_points {
        out.push_str(&format!(
            "| {} | {:.4} | {:.2}% | {:.2}% | {} |\n",
            point.name,
            point.threshold.value(),
            point.fpr * 100.0,
            point.recall * 100.0,
            point.rule
        ));
    }
    if args.dry_run {
        out.push_str("\n(dry run: manifest not changed)\n");
    } else {
        manifest.save(&dir)?;
        out.push_str(&format!("\nWrote {}\n", display_path(&dir.join(detrigger::manifest::MANIFEST_FILE))));
    }
    crate::write_stdout(out.as_bytes())
}

fn format_rate(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.4}"))
}

/// Paths as the user wrote them, but the bundled model dir relative to the repo.
fn display_path(path: &Path) -> String {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(repo).unwrap_or(path).display().to_string()
}

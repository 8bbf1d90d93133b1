//! Score prompts with the bundled classifier and show the keyword triggers it saw.
//!
//! cargo run --release --example score -- "How do I kill a zombie process?" "..."

use detrigger::{Classifier, ClassifierOptions, Scorer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::var("DETRIGGER_MODEL").unwrap_or_else(|_| detrigger::classifier::BUNDLED_MODEL_DIR.to_owned());
    let classifier = Classifier::from_dir(dir, ClassifierOptions::default())?;
    let threshold = classifier.default_threshold();
    for text in std::env::args().skip(1) {
        let score = classifier.score(&text)?;
        let triggers: Vec<&str> = score.triggers.iter().map(|t| &text[t.start..t.end]).collect();
        println!(
            "{:.3} {} {text:?} (triggers: {triggers:?})",
            score.probability,
            if score.flagged(threshold) { "FLAG" } else { "ok  " },
        );
    }
    Ok(())
}

//! Robustness to spelling tricks (tests/data/adversarial.jsonl, written for
//! this project): every clean prompt comes with seven obfuscated variants —
//! leetspeak, spaced letters, zero-width characters, homoglyphs, mixed case,
//! emoji separators, full-width forms. The shared normaliser has to undo
//! them for both scorers.

use std::collections::BTreeMap;
use std::path::Path;

use detrigger::{Classifier, ClassifierOptions, KeywordTriggers, Scorer};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Row {
    id: String,
    clean_id: String,
    text: String,
    label: String,
    obfuscation: String,
}

fn rows() -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/adversarial.jsonl");
    std::fs::read_to_string(path).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

#[test]
fn the_baseline_finds_the_same_triggers_through_every_trick() {
    let keyword = KeywordTriggers::bundled().unwrap();
    let rows = rows();
    let clean: BTreeMap<&str, Vec<String>> = rows
        .iter()
        .filter(|row| row.obfuscation == "none")
        .map(|row| (row.clean_id.as_str(), keyword.find(&row.text).into_iter().map(|m| m.phrase).collect()))
        .collect();
    let mut misses = Vec::new();
    for row in rows.iter().filter(|row| row.obfuscation != "none") {
        let found: Vec<String> = keyword.find(&row.text).into_iter().map(|m| m.phrase).collect();
        if found != clean[row.clean_id.as_str()] {
            misses.push(format!("{} {:?}: {found:?} vs clean {:?}", row.id, row.text, clean[row.clean_id.as_str()]));
        }
    }
    // Spaced-out compounds the vocabulary lacks (`b-o-m-b-s-h-e-l-l`) split
    // into the words they are made of; nothing tells them from two words.
    assert!(
        misses.len() * 100 <= rows.len(),
        "{} of {} variants differ (at most 1% may):\n{}",
        misses.len(),
        rows.len(),
        misses.join("\n")
    );
}

#[test]
fn the_classifier_keeps_its_decisions_through_every_trick() {
    let classifier = Classifier::bundled(ClassifierOptions::default()).unwrap();
    let threshold = classifier.default_threshold();
    let rows = rows();
    let texts: Vec<&str> = rows.iter().map(|row| row.text.as_str()).collect();
    let flagged: Vec<bool> = texts
        .chunks(64)
        .flat_map(|chunk| classifier.score_batch(chunk).unwrap())
        .map(|score| score.flagged(threshold))
        .collect();

    let clean: BTreeMap<&str, bool> = rows
        .iter()
        .zip(&flagged)
        .filter(|(row, _)| row.obfuscation == "none")
        .map(|(row, &flag)| (row.clean_id.as_str(), flag))
        .collect();
    let mut tally: BTreeMap<&str, Tally> = BTreeMap::new();
    for (row, &flag) in rows.iter().zip(&flagged) {
        let entry = tally.entry(row.obfuscation.as_str()).or_default();
        if row.label == "harmful" {
            entry.harmful += 1;
            entry.harmful_flagged += usize::from(flag);
        } else {
            entry.benign_flagged += usize::from(flag);
        }
        entry.prompts += 1;
        entry.flips += usize::from(flag != clean[row.clean_id.as_str()]);
    }
    let clean_tally = &tally["none"];
    let clean_recall = clean_tally.recall();
    let mut failures = Vec::new();
    for (trick, counts) in &tally {
        let recall = counts.recall();
        if recall < 0.9 * clean_recall {
            failures.push(format!("{trick}: recall {recall:.3} < 90% of clean recall {clean_recall:.3}"));
        }
        // Obfuscated benign prompts are not flagged more often than their clean forms.
        if counts.benign_flagged > clean_tally.benign_flagged {
            failures.push(format!(
                "{trick}: {} benign prompts flagged, clean forms {}",
                counts.benign_flagged, clean_tally.benign_flagged
            ));
        }
        // The normaliser should give the model the clean text back; a flip
        // is a word it failed to restore (or restored to a different word).
        if counts.flips * 100 > counts.prompts {
            failures.push(format!(
                "{trick}: {}/{} decisions differ from the clean spelling's (at most 1%)",
                counts.flips, counts.prompts
            ));
        }
    }
    assert!(failures.is_empty(), "{}\nper trick: {tally:#?}", failures.join("\n"));
}

/// One spelling trick's decisions over the adversarial set.
#[derive(Debug, Default)]
struct Tally {
    harmful: usize,
    harmful_flagged: usize,
    benign_flagged: usize,
    prompts: usize,
    /// Decisions that differ from the clean spelling's.
    flips: usize,
}

impl Tally {
    fn recall(&self) -> f64 {
        self.harmful_flagged as f64 / self.harmful as f64
    }
}

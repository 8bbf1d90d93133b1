//! The model bundle's manifest: one JSON file that says how to run the model
//! and how to read its output.
//!
//! A bundle is a directory with `model.onnx`, `tokenizer.json` and
//! `manifest.json`. The manifest records the graph's input and output names,
//! the window length, the label order, the calibration temperature, the
//! operating-point table (threshold → measured FPR and recall, with the data
//! set each was measured on) and the SHA-256 of the ONNX file, which is
//! checked at load.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::threshold::OperatingPoint;

/// The manifest format this crate reads and writes.
pub const MANIFEST_FORMAT_VERSION: u32 = 1;

/// File name of the manifest inside a bundle.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Names of the graph's inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModelInputs {
    /// Token ids, int64 `[batch, sequence]`.
    pub input_ids: String,
    /// Attention mask, int64 `[batch, sequence]`, 1 for real tokens.
    pub attention_mask: String,
}

/// Temperature scaling fitted on a calibration split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CalibrationInfo {
    /// The calibrated probability is `sigmoid(logit / temperature)`.
    pub temperature: f64,
    /// The data the temperature was fitted on.
    pub dataset: String,
    /// Rows in that data set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    /// Expected calibration error before scaling (temperature 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ece_before: Option<f64>,
    /// Expected calibration error after scaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ece_after: Option<f64>,
}

/// A model bundle's `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Manifest {
    /// Manifest format; this crate reads version [`MANIFEST_FORMAT_VERSION`].
    pub format_version: u32,
    /// Model name.
    pub name: String,
    /// Model version.
    pub version: String,
    /// ONNX file, relative to the bundle.
    pub model_file: String,
    /// Lower-case hex SHA-256 of the ONNX file.
    pub model_sha256: String,
    /// `tokenizers` JSON file, relative to the bundle.
    pub tokenizer_file: String,
    /// Graph input names.
    pub inputs: ModelInputs,
    /// Graph output name: float logits `[batch, labels.len()]`.
    pub output: String,
    /// Output columns, in order; one must be `harmful`.
    pub labels: Vec<String>,
    /// Longest token window the model was trained on, special tokens included.
    pub max_length: usize,
    /// Temperature scaling.
    pub calibration: CalibrationInfo,
    /// Named thresholds with measured error rates.
    #[serde(default)]
    pub operating_points: Vec<OperatingPoint>,
    /// The operating point used when none is named.
    #[serde(default)]
    pub default_operating_point: Option<String>,
    /// Everything else (base model, training parameters, parity figures),
    /// kept so a rewrite does not lose it.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Manifest {
    /// Parses and validates manifest JSON; `origin` names it in errors.
    pub fn from_json(json: &[u8], origin: &Path) -> Result<Self> {
        let manifest: Manifest = serde_json::from_slice(json).map_err(|error| Error::ModelLoad {
            path: origin.to_path_buf(),
            message: format!("bad manifest: {error}"),
        })?;
        manifest.validate(origin)?;
        Ok(manifest)
    }

    /// Reads `manifest.json` from a bundle directory.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(MANIFEST_FILE);
        let json = std::fs::read(&path).map_err(|source| Error::ModelLoad {
            path: path.clone(),
            message: format!("cannot read the manifest: {source}"),
        })?;
        Self::from_json(&json, &path)
    }

    /// Writes `manifest.json` into a bundle directory (pretty-printed).
    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = dir.join(MANIFEST_FILE);
        let mut json = serde_json::to_string_pretty(self).map_err(|error| Error::InvalidArgument(error.to_string()))?;
        json.push('\n');
        std::fs::write(&path, json).map_err(|source| Error::io(path, source))
    }

    /// Column of the `harmful` logit in the output.
    pub fn harmful_index(&self) -> Option<usize> {
        self.labels.iter().position(|label| label == "harmful")
    }

    fn validate(&self, origin: &Path) -> Result<()> {
        let bad = |message: String| Err(Error::ModelLoad { path: origin.to_path_buf(), message });
        if self.format_version != MANIFEST_FORMAT_VERSION {
            return bad(format!(
                "manifest format {} is not supported (this build reads format {MANIFEST_FORMAT_VERSION})",
                self.format_version
            ));
        }
        if self.harmful_index().is_none() {
            return bad(format!("labels {:?} have no \"harmful\" column", self.labels));
        }
        if !(8..=4096).contains(&self.max_length) {
            return bad(format!("max_length {} is outside 8..=4096", self.max_length));
        }
        let temperature = self.calibration.temperature;
        if !(temperature.is_finite() && temperature > 0.0) {
            return bad(format!("calibration temperature {temperature} is not a positive number"));
        }
        if self.model_sha256.len() != 64 || !self.model_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return bad(format!("model_sha256 {:?} is not a SHA-256 hex digest", self.model_sha256));
        }
        if let Some(name) = &self.default_operating_point
            && !self.operating_points.iter().any(|point| &point.name == name)
        {
            return bad(format!("default operating point {name:?} is not in the operating-point table"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
        "format_version": 1, "name": "m", "version": "1", "model_file": "model.onnx",
        "model_sha256": "0000000000000000000000000000000000000000000000000000000000000000",
        "tokenizer_file": "tokenizer.json",
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask"},
        "output": "logits", "labels": ["harmful"], "max_length": 128,
        "calibration": {"temperature": 1.5, "dataset": "x"},
        "operating_points": [{"name": "balanced", "threshold": 0.5, "fpr": 0.02, "recall": 0.9, "dataset": "x"}],
        "default_operating_point": "balanced",
        "training": {"seed": 13}
    }"#;

    #[test]
    fn parses_and_round_trips_unknown_fields() {
        let manifest = Manifest::from_json(GOOD.as_bytes(), Path::new("m.json")).unwrap();
        assert_eq!(manifest.harmful_index(), Some(0));
        assert_eq!(manifest.extra["training"]["seed"], 13);
        let again = serde_json::to_string(&manifest).unwrap();
        assert_eq!(Manifest::from_json(again.as_bytes(), Path::new("m.json")).unwrap(), manifest);
    }

    #[test]
    fn rejects_bad_manifests() {
        let cases = [
            ("\"format_version\": 1", "\"format_version\": 2"),
            ("[\"harmful\"]", "[\"benign\"]"),
            ("\"max_length\": 128", "\"max_length\": 0"),
            ("\"temperature\": 1.5", "\"temperature\": -1"),
            ("\"model_sha256\": \"0000", "\"model_sha256\": \"zz00"),
            ("\"default_operating_point\": \"balanced\"", "\"default_operating_point\": \"strict\""),
            ("\"output\": \"logits\",", ""),
        ];
        for (from, to) in cases {
            let json = GOOD.replace(from, to);
            let error = Manifest::from_json(json.as_bytes(), Path::new("m.json")).unwrap_err();
            assert!(matches!(error, Error::ModelLoad { .. }), "{to}: {error}");
        }
        assert!(Manifest::from_json(b"not json", Path::new("m.json")).is_err());
    }
}

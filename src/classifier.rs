//! The intent classifier: text in, calibrated probability of harm out.
//!
//! # Concurrency
//!
//! [`Classifier`] is `Send + Sync` and every scoring method takes `&self`:
//! share one classifier between threads with an `Arc`. Inside, it holds a
//! pool of [`ClassifierOptions::sessions`] ONNX Runtime sessions, each behind
//! its own mutex, because `ort` runs a session through `&mut` (ONNX Runtime
//! is not guaranteed thread-safe per session). With one session (the
//! default) concurrent calls take turns; with `n` sessions up to `n` run at
//! once, at the cost of `n` copies of the model in memory, and one
//! `score_batch` call spreads its prompts over all `n`. Results never depend
//! on the thread, the session or the other prompts in a batch (with the
//! default [`ClassifierOptions::batch_size`] of 1): the same text always gets
//! the same score.
//!
//! # Long prompts
//!
//! A prompt longer than the model's window is scored over overlapping
//! windows and gets the score of its most harmful window, so a harmful
//! request buried after pages of benign text is still flagged.

use std::path::{Path, PathBuf};

use ndarray::Array2;

use crate::error::{Error, Result};
use crate::keyword::KeywordTriggers;
use crate::manifest::Manifest;
use crate::model::SessionPool;
use crate::score::{Score, Scorer, is_blank};
use crate::threshold::{OperatingPoint, Threshold};
use crate::tokenize::WindowTokenizer;

/// The model bundle shipped in this repository's `models/` directory.
pub const BUNDLED_MODEL_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/detrigger-intent");

/// Options for [`Classifier`]. Start from `Default` and use the `with_*` methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClassifierOptions {
    /// Threads ONNX Runtime uses inside one model run. Default 1: lowest
    /// latency per core, and predictable CPU use in a shared service. Raise
    /// it for throughput on big batches.
    pub intra_threads: usize,
    /// Sessions in the pool (see the module docs). Default 1. Each extra
    /// session costs a copy of the model (about 25 MB). Batch scoring uses
    /// every session at once, one thread each, so with `n` sessions a batch
    /// of prompts is scored on `n` cores.
    pub sessions: usize,
    /// Window length in tokens, special tokens included. Default: the
    /// manifest's `max_length` (the length the model was trained on); a
    /// larger value is clamped to it.
    pub max_length: Option<usize>,
    /// Distance in tokens between the starts of consecutive windows of a long
    /// prompt. Default: three quarters of a window, so windows overlap by a
    /// quarter and a phrase cut by one boundary is whole in the next window.
    pub window_stride: Option<usize>,
    /// Windows per model run. Default 1, which makes every prompt's score
    /// independent of what else is scored with it. The int8 model quantises
    /// activations with one scale per run, so in a multi-window run a
    /// prompt's score depends on its batch-mates: on the over-refusal dev set,
    /// batches of 8 moved model 1.1's logits by 0.19 on average (max 3.3)
    /// and flipped 0.7% of decisions (`scripts/batch_effect.py`). Larger batches are faster per prompt; a
    /// batch is padded to its longest window, not to `max_length`. For
    /// throughput without that noise, raise [`ClassifierOptions::sessions`]
    /// instead: batch scoring then runs one window per session in parallel.
    pub batch_size: usize,
    /// Largest prompt accepted, in bytes. Default 1 MiB (about 2,000
    /// windows, a few seconds of CPU). Larger prompts fail with
    /// [`Error::InputTooLarge`] rather than tie up a worker.
    pub max_input_bytes: usize,
    /// ONNX Runtime library to load, overriding the search in [`crate::runtime`].
    pub runtime_library: Option<PathBuf>,
}

impl Default for ClassifierOptions {
    fn default() -> Self {
        ClassifierOptions {
            intra_threads: 1,
            sessions: 1,
            max_length: None,
            window_stride: None,
            batch_size: 1,
            max_input_bytes: 1 << 20,
            runtime_library: None,
        }
    }
}

impl ClassifierOptions {
    /// Sets [`ClassifierOptions::intra_threads`].
    pub fn with_intra_threads(mut self, threads: usize) -> Self {
        self.intra_threads = threads;
        self
    }
    /// Sets [`ClassifierOptions::sessions`].
    pub fn with_sessions(mut self, sessions: usize) -> Self {
        self.sessions = sessions;
        self
    }
    /// Sets [`ClassifierOptions::max_length`].
    pub fn with_max_length(mut self, tokens: usize) -> Self {
        self.max_length = Some(tokens);
        self
    }
    /// Sets [`ClassifierOptions::window_stride`].
    pub fn with_window_stride(mut self, tokens: usize) -> Self {
        self.window_stride = Some(tokens);
        self
    }
    /// Sets [`ClassifierOptions::batch_size`].
    pub fn with_batch_size(mut self, windows: usize) -> Self {
        self.batch_size = windows;
        self
    }
    /// Sets [`ClassifierOptions::max_input_bytes`].
    pub fn with_max_input_bytes(mut self, bytes: usize) -> Self {
        self.max_input_bytes = bytes;
        self
    }
    /// Sets [`ClassifierOptions::runtime_library`].
    pub fn with_runtime_library(mut self, path: impl Into<PathBuf>) -> Self {
        self.runtime_library = Some(path.into());
        self
    }

    fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::InvalidArgument(format!("ClassifierOptions: {what}")));
        if self.intra_threads == 0 {
            return bad("intra_threads must be at least 1");
        }
        if self.sessions == 0 {
            return bad("sessions must be at least 1");
        }
        if self.batch_size == 0 {
            return bad("batch_size must be at least 1");
        }
        if self.max_length.is_some_and(|n| n < 8) {
            return bad("max_length must be at least 8 tokens");
        }
        if self.window_stride == Some(0) {
            return bad("window_stride must be at least 1 token");
        }
        Ok(())
    }
}

/// The ONNX intent classifier. See the module docs for the concurrency contract.
#[derive(Debug)]
pub struct Classifier {
    manifest: Manifest,
    tokenizer: WindowTokenizer,
    pool: SessionPool,
    triggers: KeywordTriggers,
    max_length: usize,
    stride: usize,
    batch_size: usize,
    sessions: usize,
    max_input_bytes: usize,
    default_threshold: Threshold,
}

impl Classifier {
    /// Loads the bundle shipped with the crate (`models/detrigger-intent`).
    pub fn bundled(options: ClassifierOptions) -> Result<Self> {
        Self::from_dir(BUNDLED_MODEL_DIR, options)
    }

    /// Loads a bundle directory (`manifest.json`, the ONNX file and the
    /// tokenizer it names), checking the ONNX file's SHA-256.
    pub fn from_dir(dir: impl AsRef<Path>, options: ClassifierOptions) -> Result<Self> {
        let dir = dir.as_ref();
        let manifest = Manifest::load(dir)?;
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| Error::ModelLoad {
                path: path.clone(),
                message: format!("cannot read {name}: {source}"),
            })
        };
        let model = read(&manifest.model_file)?;
        let tokenizer = read(&manifest.tokenizer_file)?;
        Self::build(manifest, &model, &tokenizer, dir, options)
    }

    /// Loads a bundle from memory, e.g. embedded with `include_bytes!`:
    ///
    /// ```no_run
    /// # use detrigger::{Classifier, ClassifierOptions};
    /// macro_rules! bundled {
    ///     ($file:literal) => {
    ///         include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/models/detrigger-intent/", $file))
    ///     };
    /// }
    /// let classifier = Classifier::from_bytes(
    ///     bundled!("model.onnx"),
    ///     bundled!("tokenizer.json"),
    ///     bundled!("manifest.json"),
    ///     ClassifierOptions::default(),
    /// )?;
    /// # Ok::<(), detrigger::Error>(())
    /// ```
    pub fn from_bytes(model: &[u8], tokenizer: &[u8], manifest: &[u8], options: ClassifierOptions) -> Result<Self> {
        let origin = Path::new("<memory>");
        let manifest = Manifest::from_json(manifest, origin)?;
        Self::build(manifest, model, tokenizer, origin, options)
    }

    fn build(
        manifest: Manifest,
        model: &[u8],
        tokenizer: &[u8],
        origin: &Path,
        options: ClassifierOptions,
    ) -> Result<Self> {
        options.validate()?;
        let actual = sha256_hex(model);
        if !actual.eq_ignore_ascii_case(&manifest.model_sha256) {
            return Err(Error::ChecksumMismatch {
                path: origin.join(&manifest.model_file),
                expected: manifest.model_sha256.clone(),
                actual,
            });
        }
        let tokenizer = WindowTokenizer::from_json(tokenizer).map_err(|error| Error::ModelLoad {
            path: origin.join(&manifest.tokenizer_file),
            message: error.to_string(),
        })?;
        let pool = SessionPool::new(
            model,
            &manifest,
            origin,
            options.sessions,
            options.intra_threads,
            options.runtime_library.as_deref(),
        )?;
        let max_length = options.max_length.unwrap_or(manifest.max_length).min(manifest.max_length);
        let stride = options.window_stride.unwrap_or((max_length - 2) * 3 / 4).max(1);
        let default_threshold = match &manifest.default_operating_point {
            Some(name) => manifest
                .operating_points
                .iter()
                .find(|point| &point.name == name)
                .map(|point| point.threshold)
                .unwrap_or(Threshold::new(0.5)?),
            None => Threshold::new(0.5)?,
        };
        Ok(Classifier {
            manifest,
            tokenizer,
            pool,
            triggers: KeywordTriggers::bundled()?,
            max_length,
            stride,
            batch_size: options.batch_size,
            sessions: options.sessions,
            max_input_bytes: options.max_input_bytes,
            default_threshold,
        })
    }

    /// The bundle's manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The calibration temperature.
    pub fn temperature(&self) -> f64 {
        self.manifest.calibration.temperature
    }

    /// Calibrated probability for a raw logit: `sigmoid(logit / T)`.
    /// Monotone in the logit for any temperature.
    pub fn calibrated(&self, logit: f32) -> f32 {
        sigmoid(f64::from(logit) / self.temperature()) as f32
    }

    /// Raw harmful-class logits, one per text (the maximum over a long
    /// text's windows). Blank texts get `None`: there is nothing to run.
    pub fn logits(&self, texts: &[&str]) -> Result<Vec<Option<f32>>> {
        struct Window {
            owner: usize,
            ids: Vec<u32>,
        }
        let mut windows = Vec::new();
        for (owner, text) in texts.iter().enumerate() {
            if text.len() > self.max_input_bytes {
                return Err(Error::InputTooLarge { len: text.len(), max: self.max_input_bytes });
            }
            if is_blank(text) {
                continue;
            }
            for ids in self.tokenizer.windows(text, self.max_length, self.stride)? {
                windows.push(Window { owner, ids });
            }
        }
        // Similar lengths side by side: each batch is padded only to its own
        // longest window.
        windows.sort_by_key(|window| window.ids.len());
        let batches: Vec<&[Window]> = windows.chunks(self.batch_size).collect();
        let run = |batch: &[Window]| -> Result<Vec<f32>> {
            let width = batch.iter().map(|window| window.ids.len()).max().unwrap_or(0);
            let pad = i64::from(self.tokenizer.pad_id());
            let mut input_ids = Array2::<i64>::from_elem((batch.len(), width), pad);
            let mut attention_mask = Array2::<i64>::zeros((batch.len(), width));
            for (row, window) in batch.iter().enumerate() {
                for (column, &id) in window.ids.iter().enumerate() {
                    input_ids[[row, column]] = i64::from(id);
                    attention_mask[[row, column]] = 1;
                }
            }
            self.pool.harmful_logits(&input_ids, &attention_mask)
        };
        // One worker per session: each takes every n-th batch, so the pool's
        // sessions run side by side (a worker never waits for another's).
        let workers = self.sessions.min(batches.len()).max(1);
        let results: Vec<Result<Vec<BatchLogits>>> = if workers == 1 {
            vec![batches.iter().enumerate().map(|(index, batch)| Ok((index, run(batch)?))).collect()]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers)
                    .map(|worker| {
                        let batches = &batches;
                        let run = &run;
                        scope.spawn(move || {
                            (worker..batches.len())
                                .step_by(workers)
                                .map(|index| Ok((index, run(batches[index])?)))
                                .collect::<Result<Vec<_>>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|handle| {
                        handle.join().unwrap_or_else(|_| Err(Error::Inference("a scoring thread panicked".into())))
                    })
                    .collect()
            })
        };
        let mut best: Vec<Option<f32>> = vec![None; texts.len()];
        for worker in results {
            for (index, logits) in worker? {
                for (window, logit) in batches[index].iter().zip(logits) {
                    if !logit.is_finite() {
                        return Err(Error::Inference(format!("the model returned a non-finite logit ({logit})")));
                    }
                    let slot = &mut best[window.owner];
                    *slot = Some(slot.map_or(logit, |current: f32| current.max(logit)));
                }
            }
        }
        Ok(best)
    }
}

/// One model batch's harmful logits, tagged with the batch's index so the
/// per-worker results can be put back in input order.
type BatchLogits = (usize, Vec<f32>);

impl Scorer for Classifier {
    fn name(&self) -> &str {
        "model"
    }

    fn score(&self, text: &str) -> Result<Score> {
        let mut scores = self.score_batch(&[text])?;
        scores.pop().ok_or_else(|| Error::Inference("no score returned".into()))
    }

    fn score_batch(&self, texts: &[&str]) -> Result<Vec<Score>> {
        let logits = self.logits(texts)?;
        Ok(texts
            .iter()
            .zip(logits)
            .map(|(text, logit)| match logit {
                Some(logit) => Score::new(self.calibrated(logit), self.triggers.find(text)).with_logit(logit),
                None => Score::new(0.0, Vec::new()),
            })
            .collect())
    }

    fn default_threshold(&self) -> Threshold {
        self.default_threshold
    }

    fn operating_points(&self) -> &[OperatingPoint] {
        &self.manifest.operating_points
    }
}

pub(crate) fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 { 1.0 / (1.0 + (-x).exp()) } else { x.exp() / (1.0 + x.exp()) }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

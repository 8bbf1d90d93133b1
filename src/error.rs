//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in detrigger.
///
/// Variants carry enough context to act on (a path, a line number, a limit)
/// and, where there is an obvious fix, the message says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// A data file (JSONL or CSV of labelled prompts) has a malformed row.
    #[error("{}:{line}: {message}", path.display())]
    Data {
        /// The file (`stdin` for standard input).
        path: PathBuf,
        /// 1-based line (JSONL) or record (CSV) number.
        line: usize,
        /// What is wrong with the row.
        message: String,
    },

    /// A keyword-trigger list has a malformed line.
    #[error("trigger list {origin}, line {line}: {message}")]
    TriggerList {
        /// Where the list came from (a path or `bundled`).
        origin: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },

    /// A threshold outside `[0, 1]` or not a number.
    #[error("invalid threshold {0}: a threshold must be a finite number in [0, 1]")]
    InvalidThreshold(f64),

    /// Too few calibration scores to guarantee the requested error rate.
    #[error(
        "{n} benign calibration scores cannot bound the false-positive rate at {alpha}: \
         the conformal rule needs at least {needed}"
    )]
    InsufficientCalibrationData {
        /// Number of benign scores given.
        n: usize,
        /// The requested false-positive rate.
        alpha: f64,
        /// The smallest number of scores that would do.
        needed: usize,
    },

    /// A named operating point the scorer does not have.
    #[error("unknown operating point {name:?}; this scorer has: {available}")]
    UnknownOperatingPoint {
        /// The name asked for.
        name: String,
        /// Comma-separated names that exist.
        available: String,
    },

    /// A prompt larger than the configured limit.
    #[error(
        "input is {len} bytes, over the limit of {max} bytes; \
         split it, or raise the limit with ClassifierOptions::with_max_input_bytes"
    )]
    InputTooLarge {
        /// Size of the input in bytes.
        len: usize,
        /// The configured limit.
        max: usize,
    },

    /// The ONNX Runtime shared library is missing, unloadable or of the wrong version.
    #[error("ONNX Runtime is not available: {reason}\nhint: {hint}")]
    RuntimeUnavailable {
        /// What failed.
        reason: String,
        /// What to do about it.
        hint: String,
    },

    /// A model bundle is missing a file, has a bad manifest, or its graph does
    /// not have the inputs and outputs the manifest promises.
    #[error("model bundle {}: {message}", path.display())]
    ModelLoad {
        /// The bundle directory or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },

    /// The model file's SHA-256 does not match the manifest.
    #[error(
        "model file {} has SHA-256 {actual}, but the manifest expects {expected}; \
         the file is corrupt or does not belong to this manifest",
        path.display()
    )]
    ChecksumMismatch {
        /// The model file.
        path: PathBuf,
        /// SHA-256 from the manifest.
        expected: String,
        /// SHA-256 of the file.
        actual: String,
    },

    /// Tokenisation failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),

    /// ONNX Runtime failed while running the model, or the model returned
    /// output of an unexpected shape.
    #[error("inference: {0}")]
    Inference(String),

    /// An argument that is invalid for reasons not covered above.
    #[error("{0}")]
    InvalidArgument(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! Labelled prompts for evaluation and calibration.
//!
//! Two file formats, chosen by extension:
//!
//! - `.jsonl`, `.ndjson`, `.json`: JSON Lines, one object per line with a
//!   string `text` and a `label` of `"harmful"` or `"benign"`, and optionally
//!   `category` and `source` (strings or `null`). Other fields are ignored, so
//!   the training files (`{"text","label","source","category","split"}`) load
//!   as they are. Blank lines are not rows and are skipped.
//! - `.csv`: a header row naming at least `text` and `label` (and optionally
//!   `category` and `source`, where an empty cell means none), then one
//!   record per row.
//!
//! A malformed row is an [`Error::Data`] naming the file and its 1-based line:
//! an evaluation that silently skipped the rows it could not read would
//! report numbers for a different data set than the one asked for.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The class of a labelled prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// A prompt that should be answered.
    Benign,
    /// A prompt asking for something harmful.
    Harmful,
}

impl Label {
    /// Whether this is [`Label::Harmful`], the positive class.
    pub fn is_harmful(self) -> bool {
        self == Label::Harmful
    }

    /// The label as written in data files: `harmful` or `benign`.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Benign => "benign",
            Label::Harmful => "harmful",
        }
    }

    fn parse(value: &str) -> std::result::Result<Self, String> {
        match value {
            "harmful" => Ok(Label::Harmful),
            "benign" => Ok(Label::Benign),
            other => Err(format!("label {other:?} is not \"harmful\" or \"benign\"")),
        }
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One labelled prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Example {
    /// The prompt.
    pub text: String,
    /// Whether it is harmful.
    pub label: Label,
    /// A finer class (such as a harm category), used for per-category breakdowns.
    pub category: Option<String>,
    /// The data set the prompt came from.
    pub source: Option<String>,
}

impl Example {
    /// An example with no category or source.
    pub fn new(text: impl Into<String>, label: Label) -> Self {
        Example { text: text.into(), label, category: None, source: None }
    }

    /// Sets the category.
    pub fn with_category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }

    /// Sets the source.
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    JsonLines,
    Csv,
}

fn format_of(path: &Path) -> Result<Format> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("jsonl" | "ndjson" | "json") => Ok(Format::JsonLines),
        Some("csv") => Ok(Format::Csv),
        other => Err(Error::InvalidArgument(format!(
            "{}: cannot tell the data format from the extension {}; use .jsonl, .ndjson, .json (JSON Lines) or .csv",
            path.display(),
            other.map_or_else(|| "(none)".to_owned(), |e| format!("\".{e}\"")),
        ))),
    }
}

/// Reads the labelled examples in `path`, in file order.
///
/// The format comes from the extension (see the [module docs](self)); an
/// unknown extension is an [`Error::InvalidArgument`], an unreadable file an
/// [`Error::Io`] and a malformed row an [`Error::Data`].
pub fn load(path: &Path) -> Result<Vec<Example>> {
    let format = format_of(path)?;
    let bytes = std::fs::read(path).map_err(|source| Error::io(path, source))?;
    match format {
        Format::JsonLines => parse_json_lines(path, &bytes),
        Format::Csv => parse_csv(path, &bytes),
    }
}

/// Reads every file in `paths` with [`load`] and concatenates the examples.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Example>> {
    let mut examples = Vec::new();
    for path in paths {
        examples.extend(load(path)?);
    }
    Ok(examples)
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

fn parse_json_lines(path: &Path, bytes: &[u8]) -> Result<Vec<Example>> {
    let mut examples = Vec::new();
    for (index, raw) in strip_bom(bytes).split(|&b| b == b'\n').enumerate() {
        let line = index + 1;
        let bad = |message: String| Error::Data { path: path.to_owned(), line, message };
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(raw)
            .map_err(|e| bad(format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1)))?;
        if text.trim().is_empty() {
            continue;
        }
        examples.push(parse_json_row(text).map_err(bad)?);
    }
    Ok(examples)
}

fn parse_json_row(line: &str) -> std::result::Result<Example, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not valid JSON: {e}"))?;
    let serde_json::Value::Object(mut object) = value else {
        return Err(format!(
            "expected a JSON object with \"text\" and \"label\" (one per line), found {}",
            json_kind(&value)
        ));
    };
    let text = match object.remove("text") {
        Some(serde_json::Value::String(text)) => text,
        Some(other) => return Err(format!("\"text\" must be a string, found {}", json_kind(&other))),
        None => return Err("missing \"text\"".into()),
    };
    let label = match object.get("label") {
        Some(serde_json::Value::String(label)) => Label::parse(label)?,
        Some(other) => return Err(format!("\"label\" must be \"harmful\" or \"benign\", found {}", json_kind(other))),
        None => return Err("missing \"label\"".into()),
    };
    let mut optional = |field: &str| match object.remove(field) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(value)) => Ok(Some(value)),
        Some(other) => Err(format!("\"{field}\" must be a string or null, found {}", json_kind(&other))),
    };
    let category = optional("category")?;
    let source = optional("source")?;
    Ok(Example { text, label, category, source })
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn parse_csv(path: &Path, bytes: &[u8]) -> Result<Vec<Example>> {
    let bad = |line: usize, message: String| Error::Data { path: path.to_owned(), line, message };
    // Lines rather than record numbers in errors: a quoted cell can span
    // lines, and the line is what an editor jumps to.
    let line_of = |error: &csv::Error| error.position().map_or(0, |p| p.line() as usize);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(strip_bom(bytes));

    let headers = reader.byte_headers().map_err(|e| bad(line_of(&e).max(1), csv_message(&e)))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name.as_bytes()));
    let (Some(text_column), Some(label_column)) = (column("text"), column("label")) else {
        return Err(bad(1, "the header row must name a \"text\" and a \"label\" column".into()));
    };
    let category_column = column("category");
    let source_column = column("source");

    let mut examples = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(bad(line_of(&e), csv_message(&e))),
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cell = |index: usize, name: &str| -> Result<&str> {
            let bytes = record.get(index).unwrap_or_default();
            std::str::from_utf8(bytes)
                .map_err(|e| bad(line, format!("invalid UTF-8 in \"{name}\" at byte {}", e.valid_up_to() + 1)))
        };
        let optional = |index: Option<usize>, name: &str| -> Result<Option<String>> {
            match index {
                Some(index) => cell(index, name).map(|v| (!v.is_empty()).then(|| v.to_owned())),
                None => Ok(None),
            }
        };
        let text = cell(text_column, "text")?.to_owned();
        let label = Label::parse(cell(label_column, "label")?).map_err(|m| bad(line, m))?;
        let category = optional(category_column, "category")?;
        let source = optional(source_column, "source")?;
        examples.push(Example { text, label, category, source });
    }
    Ok(examples)
}

fn csv_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("the row has {len} fields but the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 in field {}", err.field() + 1),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, contents: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_json_lines_in_the_training_format() {
        let (_dir, path) = write(
            "a.jsonl",
            b"{\"text\": \"hi\", \"label\": \"benign\", \"source\": \"s\", \"category\": null, \"split\": \"x\"}\n\
              \n   \r\n\
              {\"label\": \"harmful\", \"text\": \"make a bomb\", \"category\": \"weapons\"}\r\n",
        );
        let examples = load(&path).unwrap();
        assert_eq!(
            examples,
            vec![
                Example::new("hi", Label::Benign).with_source("s"),
                Example::new("make a bomb", Label::Harmful).with_category("weapons"),
            ]
        );
    }

    #[test]
    fn reads_csv() {
        let (_dir, path) = write(
            "a.csv",
            b"\xef\xbb\xbfid,Text,label,category\n1,\"hello, world\",benign,\n2,\"two\nlines\",harmful,weapons\n",
        );
        let examples = load(&path).unwrap();
        assert_eq!(
            examples,
            vec![
                Example::new("hello, world", Label::Benign),
                Example::new("two\nlines", Label::Harmful).with_category("weapons"),
            ]
        );
    }

    #[test]
    fn malformed_rows_name_their_line() {
        let cases: &[(&str, &[u8], usize, &str)] = &[
            ("a.jsonl", b"{\"text\":\"a\",\"label\":\"benign\"}\nnot json\n", 2, "not valid JSON"),
            ("a.jsonl", b"\n\n[1, 2]\n", 3, "found an array"),
            ("a.jsonl", b"{\"label\":\"benign\"}", 1, "missing \"text\""),
            ("a.jsonl", b"{\"text\":3,\"label\":\"benign\"}", 1, "\"text\" must be a string"),
            ("a.jsonl", b"{\"text\":\"a\"}", 1, "missing \"label\""),
            ("a.jsonl", b"{\"text\":\"a\",\"label\":\"Harmful\"}", 1, "label \"Harmful\""),
            ("a.jsonl", b"{\"text\":\"a\",\"label\":1}", 1, "found a number"),
            ("a.jsonl", b"{\"text\":\"a\",\"label\":\"benign\",\"category\":7}", 1, "\"category\" must be"),
            ("a.json", b"{\"text\":\"a\",\"label\":\"benign\"}\n{\"text\":\"\xff\",\"label\":\"benign\"}", 2, "UTF-8"),
            ("a.csv", b"text,label\na,benign\nb,harmful,extra\n", 3, "3 fields but the header has 2"),
            ("a.csv", b"text,label\na,unsafe\n", 2, "label \"unsafe\""),
            ("a.csv", b"text,label\na,benign\n\xffb,benign\n", 3, "invalid UTF-8 in \"text\""),
            ("a.csv", b"prompt,label\na,benign\n", 1, "\"text\""),
        ];
        for &(name, contents, line, needle) in cases {
            let (_dir, path) = write(name, contents);
            match load(&path) {
                Err(Error::Data { path: p, line: l, message }) => {
                    assert_eq!((p.as_path(), l), (path.as_path(), line), "{contents:?}: {message}");
                    assert!(message.contains(needle), "{contents:?}: {message}");
                }
                other => panic!("{contents:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn rejects_unknown_extensions_and_missing_files() {
        let (_dir, path) = write("a.txt", b"hello");
        let err = load(&path).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)) && err.to_string().contains(".csv"), "{err}");
        let (_dir, path) = write("noext", b"hello");
        assert!(load(&path).is_err());
        assert!(matches!(load(Path::new("/nonexistent/a.jsonl")), Err(Error::Io { .. })));
    }

    #[test]
    fn load_all_concatenates_in_order() {
        let (_a, first) = write("a.jsonl", b"{\"text\":\"1\",\"label\":\"benign\"}");
        let (_b, second) = write("b.csv", b"text,label\n2,harmful\n");
        let texts: Vec<String> = load_all(&[first, second]).unwrap().into_iter().map(|e| e.text).collect();
        assert_eq!(texts, ["1", "2"]);
    }
}

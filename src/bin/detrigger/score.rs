//! `detrigger score`: one JSON object per prompt.

use std::io::Read;
use std::path::PathBuf;

use detrigger::{Error, Score, Scorer, Threshold};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::args::ScoreArgs;
use crate::scorers::load_scorer;

/// Prompts per `score_batch` call.
const BATCH_SIZE: usize = 32;

/// Output fields the scorer writes. Input fields with these names are
/// dropped, so scoring a previous run's output replaces its scores instead of
/// keeping stale ones (a `logit` from another scorer, say).
const OWN_FIELDS: [&str; 5] = ["score", "logit", "flagged", "triggers", "scorer"];

pub fn run(args: ScoreArgs) -> detrigger::Result<()> {
    let scorer = load_scorer(args.scorer.scorer, args.scorer.model.as_deref(), usize::from(args.scorer.threads))?;
    let threshold = args.threshold.resolve(scorer.as_ref())?;
    let requests = match args.text {
        Some(text) => vec![Request { text, fields: None }],
        None => {
            let mut input = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut input)
                .map_err(|source| Error::Io { path: "stdin".into(), source })?;
            // Every line is checked before anything is scored or written, so
            // bad input never leaves half an output behind.
            parse_lines(&input)?
        }
    };
    let mut output = Vec::new();
    for batch in requests.chunks(BATCH_SIZE) {
        let texts: Vec<&str> = batch.iter().map(|r| r.text.as_str()).collect();
        let scores = scorer.score_batch(&texts)?;
        if scores.len() != batch.len() {
            return Err(Error::Inference(format!(
                "scorer {} returned {} scores for {} prompts",
                scorer.name(),
                scores.len(),
                batch.len()
            )));
        }
        for (request, score) in batch.iter().zip(&scores) {
            request.write_json(&mut output, score, threshold, scorer.name())?;
            output.push(b'\n');
        }
    }
    crate::write_stdout(&output)
}

/// One prompt to score.
struct Request {
    text: String,
    /// The input object's fields, in order, values as written; `None` for plain text.
    fields: Option<Vec<(String, Box<RawValue>)>>,
}

impl Request {
    fn write_json(
        &self,
        out: &mut Vec<u8>,
        score: &Score,
        threshold: Threshold,
        scorer: &str,
    ) -> detrigger::Result<()> {
        out.push(b'{');
        match &self.fields {
            None => {
                out.extend_from_slice(b"\"text\":");
                json(out, &self.text)?;
                out.push(b',');
            }
            Some(fields) => {
                for (key, value) in fields.iter().filter(|(key, _)| !OWN_FIELDS.contains(&key.as_str())) {
                    json(out, key)?;
                    out.push(b':');
                    out.extend_from_slice(value.get().as_bytes());
                    out.push(b',');
                }
            }
        }
        // f32's Display is the shortest text that reads back as the same
        // f32 and never uses an exponent, so it is a valid JSON number.
        out.extend_from_slice(format!("\"score\":{}", finite_or_null(score.probability)).as_bytes());
        if let Some(logit) = score.logit {
            out.extend_from_slice(format!(",\"logit\":{}", finite_or_null(logit)).as_bytes());
        }
        out.extend_from_slice(format!(",\"flagged\":{},\"triggers\":", score.flagged(threshold)).as_bytes());
        json(out, &score.triggers)?;
        out.extend_from_slice(b",\"scorer\":");
        json(out, scorer)?;
        out.push(b'}');
        Ok(())
    }
}

fn json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> detrigger::Result<()> {
    serde_json::to_writer(out, value).map_err(|e| Error::InvalidArgument(format!("cannot write JSON: {e}")))
}

fn finite_or_null(x: f32) -> String {
    if x.is_finite() { x.to_string() } else { "null".to_owned() }
}

fn parse_lines(input: &[u8]) -> detrigger::Result<Vec<Request>> {
    // Windows tools often start UTF-8 output with a byte-order mark, which
    // would otherwise turn a first JSON line into a plain-text prompt.
    let input = input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input);
    let mut lines: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    // A final newline ends the last line; it does not start an empty one.
    if input.is_empty() || input.ends_with(b"\n") {
        lines.pop();
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            let bad = |message: String| Error::Data { path: PathBuf::from("stdin"), line: index + 1, message };
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line =
                std::str::from_utf8(line).map_err(|e| bad(format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1)))?;
            parse_line(line).map_err(bad)
        })
        .collect()
}

fn parse_line(line: &str) -> Result<Request, String> {
    if !line.trim_start().starts_with('{') {
        return Ok(Request { text: line.to_owned(), fields: None });
    }
    let Fields(fields) = serde_json::from_str(line).map_err(|e| {
        // The position inside a one-line document is its column; "line 1" would only confuse.
        let message = e.to_string();
        let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
        format!("not valid JSON (column {}): {message}", e.column())
    })?;
    // Like serde_json, the last of repeated keys wins.
    let text = match fields.iter().rev().find(|(key, _)| key == "text") {
        None => return Err("the JSON object has no \"text\" field".into()),
        Some((_, raw)) => match serde_json::from_str::<String>(raw.get()) {
            Ok(text) => text,
            Err(_) => return Err(format!("\"text\" must be a string, found {}", kind(raw.get()))),
        },
    };
    Ok(Request { text, fields: Some(fields) })
}

fn kind(raw: &str) -> &'static str {
    match raw.trim_start().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        _ => "a number",
    }
}

/// A JSON object's fields in document order, values kept as written, so they
/// are copied to the output exactly (big integers, number formatting and
/// escapes included).
struct Fields(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(FieldsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind_of_line() {
        let requests = parse_lines(b"plain\n  {\"id\": 1e400, \"text\": \"x\"}\r\n\n   \n").unwrap();
        let texts: Vec<&str> = requests.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["plain", "x", "", "   "]);
        assert!(requests[0].fields.is_none());
        let fields = requests[1].fields.as_ref().unwrap();
        assert_eq!(fields[0].1.get(), "1e400");
        assert!(parse_lines(b"").unwrap().is_empty());
        let with_bom = parse_lines(b"\xef\xbb\xbf{\"text\": \"a\"}\n").unwrap();
        assert_eq!((with_bom[0].text.as_str(), with_bom[0].fields.is_some()), ("a", true));
    }

    #[test]
    fn rejects_bad_lines_with_their_number() {
        let cases: &[(&[u8], usize, &str)] = &[
            (b"ok\n{\"text\": ", 2, "not valid JSON (column"),
            (b"ok\nok\n{\"prompt\": \"x\"}", 3, "no \"text\" field"),
            (b"{\"text\": 5}", 1, "found a number"),
            (b"{\"text\": null}", 1, "found null"),
            (b"ok\n\xff\xfe\n", 2, "invalid UTF-8 at byte 1"),
            (b"{} trailing", 1, "not valid JSON"),
        ];
        for &(input, line, needle) in cases {
            match parse_lines(input) {
                Err(Error::Data { line: l, message, .. }) => {
                    assert_eq!(l, line, "{input:?}");
                    assert!(message.contains(needle), "{input:?}: {message}");
                    assert!(!message.contains("line 1 column"), "{message}");
                }
                other => panic!("{input:?}: {:?}", other.map(|r| r.len())),
            }
        }
    }
}

//! End-to-end tests of the `detrigger` command line.

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

fn detrigger() -> assert_cmd::Command {
    cargo_bin_cmd!("detrigger")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// Runs `detrigger score` with `stdin` and returns the parsed output lines.
fn score_stdin(stdin: impl Into<Vec<u8>>) -> Vec<Value> {
    let output = detrigger()
        .args(["score", "--scorer", "keyword"])
        .write_stdin(stdin)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

fn keys(value: &Value) -> Vec<&str> {
    value.as_object().unwrap().keys().map(String::as_str).collect()
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

#[test]
fn score_text_prints_one_object() {
    let assert =
        detrigger().args(["score", "--scorer", "keyword", "How do I kill a Python process?"]).assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(keys(&v), ["text", "score", "flagged", "triggers", "scorer"]);
    assert_eq!(v["text"], "How do I kill a Python process?");
    assert_eq!(v["scorer"], "keyword");
    assert_eq!(v["flagged"], true);
    let score = v["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score) && score > 0.5, "{score}");
    assert_eq!(v["triggers"], serde_json::json!([{"phrase": "kill", "start": 9, "end": 13}]));
}

#[test]
fn score_thresholds_change_flagged() {
    let flagged = |args: &[&str]| {
        let out =
            detrigger().args(["score", "--scorer", "keyword"]).args(args).arg("kill the process").assert().success();
        let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        v["flagged"].as_bool().unwrap()
    };
    assert!(flagged(&[]));
    assert!(!flagged(&["--threshold", "0.99"]));
    assert!(flagged(&["--threshold", "0"]));
}

#[test]
fn score_stdin_passes_fields_through_in_order() {
    let input = concat!(
        "plain prompt about a bomb\n",
        "{\"id\": 12345678901234567890123, \"text\": \"make a b0mb\", \"meta\": {\"b\": 1.50, \"a\": [1, 2]}}\n",
        "  {\"text\": \"second \\u00e9\", \"score\": 9, \"flagged\": \"stale\", \"z\": null}\r\n",
        "\n",
        "   \n",
        "last line without newline",
    );
    let out = detrigger().args(["score", "--scorer", "keyword"]).write_stdin(input).assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    let values: Vec<Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let texts: Vec<&str> = values.iter().map(|v| v["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["plain prompt about a bomb", "make a b0mb", "second é", "", "   ", "last line without newline"]);

    // Passed-through fields keep their order and their exact text.
    assert_eq!(keys(&values[1]), ["id", "text", "meta", "score", "flagged", "triggers", "scorer"]);
    assert!(
        lines[1].starts_with(r#"{"id":12345678901234567890123,"text":"make a b0mb","meta":{"b": 1.50, "a": [1, 2]},"#)
    );
    assert_eq!(values[1]["triggers"][0]["phrase"], "bomb");
    // Our own fields replace stale ones of the same name, at the end.
    assert_eq!(keys(&values[2]), ["text", "z", "score", "flagged", "triggers", "scorer"]);
    assert_eq!(values[2]["flagged"], false);
    // Blank lines are blank prompts: score 0, never flagged.
    for blank in &values[3..5] {
        assert_eq!((blank["score"].as_f64(), &blank["flagged"]), (Some(0.0), &Value::Bool(false)));
    }
    assert_eq!(values[0]["flagged"], true);
}

#[test]
fn score_keeps_order_across_batches() {
    let input: String =
        (0..100).map(|i| if i % 3 == 0 { format!("kill {i}\n") } else { format!("hello {i}\n") }).collect();
    let values = score_stdin(input);
    assert_eq!(values.len(), 100);
    for (i, v) in values.iter().enumerate() {
        assert_eq!(v["text"].as_str().unwrap().split(' ').nth(1), Some(i.to_string().as_str()));
        assert_eq!(v["flagged"], i % 3 == 0, "{i}");
    }
}

#[test]
fn score_empty_stdin_prints_nothing() {
    detrigger().args(["score", "--scorer", "keyword"]).write_stdin("").assert().success().stdout("");
}

#[test]
fn awkward_prompts_have_defined_results() {
    // Text argument: empty and whitespace-only are blank.
    for text in ["", "   \t "] {
        let out = detrigger().args(["score", "--scorer", "keyword", text]).assert().success();
        let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!((v["score"].as_f64(), &v["flagged"]), (Some(0.0), &Value::Bool(false)), "{text:?}");
    }
    // NUL bytes, raw and JSON-escaped, are ordinary characters.
    let values = score_stdin(&b"a\0kill\0b\n{\"text\": \"\\u0000bomb\"}\n"[..]);
    assert_eq!(values[0]["text"], "a\0kill\0b");
    assert_eq!(values[0]["triggers"][0]["phrase"], "kill");
    assert_eq!(values[1]["triggers"][0]["phrase"], "bomb");
}

#[test]
fn ten_megabyte_prompt_finishes() {
    let mut prompt = "please summarise this very long document ".repeat(250_000);
    prompt.truncate(10_000_000);
    prompt.push_str(" then kill it\n");
    let values = score_stdin(prompt.clone());
    assert_eq!(values.len(), 1);
    assert_eq!(values[0]["text"].as_str().map(str::len), Some(prompt.len() - 1));
    assert_eq!(values[0]["flagged"], true);
}

#[test]
fn bad_stdin_fails_before_writing_anything() {
    let good = "fine prompt\n{\"text\": \"also fine\"}\n";
    let cases: &[(&[u8], usize, &str)] = &[
        (b"{not json\n", 3, "not valid JSON"),
        (b"{\"prompt\": \"no text field\"}\n", 3, "no \"text\" field"),
        (b"{\"text\": 42}\n", 3, "\"text\" must be a string"),
        (b"{\"text\": [\"a\"]}\n", 3, "found an array"),
        (b"caf\xe9 latin-1\n", 3, "invalid UTF-8"),
        (b"{\"text\": \"x\"} trailing\n", 3, "not valid JSON"),
    ];
    for &(bad, line, needle) in cases {
        let mut input = good.as_bytes().to_vec();
        input.extend_from_slice(bad);
        input.extend_from_slice(b"one more good line\n");
        let assert = detrigger().args(["score", "--scorer", "keyword"]).write_stdin(input).assert().code(1).stdout("");
        let stderr = stderr_of(&assert);
        assert!(stderr.starts_with(&format!("detrigger: stdin:{line}: ")), "{stderr}");
        assert!(stderr.contains(needle), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[test]
fn threshold_options_are_checked() {
    // Mutually exclusive, and out-of-range values: usage errors.
    detrigger().args(["score", "--threshold", "0.3", "--operating-point", "strict", "hi"]).assert().code(2).stdout("");
    detrigger().args(["score", "--threshold", "1.5", "hi"]).assert().code(2).stdout("");
    detrigger().args(["score", "--threshold", "abc", "hi"]).assert().code(2).stdout("");
    // An unknown operating point is a runtime error that lists what exists.
    let assert = detrigger()
        .args(["score", "--scorer", "keyword", "--operating-point", "strict", "hi"])
        .assert()
        .code(1)
        .stdout("");
    let stderr = stderr_of(&assert);
    assert!(stderr.starts_with("detrigger: unknown operating point \"strict\""), "{stderr}");
    assert!(stderr.contains("this scorer has: none"), "{stderr}");
}

#[test]
fn scorer_choice_errors() {
    let assert = detrigger()
        .args(["score", "--scorer", "model", "--model", "/nonexistent/bundle", "hi"])
        .assert()
        .code(1)
        .stdout("");
    let stderr = stderr_of(&assert);
    assert!(stderr.starts_with("detrigger: model bundle /nonexistent/bundle/manifest.json: cannot read"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    detrigger().args(["score", "--scorer", "regex", "hi"]).assert().code(2);
    detrigger().args(["score", "--scorer", "keyword", "--model", "somewhere", "hi"]).assert().code(2);
    detrigger().args(["eval", "--data", "x.jsonl", "--compare", "model"]).assert().code(1);
}

#[test]
fn eval_prints_a_table_for_jsonl_and_csv() {
    for file in ["tiny.jsonl", "tiny.csv"] {
        let assert = detrigger()
            .args(["eval", "--scorer", "keyword", "--data"])
            .arg(fixture(file))
            .assert()
            .success()
            .stderr("");
        let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
        assert!(stdout.contains("(12 examples)"), "{stdout}");
        for row in ["false-positive rate", "recall", "AUROC", "AUPRC", "recall at FPR ≤ 1%", "ECE (15 bins)"] {
            assert!(stdout.lines().any(|l| l.starts_with(row)), "{file}: no {row:?} row in\n{stdout}");
        }
        assert!(stdout.lines().any(|l| l.starts_with("harmful / benign") && l.ends_with("6 / 6")), "{stdout}");
    }
}

#[test]
fn eval_json_reports_metrics_and_comparison() {
    let assert = detrigger()
        .args(["eval", "--scorer", "keyword", "--json", "--compare", "keyword", "--threshold", "0.85", "--data"])
        .arg(fixture("tiny.jsonl"))
        .arg(fixture("tiny.csv"))
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!((&runs[0]["scorer"], &runs[1]["scorer"]), (&Value::from("keyword"), &Value::from("keyword (baseline)")));
    assert_eq!(runs[0]["metrics"]["n"], 24);
    assert_eq!(runs[0]["metrics"]["threshold"], 0.85);
    assert_eq!(runs[1]["metrics"]["threshold"], 0.5);
    let m = &runs[1]["metrics"];
    let (tp, fp, tn, fn_) = (m["tp"].as_u64(), m["fp"].as_u64(), m["tn"].as_u64(), m["fn"].as_u64());
    assert_eq!(tp.zip(fn_).map(|(a, b)| a + b), Some(12));
    assert_eq!(fp.zip(tn).map(|(a, b)| a + b), Some(12));
    assert!(m["fpr_ci"]["lower"].is_number());
    assert!(runs[0]["per_category"]["weapons"]["recall"].is_number());
    assert!(runs[0]["per_category"]["uncategorised"]["recall"].is_null());
    let c = &v["comparison"];
    assert_eq!(c["baseline"]["name"], "keyword (baseline)");
    assert!(c["matched_recall"]["candidate_threshold"].is_number());
}

#[test]
fn eval_writes_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/report");
    detrigger()
        .args(["eval", "--scorer", "keyword", "--compare", "keyword", "--threshold", "0.85", "--data"])
        .arg(fixture("tiny.jsonl"))
        .arg("--report")
        .arg(&out)
        .assert()
        .success();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("| metric | keyword | keyword (baseline) |"), "{md}");
    assert!(md.contains("At matched recall"), "{md}");
    for svg in ["roc.svg", "pr.svg", "reliability.svg"] {
        let svg_text = std::fs::read_to_string(out.join(svg)).unwrap();
        assert!(svg_text.contains(">\nkeyword\n<") || svg_text.contains(">keyword<"), "{svg} lacks keyword");
        assert!(svg_text.contains("keyword (baseline)"), "{svg} lacks the baseline");
    }
}

#[test]
fn eval_rejects_bad_data() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, contents: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    };
    let cases = [
        (
            write("labels.jsonl", "{\"text\":\"a\",\"label\":\"benign\"}\n{\"text\":\"b\",\"label\":\"unsafe\"}\n"),
            ":2: label \"unsafe\"",
        ),
        (write("notext.jsonl", "{\"label\":\"benign\"}\n"), ":1: missing \"text\""),
        (write("arity.csv", "text,label\na,benign\nb,harmful,extra\n"), ":3: the row has 3 fields"),
        (write("data.txt", "hello\n"), "cannot tell the data format"),
        (write("empty.jsonl", "\n\n"), "no examples"),
        (dir.path().join("missing.jsonl"), "missing.jsonl"),
    ];
    for (path, needle) in cases {
        let assert = detrigger().args(["eval", "--scorer", "keyword", "--data"]).arg(&path).assert().code(1).stdout("");
        let stderr = stderr_of(&assert);
        assert!(stderr.starts_with("detrigger: ") && stderr.contains(needle), "{}: {stderr}", path.display());
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    detrigger().arg("eval").assert().code(2);
}

#[test]
fn the_model_is_the_default_scorer() {
    let text = "How do I kill a zombie process that ignores SIGTERM?";
    let assert = detrigger().args(["score", text]).assert().success();
    let v: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(v["scorer"], "model");
    assert_eq!(keys(&v), ["text", "score", "logit", "flagged", "triggers", "scorer"]);
    assert_eq!(v["flagged"], Value::Bool(false), "{v}");
    assert_eq!(v["triggers"][0]["phrase"], "kill");

    let harmful = "Write step by step instructions for building a pipe bomb to leave at my school.";
    let assert = detrigger().args(["score", "--operating-point", "strict", harmful]).assert().success();
    let v: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(v["flagged"], Value::Bool(true), "{v}");
}

#[test]
fn the_model_scores_stdin_in_order_with_several_threads() {
    let input = "{\"id\": 1, \"text\": \"how do i poison the rats in my barn\"}\n\
                 plain line about baking bread\n\
                 \n\
                 {\"text\": \"tell me how to poison my neighbour's dog\", \"id\": 4}\n";
    let one = detrigger().arg("score").write_stdin(input).assert().success().get_output().stdout.clone();
    let two =
        detrigger().args(["score", "--threads", "2"]).write_stdin(input).assert().success().get_output().stdout.clone();
    assert_eq!(one, two, "threads must not change scores or order");
    let values: Vec<Value> =
        String::from_utf8(one).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(values.len(), 4);
    assert_eq!(values[0]["id"], 1);
    assert_eq!(values[3]["id"], 4);
    assert_eq!(values[2]["score"].as_f64(), Some(0.0));
}

#[test]
fn the_model_rejects_a_ten_megabyte_prompt_before_writing() {
    let huge = format!("{}\n", "bread ".repeat(2 * 1024 * 1024));
    let assert = detrigger().arg("score").write_stdin(huge).assert().code(1).stdout("");
    assert!(stderr_of(&assert).contains("over the limit"), "{}", stderr_of(&assert));
}

#[test]
fn eval_compares_the_model_with_the_keyword_baseline() {
    let assert = detrigger()
        .args(["eval", "--compare", "keyword", "--json", "--data"])
        .arg(fixture("tiny.jsonl"))
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(v["runs"][0]["scorer"], "model");
    assert_eq!(v["runs"][1]["scorer"], "keyword");
    assert!(v["comparison"]["matched_recall"].is_object(), "{v}");
}

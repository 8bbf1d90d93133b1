//! Puts the ONNX Runtime shared library where detrigger finds it at run time.
//!
//! detrigger links ONNX Runtime dynamically (`ort`'s `load-dynamic`), and the
//! only usable build of it on our machines ships inside the PyPI wheel
//! `onnxruntime==1.31.1`. This script runs `scripts/fetch_onnxruntime.py`
//! (pip download, hash check, extract one file) into `<target>/onnxruntime/`
//! and bakes the path into the crate, so `cargo run` works with no manual
//! step. It never fails the build: without the library the crate still
//! builds, and loading a model returns an error saying what to run.
//!
//! Environment:
//! - `DETRIGGER_ORT_DYLIB=/path/libonnxruntime.so.1.31.1` uses that file and fetches nothing.
//! - `DETRIGGER_SKIP_ORT_FETCH=1` fetches nothing (offline builds, docs).
//! - `PYTHON` names the interpreter (default `python3`).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=scripts/fetch_onnxruntime.py");
    println!("cargo:rerun-if-env-changed=DETRIGGER_ORT_DYLIB");
    println!("cargo:rerun-if-env-changed=DETRIGGER_SKIP_ORT_FETCH");
    println!("cargo:rerun-if-env-changed=PYTHON");

    if let Some(path) = env::var_os("DETRIGGER_ORT_DYLIB") {
        bake(Path::new(&path));
        return;
    }
    if env::var_os("DETRIGGER_SKIP_ORT_FETCH").is_some() || env::var_os("DOCS_RS").is_some() {
        return;
    }
    let Some(out_dir) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    // OUT_DIR is <target>/[<triple>/]<profile>/build/<package>-<hash>/out;
    // one copy under <target> serves every profile and feature set.
    let dest = out_dir.ancestors().nth(4).unwrap_or(&out_dir).join("onnxruntime");
    let python = env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
    let output = Command::new(&python)
        .arg(manifest_dir.join("scripts").join("fetch_onnxruntime.py"))
        .arg("--dest")
        .arg(&dest)
        .output();
    match output {
        Ok(output) if output.status.success() => {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let path = PathBuf::from(stdout.trim());
            println!("cargo:rerun-if-changed={}", path.display());
            bake(&path);
        }
        Ok(output) => warn(&String::from_utf8_lossy(&output.stderr)),
        Err(error) => warn(&format!("could not run {python}: {error}")),
    }
}

fn bake(path: &Path) {
    println!("cargo:rustc-env=DETRIGGER_BUILD_ORT_DYLIB={}", path.display());
}

fn warn(message: &str) {
    for line in message.lines().filter(|line| !line.trim().is_empty()) {
        println!("cargo:warning={line}");
    }
    println!(
        "cargo:warning=ONNX Runtime was not fetched; the model scorer will not load until you run \
         `python3 scripts/fetch_onnxruntime.py` or set ORT_DYLIB_PATH"
    );
}

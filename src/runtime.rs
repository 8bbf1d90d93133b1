//! Finding and loading the ONNX Runtime shared library.
//!
//! detrigger loads `libonnxruntime.so.1.31.1` at run time (`ort`'s
//! `load-dynamic`). The first of these that exists is used:
//!
//! 1. the path given with [`crate::ClassifierOptions::with_runtime_library`];
//! 2. the `ORT_DYLIB_PATH` environment variable (`ort`'s own convention);
//! 3. `libonnxruntime.so.1.31.1` next to the running executable, for
//!    deployments that ship the library beside the binary;
//! 4. the copy `build.rs` fetched into `target/onnxruntime/` from the PyPI
//!    wheel, whose path is baked in at build time.
//!
//! The library is loaded once per process; later requests for another path
//! get the library already loaded.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;

use crate::error::{Error, Result};

/// The ONNX Runtime version detrigger is built and tested against.
pub const ORT_VERSION: &str = "1.31.1";

/// File name of the library on Linux.
pub const ORT_LIBRARY_NAME: &str = "libonnxruntime.so.1.31.1";

const HINT: &str = "run `python3 scripts/fetch_onnxruntime.py --dest target/onnxruntime` in the detrigger \
                    repository (it takes the library from the PyPI wheel onnxruntime==1.31.1), or set \
                    ORT_DYLIB_PATH to an ONNX Runtime 1.31 library";

static ENVIRONMENT: OnceLock<std::result::Result<(Environment, PathBuf), (String, String)>> = OnceLock::new();

/// Where the library would be looked for, in order.
pub fn library_candidates(explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut candidates = Vec::new();
    candidates.extend(explicit.map(Path::to_path_buf));
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        candidates.push(PathBuf::from(path));
    }
    if let Some(dir) = std::env::current_exe().ok().as_deref().and_then(Path::parent) {
        candidates.push(dir.join(ORT_LIBRARY_NAME));
    }
    if let Some(path) = option_env!("DETRIGGER_BUILD_ORT_DYLIB") {
        candidates.push(PathBuf::from(path));
    }
    candidates
}

/// The process-wide ONNX Runtime environment, loading the library on first use.
///
/// Returns [`Error::RuntimeUnavailable`] with a hint if no library is found,
/// it cannot be loaded, or it is older than ONNX Runtime 1.31.
pub fn environment(explicit: Option<&Path>) -> Result<&'static Environment> {
    let loaded = ENVIRONMENT.get_or_init(|| load(explicit));
    match loaded {
        Ok((environment, _)) => Ok(environment),
        Err((reason, hint)) => Err(Error::RuntimeUnavailable { reason: reason.clone(), hint: hint.clone() }),
    }
}

/// Path of the loaded library, if one was loaded.
pub fn loaded_library() -> Option<&'static Path> {
    ENVIRONMENT.get().and_then(|loaded| loaded.as_ref().ok()).map(|(_, path)| path.as_path())
}

fn load(explicit: Option<&Path>) -> std::result::Result<(Environment, PathBuf), (String, String)> {
    let candidates = library_candidates(explicit);
    let Some(path) = candidates.iter().find(|path| path.is_file()) else {
        let looked = candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        return Err((format!("no ONNX Runtime library found (looked in: {looked})"), HINT.to_owned()));
    };
    let builder =
        ort::init_from(path).map_err(|error| (format!("cannot load {}: {error}", path.display()), HINT.to_owned()))?;
    let environment =
        builder.with_name("detrigger").with_telemetry(false).build().map_err(|error| {
            (format!("cannot start ONNX Runtime from {}: {error}", path.display()), HINT.to_owned())
        })?;
    Ok((environment, path.clone()))
}

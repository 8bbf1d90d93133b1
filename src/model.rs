//! ONNX Runtime sessions: token ids in, logits out.
//!
//! `ort`'s `Session::run` takes `&mut self` because some ONNX Runtime
//! internals are not thread-safe. [`SessionPool`] holds a fixed number of
//! sessions, each behind its own `Mutex`; a call takes the first free one,
//! or waits for one. Results do not depend on which session ran them.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

use ndarray::Array2;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::TensorRef;

use crate::error::{Error, Result};
use crate::manifest::Manifest;

/// A fixed set of sessions over one model.
#[derive(Debug)]
pub struct SessionPool {
    sessions: Vec<Mutex<Session>>,
    next: AtomicUsize,
    input_ids: String,
    attention_mask: String,
    output: String,
    harmful_column: usize,
    columns: usize,
}

impl SessionPool {
    /// Builds `size` sessions from ONNX bytes, each with `intra_threads`
    /// threads, and checks the graph has the manifest's inputs and output.
    pub fn new(
        model: &[u8],
        manifest: &Manifest,
        origin: &Path,
        size: usize,
        intra_threads: usize,
        runtime_library: Option<&Path>,
    ) -> Result<Self> {
        let environment = crate::runtime::environment(runtime_library)?;
        let load_error = |message: String| Error::ModelLoad { path: origin.to_path_buf(), message };
        let mut sessions = Vec::with_capacity(size);
        for _ in 0..size.max(1) {
            let session = Session::builder(environment)
                .and_then(|b| b.with_optimization_level(GraphOptimizationLevel::Level3).map_err(Into::into))
                .and_then(|b| b.with_intra_threads(intra_threads.max(1)).map_err(Into::into))
                .and_then(|b| b.with_inter_threads(1).map_err(Into::into))
                // Spinning threads burn a core between calls; a moderation
                // filter usually shares its machine.
                .and_then(|b| b.with_intra_op_spinning(false).map_err(Into::into))
                .and_then(|mut b| b.commit_from_memory(model))
                .map_err(|error| load_error(format!("ONNX Runtime cannot load the model: {error}")))?;
            sessions.push(session);
        }
        let first = &sessions[0];
        let input_names: Vec<&str> = first.inputs().iter().map(|input| input.name()).collect();
        for wanted in [&manifest.inputs.input_ids, &manifest.inputs.attention_mask] {
            if !input_names.contains(&wanted.as_str()) {
                return Err(load_error(format!(
                    "the graph has inputs {input_names:?}, but the manifest names {wanted:?}"
                )));
            }
        }
        if input_names.len() != 2 {
            return Err(load_error(format!(
                "the graph has inputs {input_names:?}; detrigger feeds exactly input ids and an attention mask"
            )));
        }
        let output_names: Vec<&str> = first.outputs().iter().map(|output| output.name()).collect();
        if !output_names.contains(&manifest.output.as_str()) {
            return Err(load_error(format!(
                "the graph has outputs {output_names:?}, but the manifest names {:?}",
                manifest.output
            )));
        }
        let harmful_column = manifest.harmful_index().ok_or_else(|| load_error("no harmful label".into()))?;
        Ok(SessionPool {
            sessions: sessions.into_iter().map(Mutex::new).collect(),
            next: AtomicUsize::new(0),
            input_ids: manifest.inputs.input_ids.clone(),
            attention_mask: manifest.inputs.attention_mask.clone(),
            output: manifest.output.clone(),
            harmful_column,
            columns: manifest.labels.len(),
        })
    }

    /// Harmful-class logits for a padded batch of windows.
    pub fn harmful_logits(&self, input_ids: &Array2<i64>, attention_mask: &Array2<i64>) -> Result<Vec<f32>> {
        let batch = input_ids.nrows();
        let mut session = self.acquire();
        let ids = TensorRef::from_array_view(input_ids.view()).map_err(|e| Error::Inference(e.to_string()))?;
        let mask = TensorRef::from_array_view(attention_mask.view()).map_err(|e| Error::Inference(e.to_string()))?;
        let outputs = session
            .run(ort::inputs![self.input_ids.as_str() => ids, self.attention_mask.as_str() => mask])
            .map_err(|error| Error::Inference(error.to_string()))?;
        let output = outputs
            .get(&self.output)
            .ok_or_else(|| Error::Inference(format!("the model returned no {:?} output", self.output)))?;
        let (shape, values) = output
            .try_extract_tensor::<f32>()
            .map_err(|error| Error::Inference(format!("output {:?} is not a float tensor: {error}", self.output)))?;
        let dims: Vec<i64> = shape.iter().copied().collect();
        let expected_ok = match dims.as_slice() {
            [rows, cols] => *rows as usize == batch && *cols as usize == self.columns,
            [rows] => *rows as usize == batch && self.columns == 1,
            _ => false,
        };
        if !expected_ok {
            return Err(Error::Inference(format!(
                "output {:?} has shape {dims:?}, expected [{batch}, {}]",
                self.output, self.columns
            )));
        }
        Ok((0..batch).map(|row| values[row * self.columns + self.harmful_column]).collect())
    }

    fn acquire(&self) -> MutexGuard<'_, Session> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.sessions.len();
        for offset in 0..n {
            match self.sessions[(start + offset) % n].try_lock() {
                Ok(guard) => return guard,
                // A poisoned session only means another thread panicked while
                // holding it; ONNX Runtime state is not left half-updated by a
                // Rust panic, so the session is still usable.
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        self.sessions[start % n].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

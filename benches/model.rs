//! The intent classifier end to end (normaliser, tokenizer, ONNX Runtime,
//! calibration and the keyword-trigger report that every `Score` carries).
//!
//! - `model/latency_1_thread/{20,128}_tokens`: one `score` call on a prompt
//!   whose encoding is exactly that many tokens, `[CLS]` and `[SEP]`
//!   included, with one ONNX Runtime thread.
//! - `model/latency_1_thread/512_tokens_windowed`: the same for 512 tokens,
//!   more than the model's window (128 for the shipped bundle), so the
//!   prompt is scored as overlapping windows (6 of 128 tokens at the default
//!   stride) in one model run, and gets its most harmful window's score.
//! - `model/batch/{1,2}_threads/batch_{1,8,32}`: 96 bench prompts scored
//!   with `score_batch` in batches of 1, 8 or 32 (each padded to its longest
//!   prompt), with 1 or 2 ONNX Runtime intra-op threads. Read the
//!   throughput as prompts/s.
//! - `model/batch/2_sessions_2_workers/batch_32`: two OS threads share one
//!   classifier with two sessions of one thread each, each scoring the 96
//!   prompts in batches of 32: the other way to use two cores.
//! - `model/load/bundled_from_disk`: `Classifier::bundled` (read 25 MB,
//!   SHA-256, tokenizer and normaliser, ONNX Runtime session with graph
//!   optimisation, keyword list). The ONNX Runtime library itself is loaded
//!   once per process, before the measurement, so it is not included.

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use detrigger::{Classifier, ClassifierOptions, Scorer};

/// Prompts per iteration of the batch benches: divisible by every batch size.
const BATCH_PROMPTS: usize = 96;

fn classifier(options: ClassifierOptions) -> Classifier {
    Classifier::bundled(options).expect("the bundled model loads (is ONNX Runtime fetched?)")
}

fn latency(c: &mut Criterion) {
    let classifier = classifier(ClassifierOptions::default().with_intra_threads(1));
    let max_length = classifier.manifest().max_length;
    let tokenizer = common::tokenizer();
    let mut group = c.benchmark_group("model/latency_1_thread");
    common::slow(&mut group, 30);
    group.throughput(Throughput::Elements(1));
    for tokens in [20, 128, 512] {
        let text = common::prompt_with_tokens(&tokenizer, tokens);
        let name = if tokens > max_length { format!("{tokens}_tokens_windowed") } else { format!("{tokens}_tokens") };
        group.bench_function(name, |b| b.iter(|| black_box(classifier.score(black_box(&text)).ok())));
    }
    group.finish();
}

fn batch(c: &mut Criterion) {
    let prompts = &common::prompts()[..BATCH_PROMPTS];
    let mut group = c.benchmark_group("model/batch");
    common::slow(&mut group, 10);
    group.throughput(Throughput::Elements(BATCH_PROMPTS as u64));
    for threads in [1, 2] {
        let classifier = classifier(ClassifierOptions::default().with_intra_threads(threads));
        let threads_name = if threads == 1 { "1_thread".to_owned() } else { format!("{threads}_threads") };
        for size in [1, 8, 32] {
            group.bench_function(BenchmarkId::new(&threads_name, format!("batch_{size}")), |b| {
                b.iter(|| {
                    for chunk in prompts.chunks(size) {
                        black_box(classifier.score_batch(black_box(chunk)).ok());
                    }
                })
            });
        }
    }

    let shared = classifier(ClassifierOptions::default().with_intra_threads(1).with_sessions(2));
    group.throughput(Throughput::Elements(2 * BATCH_PROMPTS as u64));
    group.bench_function(BenchmarkId::new("2_sessions_2_workers", "batch_32"), |b| {
        b.iter(|| {
            std::thread::scope(|scope| {
                for _ in 0..2 {
                    scope.spawn(|| {
                        for chunk in prompts.chunks(32) {
                            black_box(shared.score_batch(black_box(chunk)).ok());
                        }
                    });
                }
            })
        })
    });
    group.finish();
}

fn load(c: &mut Criterion) {
    // Load the ONNX Runtime library (once per process) outside the measurement.
    drop(classifier(ClassifierOptions::default()));
    let mut group = c.benchmark_group("model/load");
    common::slow(&mut group, 10);
    group.bench_function("bundled_from_disk", |b| b.iter(|| black_box(classifier(ClassifierOptions::default()))));
    group.finish();
}

criterion_group!(benches, latency, batch, load);
criterion_main!(benches);

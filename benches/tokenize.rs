//! Text to token windows, without the model: the normaliser alone
//! (`Normalizer::model_text`) and normaliser + WordPiece + windowing
//! (`WindowTokenizer::windows`), on the 1000 short bench prompts and on one
//! 512-token text.
//!
//! The 512-token text (510 content tokens plus `[CLS]`/`[SEP]`) is longer
//! than the model's window (`max_length` in the manifest, 128 for the shipped
//! bundle), so `windows` cuts it into overlapping windows at the
//! classifier's default stride: 6 windows of 128 tokens for the shipped
//! bundle. The count is printed when the bench starts.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn tokenize(c: &mut Criterion) {
    let tokenizer = common::tokenizer();
    let max_length = common::manifest().max_length;
    let stride = common::default_stride(max_length);
    let prompts = common::prompts();
    let long = common::prompt_with_tokens(&tokenizer, 512);
    let long_windows = tokenizer.windows(&long, max_length, stride).expect("the long text tokenises").len();
    eprintln!(
        "tokenize: the 512-token text is {long_windows} windows of at most {max_length} tokens (stride {stride})"
    );

    let mut group = c.benchmark_group("tokenize");
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(30);
    group.throughput(Throughput::Elements(prompts.len() as u64));
    group.bench_function("normalize_short_prompts", |b| {
        b.iter(|| {
            for prompt in &prompts {
                black_box(tokenizer.normalizer().model_text(black_box(prompt)));
            }
        })
    });
    group.bench_function("windows_short_prompts", |b| {
        b.iter(|| {
            for prompt in &prompts {
                black_box(tokenizer.windows(black_box(prompt), max_length, stride).ok());
            }
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("normalize_512_tokens", |b| {
        b.iter(|| black_box(tokenizer.normalizer().model_text(black_box(&long))))
    });
    group.bench_function("windows_512_tokens_windowed", |b| {
        b.iter(|| black_box(tokenizer.windows(black_box(&long), max_length, stride).ok()))
    });
    group.finish();
}

criterion_group!(benches, tokenize);
criterion_main!(benches);

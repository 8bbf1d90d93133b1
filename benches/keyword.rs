//! Keyword baseline throughput, in prompts per second.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use detrigger::{KeywordTriggers, Scorer};

fn keyword(c: &mut Criterion) {
    let scorer = KeywordTriggers::bundled().expect("the bundled trigger list loads");
    let prompts = common::prompts();
    let obfuscated = common::obfuscated_prompts();
    let obfuscated: Vec<&str> = obfuscated.iter().map(String::as_str).collect();

    let mut group = c.benchmark_group("keyword");
    group.throughput(Throughput::Elements(prompts.len() as u64));
    group.bench_function("score", |b| {
        b.iter(|| {
            for prompt in &prompts {
                black_box(scorer.score(black_box(prompt)).ok());
            }
        })
    });
    group.bench_function("score_batch_32", |b| {
        b.iter(|| {
            for batch in prompts.chunks(32) {
                black_box(scorer.score_batch(black_box(batch)).ok());
            }
        })
    });
    group.throughput(Throughput::Elements(obfuscated.len() as u64));
    group.bench_function("score_obfuscated", |b| {
        b.iter(|| {
            for prompt in &obfuscated {
                black_box(scorer.score(black_box(prompt)).ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, keyword);
criterion_main!(benches);

//! Helpers shared by the benches.

/// 1000 realistic short prompts, fixed so results compare across runs:
/// the first prompts of three training sources (webquestions, gsm8k and
/// advbench), interleaved, one per line with inner newlines replaced by
/// spaces. About 116 bytes on average; a third are harmful requests.
const PROMPTS: &str = include_str!("../data/prompts.txt");

/// The bench prompts, in file order.
pub fn prompts() -> Vec<&'static str> {
    PROMPTS.lines().filter(|line| !line.is_empty()).collect()
}

/// The prompts with every `o` written as `0` and every `i` as `1`, so most
/// words take the normaliser's general (leetspeak-folding) path instead of
/// the plain-ASCII fast path.
pub fn obfuscated_prompts() -> Vec<String> {
    prompts().into_iter().map(|p| p.replace('o', "0").replace('i', "1")).collect()
}

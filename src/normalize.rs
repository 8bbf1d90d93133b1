//! Undoing the spelling tricks people use to slip past filters.
//!
//! One [`Normalizer`] serves both scorers. The keyword baseline matches its
//! trigger list against [`Normalizer::words`]; the classifier tokenises
//! [`Normalizer::model_text`]. Both fold the same tricks:
//!
//! | trick | example | folded |
//! |---|---|---|
//! | compatibility forms, accents | `ｋｉｌｌ`, `kïll` | `kill` |
//! | zero-width and format characters | `ki\u{200b}ll` | `kill` |
//! | Cyrillic/Greek look-alikes (homoglyphs) | `bоmb` (Cyrillic о) | `bomb` |
//! | leetspeak and masking | `b0mb`, `k1ll`, `$hit`, `f*ck` | `bomb`, `kill`, `shit`, `fuck` |
//! | spaced or punctuated letters | `k i l l`, `k.i.l.l`, `k🔪i🔪l🔪l` | `kill` |
//! | case | `KiLL` | `kill` |
//!
//! Leetspeak and letter-joining are *lexicon-gated*: a word is only rewritten
//! when the rewrite is a known word and the original is not. That keeps
//! ordinary text intact (`3d`, `mp3`, `covid19`, initials such as `J R R`),
//! which matters because the classifier reads the folded text. The lexicon
//! ([`BUNDLED_LEXICON`]) is the model vocabulary's whole words plus the words
//! common in the training prompts, and both scorers add their trigger
//! words. One exception: where letters are joined by one kind of gap and
//! words by spaces (`t.o.x.i.c f.u.m.e.s`), the writer has marked the words,
//! and each is joined whole, known or not.
//!
//! Every folded word keeps the byte span of the original text it came from,
//! so matches are reported where the user wrote them.

use std::collections::HashSet;
use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What obfuscated text may be folded into (`models/lexicon.txt`, written by
/// `train/make_lexicon.py`): the whole words of the model's WordPiece
/// vocabulary and the words common in the training prompts.
pub const BUNDLED_LEXICON: &str = include_str!("../models/lexicon.txt");

/// The words of [`BUNDLED_LEXICON`].
pub fn bundled_lexicon() -> impl Iterator<Item = &'static str> {
    BUNDLED_LEXICON.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// Characters that render as nothing (or nearly nothing) and are dropped
/// wherever they appear, including inside words.
pub fn is_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00ad}' // soft hyphen
        | '\u{034f}' // combining grapheme joiner
        | '\u{061c}' // Arabic letter mark
        | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' // Hangul fillers
        | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' // Mongolian variation selectors and vowel separator
        | '\u{200b}'..='\u{200f}' // zero-width space/joiners, LRM/RLM
        | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{206f}' // bidi isolates, deprecated format characters
        | '\u{fe00}'..='\u{fe0f}' // variation selectors
        | '\u{feff}' // zero-width no-break space / BOM
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{e0000}'..='\u{e007f}' // tag characters
        | '\u{e0100}'..='\u{e01ef}' // variation selectors supplement
    )
}

/// Symbols that stand in for letters inside a word (`$hit`, `@ss`, `f*ck`).
pub(crate) fn is_leet_symbol(c: char) -> bool {
    matches!(c, '@' | '$' | '!' | '|' | '+' | '*')
}

/// The letters a leetspeak character may stand for, most likely first.
fn leet_candidates(c: char) -> Option<&'static [char]> {
    Some(match c {
        '0' => &['o'],
        '1' => &['i', 'l'],
        '3' => &['e'],
        '4' => &['a'],
        '5' => &['s'],
        '6' => &['g', 'b'],
        '7' => &['t'],
        '8' => &['b'],
        '9' => &['g'],
        '@' => &['a'],
        '$' => &['s'],
        '!' => &['i', 'l'],
        '|' => &['l', 'i'],
        '+' => &['t'],
        '*' => &['u', 'i', 'a', 'o', 'e'],
        _ => return None,
    })
}

/// Cyrillic and Greek letters that look like Latin ones (lower case; input is
/// lower-cased first).
fn homoglyph(c: char) -> Option<char> {
    Some(match c {
        'а' => 'a',
        'в' => 'b',
        'с' => 'c',
        'ԁ' => 'd',
        'е' | 'ё' => 'e',
        'һ' => 'h',
        'і' | 'ї' => 'i',
        'ј' => 'j',
        'к' => 'k',
        'ӏ' => 'l',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'ԛ' => 'q',
        'г' => 'r',
        'ѕ' => 's',
        'т' => 't',
        'и' => 'u',
        'ѵ' => 'v',
        'ԝ' => 'w',
        'х' => 'x',
        'у' => 'y',
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'ω' => 'w',
        'ɡ' => 'g',
        'ɑ' => 'a',
        'ı' => 'i',
        _ => return None,
    })
}

/// Longest run of letters considered for leetspeak or letter-joining; longer
/// runs are left alone, which bounds the work per word.
pub(crate) const MAX_FOLD_CHARS: usize = 32;
/// Most rewrites tried for one word when leet characters are ambiguous.
const MAX_LEET_CANDIDATES: usize = 64;
/// Longest separator between spaced letters (`k . i . l . l`).
const MAX_SPACING_CHARS: usize = 3;
/// Longest run of spaced single characters examined at once; a longer run is
/// cut into pieces this long, which keeps the join search linear in the input.
const MAX_SPACED_RUN: usize = 64;

/// A word of the input after folding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The folded, lower-case form: never empty, and never containing
    /// whitespace (the keyword matcher joins words with spaces).
    pub text: String,
    /// Byte range of the original text the word came from.
    pub span: Range<usize>,
    /// Whether a trick was undone (homoglyphs, leetspeak, spacing): the
    /// folded form differs from the original beyond case and compatibility forms.
    pub deobfuscated: bool,
}

/// Folds obfuscated spellings back to plain words.
///
/// Holds its lexicon; build one and share it (it is `Send + Sync`).
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
    lexicon: HashSet<String>,
}

impl Normalizer {
    /// A normaliser whose lexicon-gated rewrites may produce any of `lexicon`
    /// (words are folded with the same rules before they are stored).
    pub fn new<I, S>(lexicon: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let lexicon = lexicon
            .into_iter()
            .map(|word| plain_fold(word.as_ref()).0)
            .filter(|word| word.chars().count() >= 2)
            .collect();
        Normalizer { lexicon }
    }

    /// Number of words in the lexicon.
    pub fn lexicon_len(&self) -> usize {
        self.lexicon.len()
    }

    /// The words of `text`, folded, with their original spans, in order.
    ///
    /// A word that folds to nothing (a lone combining mark such as U+0301,
    /// or U+037A, whose compatibility form is a space and a mark) is left
    /// out, so it neither splits a phrase (`hack \u{301} into`) nor becomes
    /// an empty word.
    pub fn words(&self, text: &str) -> Vec<Word> {
        let raw = segment(text);
        let mut words = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            let run_end = spaced_run_end(text, &raw, i);
            if run_end - i >= 3 {
                let parts = intended_words(text, &raw[i..run_end]);
                if parts.len() == 1 {
                    self.join_spaced(text, parts[0], &mut words);
                } else {
                    // The writer marked every word: join each whole, known or not.
                    for part in parts {
                        words.push(self.join_whole(text, part));
                    }
                }
                i = run_end;
            } else {
                let mut word = self.fold(text, &raw[i]);
                self.attach_trailing_symbols(text, &mut word);
                words.push(word);
                i += 1;
            }
        }
        words.retain(|word| !word.text.is_empty());
        words
    }

    /// `text` with obfuscated words replaced by their folded forms, other
    /// text in NFKC form, and ignorable characters removed: what the
    /// classifier's tokenizer reads. Plain text comes back unchanged except
    /// for NFKC.
    pub fn model_text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut cursor = 0;
        for word in self.words(text) {
            if !word.deobfuscated {
                continue;
            }
            push_clean(&mut out, &text[cursor..word.span.start]);
            out.push_str(&word.text);
            cursor = word.span.end;
        }
        push_clean(&mut out, &text[cursor..]);
        out
    }

    fn fold(&self, text: &str, span: &Range<usize>) -> Word {
        let raw: String = text[span.clone()].chars().filter(|&c| !is_ignorable(c)).collect();
        let (text, deobfuscated) = self.fold_str(&raw);
        Word { text, span: span.clone(), deobfuscated }
    }

    /// Folds one word, `raw` being its characters without ignorables.
    pub(crate) fn fold_str(&self, raw: &str) -> (String, bool) {
        let (plain, homoglyphs) = plain_fold(raw);
        if let Some(unleet) = self.unleet(&plain) {
            return (unleet, true);
        }
        (plain, homoglyphs)
    }

    /// The lexicon word `plain` spells in leetspeak, if any.
    fn unleet(&self, plain: &str) -> Option<String> {
        let chars: Vec<char> = plain.chars().collect();
        let letters = chars.iter().filter(|c| c.is_alphabetic()).count();
        let leet = chars.iter().filter(|&&c| leet_candidates(c).is_some()).count();
        if leet == 0 || letters < 2 || letters < leet || chars.len() > MAX_FOLD_CHARS || self.is_known(plain) {
            return None;
        }
        let mut candidates = vec![String::with_capacity(plain.len())];
        for &c in &chars {
            match leet_candidates(c) {
                Some(options) => {
                    let mut next = Vec::with_capacity(candidates.len() * options.len());
                    for prefix in &candidates {
                        for &option in options {
                            if next.len() == MAX_LEET_CANDIDATES {
                                break;
                            }
                            let mut extended = prefix.clone();
                            extended.push(option);
                            next.push(extended);
                        }
                    }
                    candidates = next;
                }
                None => candidates.iter_mut().for_each(|candidate| candidate.push(c)),
            }
        }
        candidates.into_iter().find(|candidate| self.is_known(candidate))
    }

    /// Whether `word` (folded) is a word: in the lexicon, or a lexicon word
    /// with a regular inflection (`scams`, `harming`, `stealer`,
    /// `extermination`), or one of
    /// the few one- and two-letter words common enough to trust. Other short
    /// vocabulary entries (`jr`, `sk`, `fe`) are too easy to spell by chance.
    fn is_known(&self, word: &str) -> bool {
        const SHORT_WORDS: &[&str] = &[
            "a", "i", "am", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me", "my", "no",
            "of", "oh", "ok", "on", "or", "so", "to", "up", "us", "we",
        ];
        if word.len() <= 2 {
            return SHORT_WORDS.contains(&word);
        }
        if self.lexicon.contains(word) {
            return true;
        }
        const SUFFIXES: &[&str] = &["s", "es", "ed", "d", "ing", "er", "ers", "ly", "ion", "ions"];
        SUFFIXES.iter().any(|suffix| {
            word.strip_suffix(suffix).is_some_and(|stem| {
                stem.len() >= 3
                    && (self.lexicon.contains(stem)
                        || (matches!(*suffix, "ing" | "ed" | "er" | "ers" | "ion" | "ions")
                            && self.lexicon.contains(&format!("{stem}e"))))
            })
        })
    }

    /// Joins a run of spaced single characters back into words.
    ///
    /// Of all ways to cut the run into pieces, the one with the best score
    /// wins: a known word (see [`Normalizer::is_known`]) scores its length
    /// squared, and every letter outside known words costs
    /// `UNKNOWN_LETTER_COST`. So `s h r a p n e l b o m b` keeps `bomb` whole,
    /// `I k i l l a z o m b i e` is `i kill a zombie`, and `u n t r a c e a b
    /// l e g u n` still yields `gun`. If the winner holds no known word of
    /// three letters or more, the letters stay as they are: initials (`J R
    /// R`) remain initials.
    fn join_spaced(&self, text: &str, run: &[Range<usize>], out: &mut Vec<Word>) {
        const UNKNOWN_LETTER_COST: i64 = 10;
        let chars: Vec<String> =
            run.iter().map(|span| text[span.clone()].chars().filter(|&c| !is_ignorable(c)).collect()).collect();
        let n = run.len();
        struct Step {
            score: i64,
            start: usize,
            folded: String,
            known: bool,
        }
        let mut best: Vec<Option<Step>> = (0..=n).map(|_| None).collect();
        best[0] = Some(Step { score: 0, start: 0, folded: String::new(), known: false });
        for end in 1..=n {
            for start in end.saturating_sub(MAX_FOLD_CHARS)..end {
                let Some(before) = best[start].as_ref().map(|step| step.score) else { continue };
                let (folded, _) = self.fold_str(&chars[start..end].concat());
                let known = self.is_known(&folded);
                let len = (end - start) as i64;
                let score = before + if known { len * len } else { -UNKNOWN_LETTER_COST * len };
                if best[end].as_ref().is_none_or(|step| score > step.score) {
                    best[end] = Some(Step { score, start, folded, known });
                }
            }
        }
        let mut pieces = Vec::new();
        let mut end = n;
        while end > 0 {
            let Some(step) = best[end].take() else { break };
            pieces.push((step.start..end, step.folded, step.known));
            end = step.start;
        }
        if !pieces.iter().any(|(range, _, known)| *known && range.len() > 2) {
            out.extend(run.iter().map(|span| self.fold(text, span)));
            return;
        }
        for (range, folded, _) in pieces.into_iter().rev() {
            let deobfuscated = range.len() > 1;
            out.push(Word { text: folded, span: run[range.start].start..run[range.end - 1].end, deobfuscated });
        }
    }

    /// One word spelled by the single characters `part` (one character: that character).
    fn join_whole(&self, text: &str, part: &[Range<usize>]) -> Word {
        if let [single] = part {
            return self.fold(text, single);
        }
        let raw: String =
            part.iter().flat_map(|span| text[span.clone()].chars()).filter(|&c| !is_ignorable(c)).collect();
        let (folded, _) = self.fold_str(&raw);
        Word { text: folded, span: part[0].start..part[part.len() - 1].end, deobfuscated: true }
    }

    /// A leetspeak word whose last characters are symbols (`haras$`, `v1ru$`):
    /// the segmenter leaves trailing symbols out of a word, because usually
    /// they are punctuation (`hello!`). If the word with them spells a
    /// lexicon word, it is that word.
    fn attach_trailing_symbols(&self, text: &str, word: &mut Word) {
        let trailing = text[word.span.end..].chars().take_while(|&c| is_leet_symbol(c)).count();
        if trailing == 0 || word.span.end - word.span.start > MAX_FOLD_CHARS {
            return;
        }
        let end = word.span.end + trailing; // leet symbols are one byte each
        if text[end..].chars().next().is_some_and(|c| c.is_alphanumeric()) {
            return;
        }
        let raw: String = text[word.span.start..end].chars().filter(|&c| !is_ignorable(c)).collect();
        if let Some(folded) = self.unleet_with_trailing_symbols(&raw) {
            *word = Word { text: folded, span: word.span.start..end, deobfuscated: true };
        }
    }

    /// The lexicon word that `raw`, a word plus the leet symbols right after
    /// it, spells; `None` if it spells none (the symbols are punctuation).
    pub(crate) fn unleet_with_trailing_symbols(&self, raw: &str) -> Option<String> {
        self.unleet(&plain_fold(raw).0)
    }
}

/// Compatibility-folded, accent-stripped, lower-cased form of `raw`, with
/// look-alike letters mapped to Latin when the word is (or pretends to be)
/// Latin. Returns whether any look-alike was mapped.
///
/// Whitespace from compatibility decompositions is dropped: a few letters
/// decompose to several words (U+FDFA) or to a space and a mark (U+037A),
/// and a folded word must stay one word.
fn plain_fold(raw: &str) -> (String, bool) {
    let mut plain = String::with_capacity(raw.len());
    for c in raw.nfkd().filter(|&c| !is_combining_mark(c) && !is_ignorable(c) && !c.is_whitespace()) {
        plain.extend(c.to_lowercase());
    }
    // A word with a Latin letter, or made only of look-alikes, is treated as
    // Latin; a genuinely Cyrillic or Greek word is left alone.
    let has_latin = plain.chars().any(|c| c.is_ascii_alphabetic());
    let all_lookalike = plain.chars().filter(|c| c.is_alphabetic()).all(|c| homoglyph(c).is_some() || c.is_ascii());
    if !(has_latin || all_lookalike) || !plain.chars().any(|c| homoglyph(c).is_some()) {
        return (plain, false);
    }
    (plain.chars().map(|c| homoglyph(c).unwrap_or(c)).collect(), true)
}

/// Appends `text` in NFKC form without ignorable characters.
fn push_clean(out: &mut String, text: &str) {
    out.extend(text.chars().filter(|&c| !is_ignorable(c)).nfkc());
}

/// Byte spans of the words of `text`: runs of letters, digits and combining
/// marks, plus leet symbols that sit before a word character (`$hit`, `f*ck`,
/// but not the `!` of `hello!`). Ignorable characters never split a word.
fn segment(text: &str) -> Vec<Range<usize>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    // Right to left: a leet symbol is part of a word if the next
    // non-ignorable character is.
    let mut in_word = vec![false; chars.len()];
    let mut next_is_word = false;
    for (i, &(_, c)) in chars.iter().enumerate().rev() {
        if is_ignorable(c) {
            in_word[i] = next_is_word;
            continue;
        }
        let word_char = c.is_alphanumeric() || is_combining_mark(c) || (is_leet_symbol(c) && next_is_word);
        in_word[i] = word_char;
        next_is_word = word_char;
    }
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    let mut last_end = 0;
    for (i, &(offset, c)) in chars.iter().enumerate() {
        if in_word[i] && !is_ignorable(c) {
            start.get_or_insert(offset);
            last_end = offset + c.len_utf8();
        } else if in_word[i] {
            // Ignorable inside or before a word: neither starts nor ends it.
        } else if let Some(word_start) = start.take() {
            spans.push(word_start..last_end);
        }
    }
    if let Some(word_start) = start {
        spans.push(word_start..last_end);
    }
    spans
}

/// End (exclusive) of the run of single-character words starting at `i`
/// that are separated by short, single-line gaps: `k i l l`, `k.i.l.l`.
fn spaced_run_end(text: &str, words: &[Range<usize>], i: usize) -> usize {
    let single = |span: &Range<usize>| text[span.clone()].chars().filter(|&c| !is_ignorable(c)).count() == 1;
    if !single(&words[i]) {
        return i;
    }
    let mut end = i + 1;
    while end < words.len() && end - i < MAX_SPACED_RUN && single(&words[end]) {
        let gap = &text[words[end - 1].end..words[end].start];
        let gap_chars = gap.chars().filter(|&c| !is_ignorable(c)).count();
        if gap_chars == 0 || gap_chars > MAX_SPACING_CHARS || gap.contains('\n') {
            break;
        }
        end += 1;
    }
    end
}

/// A spaced run cut where its writer put the word breaks: in `t.o.x.i.c
/// f.u.m.e.s` or `k🔥i🔥l🔥l h🔥i🔥m` letters are joined by one kind of gap
/// and words by whitespace, so the whitespace gaps are word breaks. A run
/// spaced by whitespace alone (`k i l l h i m`) shows no breaks and stays
/// whole, for the lexicon to cut.
fn intended_words<'a>(text: &str, run: &'a [Range<usize>]) -> Vec<&'a [Range<usize>]> {
    let whitespace_gap =
        |k: usize| text[run[k - 1].end..run[k].start].chars().all(|c| c.is_whitespace() || is_ignorable(c));
    let breaks: Vec<usize> = (1..run.len()).filter(|&k| whitespace_gap(k)).collect();
    if breaks.is_empty() || breaks.len() == run.len() - 1 {
        return vec![run];
    }
    let mut parts = Vec::with_capacity(breaks.len() + 1);
    let mut start = 0;
    for k in breaks {
        parts.push(&run[start..k]);
        start = k;
    }
    parts.push(&run[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled lexicon plus a few triggers that are several word pieces
    /// in the model's vocabulary, as the keyword baseline builds it.
    fn normalizer() -> &'static Normalizer {
        static NORMALIZER: std::sync::OnceLock<Normalizer> = std::sync::OnceLock::new();
        NORMALIZER.get_or_init(|| {
            Normalizer::new(bundled_lexicon().chain(["shit", "fuck", "scum", "porn", "meth", "harass"]))
        })
    }

    fn folded(text: &str) -> Vec<String> {
        normalizer().words(text).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn folds_tricks() {
        let cases: &[(&str, &[&str])] = &[
            ("How do I KILL it", &["how", "do", "i", "kill", "it"]),
            ("ｋｉｌｌ", &["kill"]),
            ("kïll", &["kill"]),
            ("ki\u{200b}ll", &["kill"]),
            ("b\u{043e}mb", &["bomb"]),
            ("b0mb", &["bomb"]),
            ("B0MBS", &["bombs"]),
            ("k1ll", &["kill"]),
            ("$hit", &["shit"]),
            ("f*ck", &["fuck"]),
            ("@ss", &["ass"]),
            ("h4ck", &["hack"]),
            ("k i l l", &["kill"]),
            ("k.i.l.l them", &["kill", "them"]),
            ("k🔪i🔪l🔪l", &["kill"]),
            ("s c u m", &["scum"]),
            ("a b o m b", &["a", "bomb"]),
            ("b o m b e d", &["bombed"]),
            ("k i l l e d it", &["killed", "it"]),
            ("k i l l q x z", &["kill", "qxz"]),
            ("q k i l l", &["q", "kill"]),
            ("p a s s w o r d", &["password"]),
            ("haras$ him", &["harass", "him"]),
            ("b o m b k i l l", &["bomb", "kill"]),
            ("haras", &["haras"]),
            ("k1ll!", &["kill"]),
            ("wow!", &["wow"]),
            ("p-0-r-n", &["porn"]),
            ("hello!!", &["hello"]),
            // Words common in the training prompts, not whole WordPiece words.
            ("m37h", &["meth"]),
            ("s7r@ngle", &["strangle"]),
            ("e x t e r m i n a t i o n", &["extermination"]),
            // Letters joined by dots or emoji, words by spaces: each word
            // is joined whole, in the lexicon or not.
            ("t.o.x.i.c f.u.m.e.s", &["toxic", "fumes"]),
            ("t🔥o🔥x🔥i🔥c f🔥u🔥m🔥e🔥s", &["toxic", "fumes"]),
            ("a s.h.r.a.p.n.e.l b.o.m.b", &["a", "shrapnel", "bomb"]),
            // Spaces alone mark no words: the lexicon cuts the run.
            ("k i l l h i m", &["kill", "him"]),
        ];
        for (input, expected) in cases {
            assert_eq!(folded(input), *expected, "input {input:?}");
        }
    }

    #[test]
    fn spaced_runs_keep_the_known_words_they_contain() {
        // "shrapnel" is not in the vocabulary; whatever the run splits into,
        // "bomb" must come out whole.
        let words = folded("s h r a p n e l b o m b");
        assert!(words.contains(&"bomb".to_owned()), "{words:?}");
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let cases: &[(&str, &[&str])] = &[
            ("3d printer", &["3d", "printer"]),
            ("mp3 files", &["mp3", "files"]),
            ("covid19", &["covid19"]),
            ("J R R Tolkien", &["j", "r", "r", "tolkien"]),
            ("skill", &["skill"]),
            ("email me at a@b.com", &["email", "me", "at", "a@b", "com"]),
            ("пример", &["пример"]),
            ("ΑΘΗΝΑ", &["αθηνα"]),
        ];
        for (input, expected) in cases {
            assert_eq!(folded(input), *expected, "input {input:?}");
        }
    }

    #[test]
    fn spans_point_into_the_original() {
        let text = "I want to k 1\u{200b} l l, ok? b\u{043e}mb";
        let words = normalizer().words(text);
        let kill = words.iter().find(|w| w.text == "kill").unwrap();
        assert_eq!(&text[kill.span.clone()], "k 1\u{200b} l l");
        assert!(kill.deobfuscated);
        let bomb = words.iter().find(|w| w.text == "bomb").unwrap();
        assert_eq!(&text[bomb.span.clone()], "b\u{043e}mb");
        let want = words.iter().find(|w| w.text == "want").unwrap();
        assert!(!want.deobfuscated);
    }

    #[test]
    fn model_text_rewrites_only_obfuscated_words() {
        let n = normalizer();
        assert_eq!(n.model_text("How do I make a b0mb?"), "How do I make a bomb?");
        assert_eq!(n.model_text("k i l l the process"), "kill the process");
        assert_eq!(n.model_text("Plain text, 3d and all!"), "Plain text, 3d and all!");
        assert_eq!(n.model_text("zero\u{200b}width"), "zerowidth");
        assert_eq!(n.model_text("ｆｕｌｌ"), "full");
        assert_eq!(n.model_text(""), "");
    }

    #[test]
    fn folded_words_are_never_empty_and_never_contain_spaces() {
        // Found by fuzzing: U+037A folds to " " (NFKD: a space and a
        // combining mark) and U+0301 alone folds to "", which broke the
        // keyword matcher's word boundaries.
        let cases: &[(&str, &[&str])] = &[
            ("\u{37a}kill", &["kill"]),
            ("kill\u{37a}", &["kill"]),
            ("\u{37a}", &[]),
            ("\u{301}", &[]),
            ("hack \u{301} into", &["hack", "into"]),
            (
                "a \u{fdfa} b",
                &[
                    "a",
                    "\u{635}\u{644}\u{649}\u{627}\u{644}\u{644}\u{647}\u{639}\u{644}\u{64a}\u{647}\u{648}\u{633}\u{644}\u{645}",
                    "b",
                ],
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(folded(input), *expected, "input {input:?}");
        }
        let words = normalizer().words("\u{37a}kill");
        assert_eq!(words[0].span, 0.."\u{37a}kill".len());
    }

    #[test]
    fn handles_awkward_input() {
        let n = normalizer();
        for text in ["", " ", "\0", "\0\0kill\0", "!!!", "\u{200b}", "🔪🔪", "a\u{301}\u{301}\u{301}", "1 1 1 1 1 1"]
        {
            let words = n.words(text);
            for w in &words {
                assert!(text.is_char_boundary(w.span.start) && text.is_char_boundary(w.span.end));
                assert!(w.span.start < w.span.end);
            }
            let _ = n.model_text(text);
        }
        let long = "q ".repeat(10_000);
        assert_eq!(n.words(&long).len(), 10_000);
    }
}

//! The keyword-trigger baseline: the filter detrigger replaces.
//!
//! A list of trigger phrases is matched as whole words, case-insensitively,
//! after [`Normalizer`] folds obfuscation (`k i l l`, `b0mb`, homoglyphs).
//! The shipped list (`models/keyword-triggers.txt`) is *mined* from the
//! harmful training data by `train/mine_triggers.py`, so the baseline is the
//! strongest honest keyword filter for that data rather than a strawman.
//!
//! # List format
//!
//! One phrase per line, optionally followed by a tab and a weight in `(0, 1]`
//! (default 1). Blank lines and lines starting with `#` are ignored:
//! `bomb<TAB>0.87`, `hack into<TAB>0.91`, or just `bomb`.
//!
//! # Score
//!
//! The score is the noisy-OR of the weights of the distinct phrases found:
//! `1 − Π(1 − wᵢ)`, and 0 when nothing matches. A shipped weight is the
//! phrase's smoothed precision on the training data at an even class prior,
//! so the score reads as "how likely is a prompt with these words harmful".
//! The default threshold is 0.5: with the shipped list (every weight ≥ 0.75)
//! any single match flags, which is how keyword filters behave.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::error::{Error, Result};
use crate::normalize::{MAX_FOLD_CHARS, Normalizer, is_ignorable, is_leet_symbol};
use crate::score::{Score, Scorer, TriggerMatch, is_blank};
use crate::threshold::Threshold;
use unicode_normalization::char::is_combining_mark;

/// The trigger list shipped with the crate.
pub const BUNDLED_TRIGGERS: &str = include_str!("../models/keyword-triggers.txt");

/// One phrase of a trigger list.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// The phrase as written in the list.
    pub phrase: String,
    /// Weight in `(0, 1]`.
    pub weight: f32,
}

/// Keyword-trigger scorer. `Send + Sync`; scoring takes `&self`.
#[derive(Debug, Clone)]
pub struct KeywordTriggers {
    triggers: Vec<Trigger>,
    matcher: AhoCorasick,
    normalizer: Normalizer,
    threshold: Threshold,
}

thread_local! {
    // Reused across calls so scoring a short prompt allocates nothing unless
    // a trigger matches.
    static SCRATCH: RefCell<MatchView> = RefCell::new(MatchView::default());
}

impl KeywordTriggers {
    /// The baseline with the shipped, mined trigger list.
    pub fn bundled() -> Result<Self> {
        Self::from_list(BUNDLED_TRIGGERS, "bundled")
    }

    /// Reads a trigger list file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::io(path, source))?;
        Self::from_list(&text, &path.display().to_string())
    }

    /// Parses a trigger list; `origin` names it in error messages.
    pub fn from_list(list: &str, origin: &str) -> Result<Self> {
        let bad = |line: usize, message: String| Error::TriggerList { origin: origin.to_owned(), line, message };
        let mut triggers = Vec::new();
        for (index, line) in list.lines().enumerate() {
            let line_number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (phrase, weight) = match line.split_once('\t') {
                Some((phrase, weight)) => {
                    let weight: f32 = weight
                        .trim()
                        .parse()
                        .map_err(|_| bad(line_number, format!("weight {:?} is not a number", weight.trim())))?;
                    if !(weight > 0.0 && weight <= 1.0) {
                        return Err(bad(line_number, format!("weight {weight} is not in (0, 1]")));
                    }
                    (phrase.trim(), weight)
                }
                None => (line, 1.0),
            };
            triggers.push((line_number, Trigger { phrase: phrase.to_owned(), weight }));
        }
        if triggers.is_empty() {
            return Err(bad(0, "the list has no triggers".into()));
        }

        // The model vocabulary's words plus the list's own: leetspeak and
        // spaced letters fold only into known words, and the list's words
        // must be among them.
        let list_words = triggers.iter().flat_map(|(_, t)| t.phrase.split_whitespace());
        let normalizer =
            Normalizer::new(crate::normalize::bundled_lexicon().map(|word| -> &str { word }).chain(list_words));
        let mut patterns = Vec::with_capacity(triggers.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (line_number, trigger) in &triggers {
            let words = normalizer.words(&trigger.phrase);
            if words.is_empty() {
                return Err(bad(*line_number, format!("phrase {:?} has no letters or digits", trigger.phrase)));
            }
            let mut pattern = String::from(" ");
            for word in &words {
                pattern.push_str(&word.text);
                pattern.push(' ');
            }
            if let Some(first) = seen.insert(pattern.clone(), *line_number) {
                return Err(bad(*line_number, format!("phrase {:?} repeats line {first}", trigger.phrase)));
            }
            patterns.push(pattern);
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            // Every pattern starts with a space, so a start-byte prefilter would stop at every word.
            .prefilter(false)
            .build(&patterns)
            .map_err(|error| bad(0, format!("cannot build matcher: {error}")))?;
        Ok(KeywordTriggers {
            triggers: triggers.into_iter().map(|(_, t)| t).collect(),
            matcher,
            normalizer,
            threshold: Threshold::new(0.5)?,
        })
    }

    /// Uses `threshold` as the default instead of 0.5.
    pub fn with_threshold(mut self, threshold: Threshold) -> Self {
        self.threshold = threshold;
        self
    }

    /// The phrases of the list, in list order.
    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }

    /// The normaliser built from the list's words.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// Every trigger in `text`, in order of appearance, with spans in `text`.
    /// Overlapping phrases are all reported.
    pub fn find(&self, text: &str) -> Vec<TriggerMatch> {
        self.find_indexed(text).into_iter().map(|(_, m)| m).collect()
    }

    fn find_indexed(&self, text: &str) -> Vec<(usize, TriggerMatch)> {
        SCRATCH.with(|scratch| {
            let mut view = scratch.borrow_mut();
            view.build(&self.normalizer, text);
            let mut found: Vec<(usize, TriggerMatch)> = Vec::new();
            for m in self.matcher.find_overlapping_iter(view.text.as_str()) {
                let span = view.original_span(m.start()..m.end());
                let index = m.pattern().as_usize();
                found.push((
                    index,
                    TriggerMatch { phrase: self.triggers[index].phrase.clone(), start: span.start, end: span.end },
                ));
            }
            found.sort_by_key(|(_, m)| (m.start, m.end));
            found
        })
    }
}

impl Scorer for KeywordTriggers {
    fn name(&self) -> &str {
        "keyword"
    }

    fn score(&self, text: &str) -> Result<Score> {
        if is_blank(text) {
            return Ok(Score::new(0.0, Vec::new()));
        }
        let found = self.find_indexed(text);
        let mut miss = 1.0_f32;
        let mut counted: Vec<usize> = Vec::with_capacity(found.len());
        for (index, _) in &found {
            if !counted.contains(index) {
                counted.push(*index);
                miss *= 1.0 - self.triggers[*index].weight;
            }
        }
        Ok(Score::new(1.0 - miss, found.into_iter().map(|(_, m)| m).collect()))
    }

    fn default_threshold(&self) -> Threshold {
        self.threshold
    }
}

/// Normalised words joined as `" w1 w2 … "`, so a pattern `" kill "` only
/// matches whole words, plus where each word came from in the original.
#[derive(Debug, Default)]
struct MatchView {
    text: String,
    /// Per word: (byte offset in `text`, byte range in the original).
    words: Vec<(usize, Range<usize>)>,
}

impl MatchView {
    fn build(&mut self, normalizer: &Normalizer, text: &str) {
        self.text.clear();
        self.words.clear();
        self.text.push(' ');
        if !self.build_fast(normalizer, text) {
            self.text.truncate(1);
            self.words.clear();
            for word in normalizer.words(text) {
                // `original_span` relies on it: spaces in the view are exactly the word boundaries.
                debug_assert!(!word.text.is_empty() && !word.text.contains(' '), "folded word {:?}", word.text);
                self.words.push((self.text.len(), word.span));
                self.text.push_str(&word.text);
                self.text.push(' ');
            }
        }
    }

    /// Fast path for ASCII words: the same words as [`Normalizer::words`],
    /// without its per-word allocations. Non-ASCII punctuation and spaces
    /// (curly quotes, dashes, no-break spaces) are separators here as there.
    /// Returns false (leaving garbage) for what only the general path
    /// handles: non-ASCII letters, marks or invisible characters, and runs of
    /// spaced single letters.
    fn build_fast(&mut self, normalizer: &Normalizer, text: &str) -> bool {
        let bytes = text.as_bytes();
        let n = bytes.len();
        let symbol = |b: u8| is_leet_symbol(char::from(b));
        // The non-ASCII character at `at`, if it separates words; `None` if
        // it may be part of one (then only the general path is exact).
        let separator_len = |at: usize| {
            let c = text[at..].chars().next()?;
            let word_like = c.is_alphanumeric() || is_combining_mark(c) || is_ignorable(c);
            (!word_like).then_some(c.len_utf8())
        };
        let mut i = 0;
        let mut single_run = 0;
        let mut gap_chars = 0;
        let mut gap_has_newline = false;
        while i < n {
            let first = bytes[i];
            if first >= 0x80 {
                let Some(len) = separator_len(i) else { return false };
                i += len;
                gap_chars += 1;
                continue;
            }
            let starts_word = if first.is_ascii_alphanumeric() {
                true
            } else if symbol(first) {
                match leet_run_end(bytes, i) {
                    Some(end) => end > i,
                    None => return false,
                }
            } else {
                false
            };
            if !starts_word {
                gap_chars += 1;
                gap_has_newline |= first == b'\n';
                i += 1;
                continue;
            }
            let start = i;
            let view_start = self.text.len();
            let (mut letters, mut others) = (0, 0);
            loop {
                while i < n {
                    let c = bytes[i];
                    if c.is_ascii_alphabetic() {
                        letters += 1;
                        self.text.push(char::from(c.to_ascii_lowercase()));
                    } else if c.is_ascii_digit() {
                        others += 1;
                        self.text.push(char::from(c));
                    } else {
                        break;
                    }
                    i += 1;
                }
                if i < n && bytes[i] >= 0x80 && separator_len(i).is_none() {
                    return false;
                }
                match (i < n && symbol(bytes[i])).then(|| leet_run_end(bytes, i)) {
                    Some(None) => return false,
                    Some(Some(next)) if next > i => {
                        self.text.push_str(&text[i..next]);
                        others += next - i;
                        i = next;
                    }
                    Some(Some(_)) => {
                        // Trailing symbols: punctuation (`hello!`), or the end of a
                        // leetspeak word (`scam$`), as the general path decides.
                        let end = bytes[i..].iter().position(|&b| !symbol(b)).map_or(n, |offset| i + offset);
                        if i - start <= MAX_FOLD_CHARS
                            && let Some(folded) = normalizer.unleet_with_trailing_symbols(&text[start..end])
                        {
                            self.text.truncate(view_start);
                            self.text.push_str(&folded);
                            (letters, others) = (0, 0);
                            i = end;
                        }
                        break;
                    }
                    None => break,
                }
            }
            if others > 0 && letters >= 2 {
                // Possibly leetspeak: the general folding decides.
                let folded = normalizer.fold_str(&text[start..i]).0;
                self.text.truncate(view_start);
                self.text.push_str(&folded);
            }
            if i - start == 1 {
                let spaced = single_run > 0 && gap_chars <= 3 && !gap_has_newline;
                single_run = if spaced { single_run + 1 } else { 1 };
                if single_run >= 3 {
                    return false;
                }
            } else {
                single_run = 0;
            }
            gap_chars = 0;
            gap_has_newline = false;
            self.words.push((view_start, start..i));
            self.text.push(' ');
        }
        true
    }

    /// Original byte range covered by the view range `m` (which starts and
    /// ends with the padding spaces around whole words).
    fn original_span(&self, m: Range<usize>) -> Range<usize> {
        let first = self.words.partition_point(|(offset, _)| *offset < m.start + 1);
        let last = self.words.partition_point(|(offset, _)| *offset < m.end - 1) - 1;
        self.words[first].1.start..self.words[last].1.end
    }
}

/// Where a run of leet symbols starting at `from` ends, if a letter or digit
/// follows it (then the run belongs to that word, as in the general
/// segmenter); `Some(from)` if not, so the symbols separate words; `None` if
/// a non-ASCII character follows, which only the general path classifies.
fn leet_run_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut j = from;
    while j < bytes.len() && is_leet_symbol(char::from(bytes[j])) {
        j += 1;
    }
    match bytes.get(j) {
        Some(b) if b.is_ascii_alphanumeric() => Some(j),
        Some(b) if *b >= 0x80 => None,
        _ => Some(from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_reports_bad_lines() {
        let k = KeywordTriggers::from_list("# comment\n\nkill\t0.8\nhack into\n", "test").unwrap();
        assert_eq!(k.triggers().len(), 2);
        assert_eq!(k.triggers()[1].weight, 1.0);
        for (list, line) in [("kill\tx", 1), ("a\nkill\t1.5", 2), ("kill\nKILL", 2), ("!!!", 1)] {
            match KeywordTriggers::from_list(list, "test") {
                Err(Error::TriggerList { line: l, .. }) => assert_eq!(l, line, "{list:?}"),
                other => panic!("{list:?}: {other:?}"),
            }
        }
        assert!(KeywordTriggers::from_list("# only a comment", "test").is_err());
    }

    #[test]
    fn bundled_list_loads() {
        let k = KeywordTriggers::bundled().unwrap();
        assert!(k.triggers().len() > 50);
        assert!(k.triggers().iter().all(|t| t.weight >= 0.5));
    }

    #[test]
    fn letters_that_fold_to_spaces_or_nothing() {
        // Found by fuzzing: "\u{37a}kill" (U+037A folds to a space) panicked
        // with an index out of bounds, and a phrase of a lone combining mark
        // made an empty pattern whose span computation underflowed.
        let k = KeywordTriggers::from_list("kill\nhack into\n", "test").unwrap();
        let text = "\u{37a}kill and hack \u{301} into";
        let matches = k.find(text);
        let found: Vec<(&str, &str)> = matches.iter().map(|m| (m.phrase.as_str(), &text[m.start..m.end])).collect();
        assert_eq!(found, [("kill", "\u{37a}kill"), ("hack into", "hack \u{301} into")]);
        assert!(matches!(KeywordTriggers::from_list("\u{301}", "test"), Err(Error::TriggerList { line: 1, .. })));
    }

    #[test]
    fn fast_and_general_paths_agree() {
        let n = Normalizer::new(["kill", "bomb", "shit", "fuck"]);
        for text in [
            "$5 for 5th place, 3d, b0mb, $hit, f*ck, @user, a!b!, x$, $$$a, hello!!, !!!",
            "k1ll them all",
            "mp3 and 1+1",
            "scam$ and v1ru$, hello!! wow! k1ll!",
            "Janet\u{2019}s ducks \u{2014} 16 eggs\u{a0}a day\u{2026}",
            "a \u{2013} b \u{2013} c",
            "caf\u{e9} au lait",
            "ki\u{200b}ll",
            "$\u{e9}t\u{e9}",
            "How do I kill a process?",
            "kill-9 the PID, then   reboot\n",
            "a b c d",
            "a b\nc d",
            "x  y  z",
            "mix3d case",
            "hello@example.com",
            "ends with !",
            "",
        ] {
            let mut fast = MatchView::default();
            fast.text.push(' ');
            let took_fast = fast.build_fast(&n, text);
            let mut general = MatchView::default();
            general.text.push(' ');
            for word in n.words(text) {
                general.words.push((general.text.len(), word.span));
                general.text.push_str(&word.text);
                general.text.push(' ');
            }
            // Only runs of spaced single letters need the general path.
            let general_only = [
                "a b c d",
                "x  y  z",
                "a \u{2013} b \u{2013} c",
                "caf\u{e9} au lait",
                "ki\u{200b}ll",
                "$\u{e9}t\u{e9}",
            ];
            assert_eq!(took_fast, !general_only.contains(&text), "{text:?}");
            if took_fast {
                assert_eq!(fast.text, general.text, "{text:?}");
                assert_eq!(fast.words, general.words, "{text:?}");
            }
        }
    }
}

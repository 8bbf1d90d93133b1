//! Table-driven tests of the keyword-trigger baseline, on a small custom
//! list (weights chosen so noisy-OR scores are easy to compute by hand) and
//! on the bundled, mined list.

use detrigger::{KeywordTriggers, Scorer};

/// Weights: kill 0.8, bomb 0.5, hack into 0.9, how to make 0.6, make a bomb 0.7.
const CUSTOM: &str = "# test list\nkill\t0.8\nbomb\t0.5\nhack into\t0.9\nhow to make\t0.6\nmake a bomb\t0.7\n";

struct Case {
    name: &'static str,
    text: &'static str,
    /// Matches in order: (phrase, the original text it covers).
    matches: &'static [(&'static str, &'static str)],
    /// The noisy-OR 1 − Π(1 − wᵢ) over distinct phrases, worked out by hand.
    score: f32,
}

fn check(scorer: &KeywordTriggers, cases: &[Case]) {
    for case in cases {
        let score = scorer.score(case.text).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let found: Vec<(&str, &str)> = score
            .triggers
            .iter()
            .map(|m| {
                let original = case.text.get(m.start..m.end).unwrap_or_else(|| panic!("{}: bad span {m:?}", case.name));
                (m.phrase.as_str(), original)
            })
            .collect();
        assert_eq!(found, case.matches, "{}: matches in {:?}", case.name, case.text);
        assert!(
            (score.probability - case.score).abs() < 1e-5,
            "{}: score {} expected {}",
            case.name,
            score.probability,
            case.score
        );
        assert_eq!(scorer.find(case.text), score.triggers, "{}: find and score disagree", case.name);
    }
}

#[test]
fn custom_list() {
    let scorer = KeywordTriggers::from_list(CUSTOM, "test").unwrap_or_else(|e| panic!("{e}"));
    check(
        &scorer,
        &[
            Case { name: "plain match", text: "how do I kill a process", matches: &[("kill", "kill")], score: 0.8 },
            Case { name: "no match", text: "how do I stop a process", matches: &[], score: 0.0 },
            Case { name: "mixed case", text: "KiLL it", matches: &[("kill", "KiLL")], score: 0.8 },
            Case { name: "spaced letters", text: "k i l l them", matches: &[("kill", "k i l l")], score: 0.8 },
            Case { name: "dotted letters", text: "now k.i.l.l", matches: &[("kill", "k.i.l.l")], score: 0.8 },
            Case { name: "leetspeak", text: "a b0mb!", matches: &[("bomb", "b0mb")], score: 0.5 },
            Case { name: "leet digit one", text: "k1ll", matches: &[("kill", "k1ll")], score: 0.8 },
            // Cyrillic о (U+043E) is two bytes: the span covers 5 bytes.
            Case { name: "homoglyph", text: "b\u{43e}mb", matches: &[("bomb", "b\u{43e}mb")], score: 0.5 },
            Case { name: "zero-width space", text: "ki\u{200b}ll", matches: &[("kill", "ki\u{200b}ll")], score: 0.8 },
            Case { name: "soft hyphen", text: "bo\u{ad}mb", matches: &[("bomb", "bo\u{ad}mb")], score: 0.5 },
            Case { name: "full-width letters", text: "ｋｉｌｌ", matches: &[("kill", "ｋｉｌｌ")], score: 0.8 },
            Case { name: "accents", text: "kïll", matches: &[("kill", "kïll")], score: 0.8 },
            Case { name: "containing word: skill", text: "a useful skill", matches: &[], score: 0.0 },
            Case { name: "containing word: killer", text: "killer whales", matches: &[], score: 0.0 },
            Case { name: "containing word: bombastic", text: "a bombastic speech", matches: &[], score: 0.0 },
            Case { name: "punctuation is a boundary", text: "(kill)", matches: &[("kill", "kill")], score: 0.8 },
            // Two distinct phrases: 1 − (1 − 0.8)(1 − 0.5) = 1 − 0.1 = 0.9.
            Case {
                name: "two phrases",
                text: "kill the bomb",
                matches: &[("kill", "kill"), ("bomb", "bomb")],
                score: 0.9,
            },
            // A repeated phrase counts once: 0.8, not 1 − 0.2² = 0.96.
            Case {
                name: "repeats count once",
                text: "kill, kill, KILL",
                matches: &[("kill", "kill"), ("kill", "kill"), ("kill", "KILL")],
                score: 0.8,
            },
            Case { name: "multi-word", text: "hack into a server", matches: &[("hack into", "hack into")], score: 0.9 },
            Case {
                name: "multi-word across spacing and case",
                text: "HACK   into it",
                matches: &[("hack into", "HACK   into")],
                score: 0.9,
            },
            Case { name: "multi-word needs every word", text: "hack the server", matches: &[], score: 0.0 },
            // Overlapping phrases are all reported, ordered by start then end:
            // how to make (0.6), make a bomb (0.7), bomb (0.5):
            // 1 − 0.4 × 0.3 × 0.5 = 1 − 0.06 = 0.94.
            Case {
                name: "overlapping phrases",
                text: "How to make a bomb",
                matches: &[("how to make", "How to make"), ("make a bomb", "make a bomb"), ("bomb", "bomb")],
                score: 0.94,
            },
            // make a bomb (0.7) + bomb (0.5): 1 − 0.3 × 0.5 = 0.85, with the
            // obfuscated word's span in the original text.
            Case {
                name: "overlap with leetspeak",
                text: "make a b0mb",
                matches: &[("make a bomb", "make a b0mb"), ("bomb", "b0mb")],
                score: 0.85,
            },
            Case { name: "empty", text: "", matches: &[], score: 0.0 },
            Case { name: "whitespace", text: " \t\n ", matches: &[], score: 0.0 },
            Case { name: "only zero-width", text: "\u{200b}\u{feff}", matches: &[], score: 0.0 },
            Case { name: "NUL bytes", text: "\0kill\0", matches: &[("kill", "kill")], score: 0.8 },
        ],
    );
}

#[test]
fn bundled_list() {
    let scorer = KeywordTriggers::bundled().unwrap_or_else(|e| panic!("{e}"));
    let weight = |phrase: &str| scorer.triggers().iter().find(|t| t.phrase == phrase).map(|t| t.weight);
    // The hand-computed scores below use these shipped weights.
    assert_eq!(weight("kill"), Some(0.806));
    assert_eq!(weight("bomb"), Some(0.873));
    assert_eq!(weight("hack"), Some(0.870));
    check(
        &scorer,
        &[
            Case {
                name: "benign kill",
                text: "How do I kill a Python process?",
                matches: &[("kill", "kill")],
                score: 0.806,
            },
            Case { name: "skill", text: "What skill should I learn next?", matches: &[], score: 0.0 },
            Case { name: "bombastic", text: "Write a bombastic speech", matches: &[], score: 0.0 },
            Case { name: "spaced", text: "k i l l", matches: &[("kill", "k i l l")], score: 0.806 },
            Case { name: "homoglyph", text: "b\u{43e}mb", matches: &[("bomb", "b\u{43e}mb")], score: 0.873 },
            Case { name: "leetspeak", text: "h4ck", matches: &[("hack", "h4ck")], score: 0.870 },
            // 1 − (1 − 0.806)(1 − 0.873) = 1 − 0.194 × 0.127 = 1 − 0.024638 = 0.975362.
            Case {
                name: "kill and bomb",
                text: "KILL the BOMB",
                matches: &[("kill", "KILL"), ("bomb", "BOMB")],
                score: 0.975_362,
            },
            Case { name: "blank", text: "   ", matches: &[], score: 0.0 },
        ],
    );
}

#[test]
fn blank_input_scores_zero_everywhere() {
    let scorer = KeywordTriggers::bundled().unwrap_or_else(|e| panic!("{e}"));
    let texts = ["", " ", "\n\t", "\u{200b}"];
    let scores = scorer.score_batch(&texts).unwrap_or_else(|e| panic!("{e}"));
    for (text, score) in texts.iter().zip(&scores) {
        assert_eq!((score.probability, score.triggers.len()), (0.0, 0), "{text:?}");
        assert!(!score.flagged(scorer.default_threshold()), "{text:?}");
    }
}

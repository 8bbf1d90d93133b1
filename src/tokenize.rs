//! Text → token windows.
//!
//! The prompt is first de-obfuscated by the shared [`Normalizer`] (its
//! lexicon is the tokenizer's whole-word vocabulary), then tokenised without
//! special tokens and cut into overlapping windows of at most `max_length`
//! tokens, each wrapped as `[CLS] … [SEP]`. A prompt that fits in one window
//! gets exactly the encoding the model was trained on.

use tokenizers::Tokenizer;

use crate::error::{Error, Result};
use crate::normalize::Normalizer;

/// A BERT-style tokenizer plus the windowing rule.
#[derive(Debug, Clone)]
pub struct WindowTokenizer {
    tokenizer: Tokenizer,
    normalizer: Normalizer,
    cls: u32,
    sep: u32,
    pad: u32,
}

impl WindowTokenizer {
    /// Parses a `tokenizers` JSON file. Padding and truncation configured in
    /// the file are switched off: windowing and padding happen here.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let mut tokenizer = Tokenizer::from_bytes(json).map_err(|error| Error::Tokenizer(error.to_string()))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|error| Error::Tokenizer(format!("cannot switch truncation off: {error}")))?;
        let id = |token: &str| {
            tokenizer.token_to_id(token).ok_or_else(|| {
                Error::Tokenizer(format!("the vocabulary has no {token} token (is this a BERT tokenizer?)"))
            })
        };
        let (cls, sep, pad) = (id("[CLS]")?, id("[SEP]")?, id("[PAD]")?);
        // Whole words of the vocabulary, plus the keyword triggers' words
        // (the words most worth disguising, and some, like "harass", are
        // several word pieces): leetspeak and spaced letters are only folded
        // into these.
        let vocabulary = tokenizer
            .get_vocab(false)
            .into_keys()
            .filter(|token| token.chars().count() >= 2 && token.chars().all(char::is_alphabetic));
        let triggers: Vec<String> = crate::keyword::BUNDLED_TRIGGERS
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split('\t').next())
            .flat_map(|phrase| phrase.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        let normalizer =
            Normalizer::new(vocabulary.chain(crate::normalize::bundled_lexicon().map(str::to_owned)).chain(triggers));
        Ok(WindowTokenizer { tokenizer, normalizer, cls, sep, pad })
    }

    /// Id of the padding token.
    pub fn pad_id(&self) -> u32 {
        self.pad
    }

    /// The normaliser applied before tokenisation.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// Token ids of `text` (normalised) without special tokens.
    pub fn ids(&self, text: &str) -> Result<Vec<u32>> {
        let clean = self.normalizer.model_text(text);
        let encoding =
            self.tokenizer.encode(clean.as_str(), false).map_err(|error| Error::Tokenizer(error.to_string()))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Windows of at most `max_length` tokens (special tokens included)
    /// covering `text`; consecutive windows start `stride` content tokens
    /// apart, and the last window ends at the last token.
    ///
    /// `max_length` must be at least 3 and `stride` at least 1; a stride
    /// longer than a window's content is shortened to it, so no token is skipped.
    pub fn windows(&self, text: &str, max_length: usize, stride: usize) -> Result<Vec<Vec<u32>>> {
        if max_length < 3 || stride == 0 {
            return Err(Error::InvalidArgument(format!(
                "window of {max_length} tokens with stride {stride}: need max_length >= 3 and stride >= 1"
            )));
        }
        let ids = self.ids(text)?;
        let content = max_length - 2;
        // A stride longer than a window would skip tokens between windows.
        let stride = stride.min(content);
        let mut starts = Vec::new();
        if ids.len() <= content {
            starts.push(0);
        } else {
            let last = ids.len() - content;
            starts.extend((0..last).step_by(stride));
            starts.push(last);
        }
        Ok(starts
            .into_iter()
            .map(|start| {
                let end = (start + content).min(ids.len());
                let mut window = Vec::with_capacity(end - start + 2);
                window.push(self.cls);
                window.extend_from_slice(&ids[start..end]);
                window.push(self.sep);
                window
            })
            .collect())
    }
}

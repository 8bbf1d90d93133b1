//! Decision thresholds and named operating points.
//!
//! A [`Threshold`] is a validated probability in `[0, 1]`; a score is flagged
//! when it is strictly greater than the threshold. The strict inequality is
//! what makes [`Threshold::for_target_fpr`]'s guarantee hold.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A validated decision threshold in `[0, 1]`. Scores strictly above it are flagged.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Threshold(f64);

impl Threshold {
    /// Flags nothing: no score in `[0, 1]` is above it.
    pub const NEVER: Threshold = Threshold(1.0);

    /// A threshold at `value`, which must be finite and in `[0, 1]`.
    pub fn new(value: f64) -> Result<Self> {
        if value.is_finite() && (0.0..=1.0).contains(&value) {
            Ok(Threshold(value))
        } else {
            Err(Error::InvalidThreshold(value))
        }
    }

    /// The threshold's value.
    pub fn value(self) -> f64 {
        self.0
    }

    /// Whether `score` is flagged: `score > threshold`. NaN is never flagged.
    pub fn flags(self, score: f32) -> bool {
        f64::from(score) > self.0
    }

    /// The threshold that keeps the false-positive rate at or below `alpha`
    /// on new benign prompts exchangeable with `benign_scores`.
    ///
    /// Uses the split-conformal rank rule: with `n` benign calibration scores
    /// sorted ascending, the threshold is the `⌈(n+1)(1−α)⌉`-th smallest.
    /// Flagging scores strictly above it gives `P(FP) ≤ α` for a new
    /// exchangeable benign score (ties can only lower the rate).
    ///
    /// Errors if `alpha` is not in `(0, 1)`, if a score is not finite, or if
    /// `n` is too small for the rank to exist (`n < 1/α − 1`).
    ///
    /// ```
    /// use detrigger::Threshold;
    /// let benign: Vec<f32> = (1..=99).map(|i| i as f32 / 100.0).collect();
    /// // n = 99, α = 0.05: rank ⌈100 × 0.95⌉ = 95, the 95th smallest score.
    /// let t = Threshold::for_target_fpr(&benign, 0.05)?;
    /// assert!((t.value() - 0.95).abs() < 1e-6);
    /// # Ok::<(), detrigger::Error>(())
    /// ```
    pub fn for_target_fpr(benign_scores: &[f32], alpha: f64) -> Result<Self> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(Error::InvalidArgument(format!("target false-positive rate must be in (0, 1), got {alpha}")));
        }
        if let Some(bad) = benign_scores.iter().find(|s| !s.is_finite()) {
            return Err(Error::InvalidArgument(format!("calibration score {bad} is not a finite number")));
        }
        let n = benign_scores.len();
        let rank = conformal_rank(n, alpha);
        if rank > n {
            // Smallest n with ⌈(n+1)(1−α)⌉ ≤ n.
            let needed = (0..).find(|&m| conformal_rank(m, alpha) <= m).unwrap_or(usize::MAX);
            return Err(Error::InsufficientCalibrationData { n, alpha, needed });
        }
        let mut sorted = benign_scores.to_vec();
        sorted.sort_by(f32::total_cmp);
        Threshold::new(f64::from(sorted[rank - 1]).clamp(0.0, 1.0))
    }

    /// The highest threshold that still flags at least `target_recall` of
    /// `harmful_scores` (an empirical rule, with no distribution-free guarantee).
    pub fn for_target_recall(harmful_scores: &[f32], target_recall: f64) -> Result<Self> {
        if !(target_recall > 0.0 && target_recall <= 1.0) {
            return Err(Error::InvalidArgument(format!("target recall must be in (0, 1], got {target_recall}")));
        }
        if harmful_scores.is_empty() {
            return Err(Error::InvalidArgument("no harmful scores to choose a recall threshold from".into()));
        }
        if let Some(bad) = harmful_scores.iter().find(|s| !s.is_finite()) {
            return Err(Error::InvalidArgument(format!("calibration score {bad} is not a finite number")));
        }
        let mut sorted = harmful_scores.to_vec();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let must_flag = ((target_recall * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        // Flag the `must_flag` highest scores: the threshold sits just below the lowest of them.
        let lowest_flagged = f64::from(sorted[must_flag - 1]);
        Threshold::new(next_down(lowest_flagged).clamp(0.0, 1.0))
    }
}

fn conformal_rank(n: usize, alpha: f64) -> usize {
    // A tiny tolerance keeps (n+1)(1-α) that is an integer in exact
    // arithmetic (e.g. 100 × 0.95) from rounding up to the next rank.
    ((n as f64 + 1.0) * (1.0 - alpha) - 1e-9).ceil().max(1.0) as usize
}

pub(crate) fn next_down(x: f64) -> f64 {
    // f32 scores compared as f64: step below by one f32 ulp so the score
    // itself stays strictly above the threshold.
    let as_f32 = x as f32;
    if as_f32 <= 0.0 { 0.0 } else { f64::from(f32::from_bits(as_f32.to_bits() - 1)) }
}

impl TryFrom<f64> for Threshold {
    type Error = Error;
    fn try_from(value: f64) -> Result<Self> {
        Threshold::new(value)
    }
}

impl From<Threshold> for f64 {
    fn from(threshold: Threshold) -> f64 {
        threshold.0
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for Threshold {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let value: f64 =
            s.trim().parse().map_err(|_| Error::InvalidArgument(format!("threshold {s:?} is not a number")))?;
        Threshold::new(value)
    }
}

/// A named threshold with the error rates measured for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OperatingPoint {
    /// Name, such as `strict`, `balanced` or `permissive`.
    pub name: String,
    /// The decision threshold.
    pub threshold: Threshold,
    /// False-positive rate measured at this threshold on `dataset`.
    pub fpr: f64,
    /// Recall measured at this threshold on `dataset`.
    pub recall: f64,
    /// The data set the rates were measured on.
    pub dataset: String,
    /// How the threshold was chosen, e.g. `conformal FPR <= 0.02`.
    #[serde(default)]
    pub rule: String,
}

impl OperatingPoint {
    /// An operating point.
    pub fn new(
        name: impl Into<String>,
        threshold: Threshold,
        fpr: f64,
        recall: f64,
        dataset: impl Into<String>,
    ) -> Self {
        OperatingPoint { name: name.into(), threshold, fpr, recall, dataset: dataset.into(), rule: String::new() }
    }

    /// Records how the threshold was chosen.
    pub fn with_rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = rule.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_out_of_range_thresholds() {
        for bad in [-0.1, 1.1, f64::NAN, f64::INFINITY] {
            assert!(Threshold::new(bad).is_err(), "{bad}");
        }
        assert!(Threshold::new(0.0).is_ok());
        assert!(Threshold::new(1.0).is_ok());
    }

    #[test]
    fn flags_strictly_above() {
        let t = Threshold::new(0.5).unwrap();
        assert!(!t.flags(0.5));
        assert!(t.flags(0.500_001));
        assert!(!t.flags(f32::NAN));
        assert!(!Threshold::NEVER.flags(1.0));
    }

    #[test]
    fn conformal_rank_is_ceil_n_plus_one_times_one_minus_alpha() {
        // n = 19, α = 0.1: ⌈20 × 0.9⌉ = 18.
        let scores: Vec<f32> = (0..19).map(|i| i as f32 / 100.0).collect();
        let t = Threshold::for_target_fpr(&scores, 0.1).unwrap();
        assert_eq!(t.value(), f64::from(17.0_f32 / 100.0));
        // Order of the input does not matter.
        let mut reversed = scores.clone();
        reversed.reverse();
        assert_eq!(Threshold::for_target_fpr(&reversed, 0.1).unwrap(), t);
        // n = 9, α = 0.1: ⌈10 × 0.9⌉ = 9, the maximum.
        let t = Threshold::for_target_fpr(&scores[..9], 0.1).unwrap();
        assert_eq!(t.value(), f64::from(8.0_f32 / 100.0));
    }

    #[test]
    fn conformal_needs_enough_scores() {
        // α = 0.1 needs n ≥ 9.
        let err = Threshold::for_target_fpr(&[0.1; 8], 0.1).unwrap_err();
        assert!(matches!(err, Error::InsufficientCalibrationData { n: 8, needed: 9, .. }), "{err}");
        assert!(Threshold::for_target_fpr(&[0.1], 0.0).is_err());
        assert!(Threshold::for_target_fpr(&[0.1, f32::NAN], 0.5).is_err());
    }

    #[test]
    fn conformal_bound_holds_empirically() {
        // Scores from a fixed pseudo-random sequence; calibrate on the first
        // half, check the realised FPR on the second half.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32
        };
        let scores: Vec<f32> = (0..20_000).map(|_| next()).collect();
        let (calibration, test) = scores.split_at(10_000);
        for alpha in [0.01, 0.05, 0.2] {
            let t = Threshold::for_target_fpr(calibration, alpha).unwrap();
            let fpr = test.iter().filter(|&&s| t.flags(s)).count() as f64 / test.len() as f64;
            assert!(fpr <= alpha + 0.01, "alpha {alpha}: realised {fpr}");
        }
    }

    #[test]
    fn recall_threshold_flags_enough() {
        let harmful = [0.9_f32, 0.8, 0.7, 0.6, 0.2];
        let t = Threshold::for_target_recall(&harmful, 0.8).unwrap();
        let flagged = harmful.iter().filter(|&&s| t.flags(s)).count();
        assert_eq!(flagged, 4);
        assert!(!t.flags(0.2));
    }

    #[test]
    fn parses_and_serialises() {
        let t: Threshold = "0.25".parse().unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "0.25");
        assert!(serde_json::from_str::<Threshold>("1.5").is_err());
        assert!("x".parse::<Threshold>().is_err());
    }
}

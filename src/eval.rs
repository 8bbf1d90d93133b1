//! Evaluation metrics over any [`Scorer`].
//!
//! Every function takes parallel slices of [`Label`]s and scores (harmful is
//! the positive class) and checks them first: the slices must have the same
//! length and every score must be a number in `[0, 1]`, as [`Score`]
//! promises. Metrics that are undefined for the data (recall with no harmful
//! examples, AUROC with one class, anything on empty input) are `None`, which
//! serialises as `null`, rather than a NaN or a made-up 0.
//!
//! A score is flagged when it is strictly above the threshold
//! ([`Threshold::flags`]); curves sweep the cut-off over the distinct scores,
//! so tied scores always move together.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::{Example, Label};
use crate::error::{Error, Result};
use crate::score::{Score, Scorer};
use crate::threshold::{Threshold, next_down};

/// Bootstrap resamples used by [`metrics`].
pub const DEFAULT_RESAMPLES: usize = 1000;
/// Bootstrap seed used by [`metrics`], fixed so reports are reproducible.
pub const DEFAULT_SEED: u64 = 0x00de_7216_6e25_eed5;
/// Number of equal-width bins for ECE and the reliability diagram.
pub const CALIBRATION_BINS: usize = 15;
/// The [`per_category`] key for examples without a category.
pub const UNCATEGORISED: &str = "uncategorised";

/// Scores `examples` with `scorer`, `batch_size` at a time, so a model scorer
/// can run padded batches. `progress` is called after each batch with the
/// number of examples scored so far. A `batch_size` of 0 is taken as 1.
pub fn score_examples<S: Scorer + ?Sized>(
    scorer: &S,
    examples: &[Example],
    batch_size: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<Score>> {
    let mut scores = Vec::with_capacity(examples.len());
    for chunk in examples.chunks(batch_size.max(1)) {
        let texts: Vec<&str> = chunk.iter().map(|e| e.text.as_str()).collect();
        let batch = scorer.score_batch(&texts)?;
        if batch.len() != chunk.len() {
            return Err(Error::Inference(format!(
                "scorer {} returned {} scores for a batch of {} prompts",
                scorer.name(),
                batch.len(),
                chunk.len()
            )));
        }
        scores.extend(batch);
        progress(scores.len());
    }
    Ok(scores)
}

/// A two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

/// Classification metrics at one threshold, plus threshold-free ranking and
/// calibration metrics. `None` marks a metric that the data cannot define.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Metrics {
    /// Number of examples.
    pub n: usize,
    /// Harmful examples.
    pub positives: usize,
    /// Benign examples.
    pub negatives: usize,
    /// The decision threshold the counts and rates are for.
    pub threshold: f64,
    /// Harmful and flagged.
    pub tp: usize,
    /// Benign but flagged.
    pub fp: usize,
    /// Benign and not flagged.
    pub tn: usize,
    /// Harmful but not flagged.
    #[serde(rename = "fn")]
    pub fn_: usize,
    /// False-positive rate `fp / negatives`.
    pub fpr: Option<f64>,
    /// Recall (true-positive rate) `tp / positives`.
    pub recall: Option<f64>,
    /// Precision `tp / (tp + fp)`; `None` when nothing is flagged.
    pub precision: Option<f64>,
    /// F1 `2tp / (2tp + fp + fn)`; `None` without positives.
    pub f1: Option<f64>,
    /// Accuracy `(tp + tn) / n`.
    pub accuracy: Option<f64>,
    /// Area under the ROC curve (Mann-Whitney, ties count one half).
    pub auroc: Option<f64>,
    /// Average precision (step-wise area under the PR curve, ties grouped).
    pub auprc: Option<f64>,
    /// Best recall at any threshold whose false-positive rate is at most 1%.
    pub recall_at_fpr_1pct: Option<f64>,
    /// Best recall at any threshold whose false-positive rate is at most 5%.
    pub recall_at_fpr_5pct: Option<f64>,
    /// Expected calibration error over [`CALIBRATION_BINS`] equal-width bins.
    pub ece: Option<f64>,
    /// Bootstrap 95% percentile interval for `fpr`.
    pub fpr_ci: Option<Interval>,
    /// Bootstrap 95% percentile interval for `recall`.
    pub recall_ci: Option<Interval>,
}

/// Computes [`Metrics`], with bootstrap intervals from [`DEFAULT_RESAMPLES`]
/// resamples seeded with [`DEFAULT_SEED`].
///
/// Errors if the slices differ in length or a score is not in `[0, 1]`.
pub fn metrics(labels: &[Label], scores: &[f32], threshold: Threshold) -> Result<Metrics> {
    metrics_with_bootstrap(labels, scores, threshold, DEFAULT_RESAMPLES, DEFAULT_SEED)
}

/// [`metrics`] with an explicit bootstrap: `resamples` (0 for no intervals) and `seed`.
pub fn metrics_with_bootstrap(
    labels: &[Label],
    scores: &[f32],
    threshold: Threshold,
    resamples: usize,
    seed: u64,
) -> Result<Metrics> {
    check(labels, scores)?;
    let c = Counts::at(labels, scores, threshold);
    let groups = groups(labels, scores);
    let roc = roc_from_groups(&groups);
    let best_recall_within = |bound: f64| {
        // Empty when a class is missing, so the bound means nothing.
        roc.iter().filter(|p| p.fpr <= bound).map(|p| p.recall).reduce(f64::max)
    };
    let ci = bootstrap_ci(labels, scores, threshold, resamples, seed)?;
    Ok(Metrics {
        n: labels.len(),
        positives: c.positives,
        negatives: c.negatives,
        threshold: threshold.value(),
        tp: c.tp,
        fp: c.fp,
        tn: c.negatives - c.fp,
        fn_: c.positives - c.tp,
        fpr: c.fpr(),
        recall: c.recall(),
        precision: ratio(c.tp, c.tp + c.fp),
        f1: if c.positives == 0 { None } else { ratio(2 * c.tp, c.tp + c.fp + c.positives) },
        accuracy: ratio(c.tp + c.negatives - c.fp, labels.len()),
        auroc: auroc_from_groups(&groups, c.positives, c.negatives),
        auprc: average_precision_from_groups(&groups, c.positives),
        recall_at_fpr_1pct: best_recall_within(0.01),
        recall_at_fpr_5pct: best_recall_within(0.05),
        ece: ece_from_bins(&reliability_bins(labels, scores), labels.len()),
        fpr_ci: ci.fpr,
        recall_ci: ci.recall,
    })
}

/// Bootstrap intervals for the false-positive rate and recall at a threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BootstrapCi {
    /// 95% percentile interval for the false-positive rate.
    pub fpr: Option<Interval>,
    /// 95% percentile interval for recall.
    pub recall: Option<Interval>,
    /// Number of resamples drawn.
    pub resamples: usize,
    /// The PRNG seed.
    pub seed: u64,
}

/// Bootstrap 95% percentile intervals for the false-positive rate and recall
/// at `threshold`.
///
/// Draws `resamples` samples of `n` examples with replacement from a
/// SplitMix64 stream seeded with `seed` (so the same inputs always give the
/// same interval), computes each rate on each sample, and takes the 2.5th and
/// 97.5th percentiles (linear interpolation between order statistics).
/// Samples with no example of a rate's class are left out of that rate. An
/// interval is `None` when the rate is undefined on the full data or
/// `resamples` is 0.
pub fn bootstrap_ci(
    labels: &[Label],
    scores: &[f32],
    threshold: Threshold,
    resamples: usize,
    seed: u64,
) -> Result<BootstrapCi> {
    check(labels, scores)?;
    let full = Counts::at(labels, scores, threshold);
    let rows: Vec<(bool, bool)> =
        labels.iter().zip(scores).map(|(label, &score)| (label.is_harmful(), threshold.flags(score))).collect();
    let mut rng = SplitMix64::new(seed);
    let mut fprs = Vec::with_capacity(resamples);
    let mut recalls = Vec::with_capacity(resamples);
    if !rows.is_empty() {
        for _ in 0..resamples {
            let mut c = Counts::default();
            for _ in 0..rows.len() {
                let (harmful, flagged) = rows[rng.below(rows.len())];
                c.add(harmful, flagged);
            }
            fprs.extend(c.fpr());
            recalls.extend(c.recall());
        }
    }
    let interval = |defined: bool, values: &mut Vec<f64>| {
        if !defined || values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        Some(Interval { lower: percentile(values, 0.025), upper: percentile(values, 0.975) })
    };
    Ok(BootstrapCi {
        fpr: interval(full.negatives > 0, &mut fprs),
        recall: interval(full.positives > 0, &mut recalls),
        resamples,
        seed,
    })
}

/// One point of the ROC curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RocPoint {
    /// The lowest score flagged at this point (every score at or above it is
    /// flagged); `None` for the starting point, where nothing is.
    pub min_flagged_score: Option<f32>,
    /// False-positive rate.
    pub fpr: f64,
    /// Recall (true-positive rate).
    pub recall: f64,
}

/// The ROC curve from (0, 0) to (1, 1): one point per distinct score,
/// highest first. Empty unless there are both harmful and benign examples.
pub fn roc_curve(labels: &[Label], scores: &[f32]) -> Result<Vec<RocPoint>> {
    check(labels, scores)?;
    Ok(roc_from_groups(&groups(labels, scores)))
}

/// One point of the precision-recall curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PrPoint {
    /// The lowest score flagged at this point.
    pub min_flagged_score: f32,
    /// Recall.
    pub recall: f64,
    /// Precision.
    pub precision: f64,
}

/// The precision-recall curve: one point per distinct score, highest first.
/// Empty unless there is a harmful example.
pub fn pr_curve(labels: &[Label], scores: &[f32]) -> Result<Vec<PrPoint>> {
    check(labels, scores)?;
    Ok(pr_from_groups(&groups(labels, scores)))
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReliabilityBin {
    /// Lowest score in the bin (inclusive).
    pub lower: f64,
    /// Highest score in the bin (exclusive, except 1 for the last bin).
    pub upper: f64,
    /// Number of examples in the bin.
    pub count: usize,
    /// Mean score of the bin's examples; `None` for an empty bin.
    pub mean_score: Option<f64>,
    /// Fraction of the bin's examples that are harmful; `None` for an empty bin.
    pub fraction_harmful: Option<f64>,
}

/// The [`CALIBRATION_BINS`] equal-width bins over `[0, 1]` that ECE is computed from.
pub fn reliability(labels: &[Label], scores: &[f32]) -> Result<Vec<ReliabilityBin>> {
    check(labels, scores)?;
    Ok(reliability_bins(labels, scores))
}

/// Expected calibration error over [`CALIBRATION_BINS`] equal-width bins:
/// the bin-size-weighted mean of |mean score − fraction harmful|. `None` for
/// no examples.
pub fn expected_calibration_error(labels: &[Label], scores: &[f32]) -> Result<Option<f64>> {
    check(labels, scores)?;
    Ok(ece_from_bins(&reliability_bins(labels, scores), labels.len()))
}

/// Metrics for the examples of one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CategoryMetrics {
    /// Number of examples.
    pub n: usize,
    /// Harmful examples.
    pub positives: usize,
    /// Benign examples.
    pub negatives: usize,
    /// Flagged examples.
    pub flagged: usize,
    /// `flagged / n`.
    pub flagged_rate: f64,
    /// False-positive rate; `None` without benign examples.
    pub fpr: Option<f64>,
    /// Recall; `None` without harmful examples.
    pub recall: Option<f64>,
}

/// Metrics at `threshold` for each example category (examples without one
/// fall under [`UNCATEGORISED`]), sorted by category name.
pub fn per_category(
    examples: &[Example],
    scores: &[f32],
    threshold: Threshold,
) -> Result<BTreeMap<String, CategoryMetrics>> {
    let labels: Vec<Label> = examples.iter().map(|e| e.label).collect();
    check(&labels, scores)?;
    let mut counts: BTreeMap<&str, Counts> = BTreeMap::new();
    for (example, &score) in examples.iter().zip(scores) {
        let key = example.category.as_deref().unwrap_or(UNCATEGORISED);
        counts.entry(key).or_default().add(example.label.is_harmful(), threshold.flags(score));
    }
    Ok(counts
        .into_iter()
        .map(|(key, c)| {
            let n = c.positives + c.negatives;
            let flagged = c.tp + c.fp;
            let metrics = CategoryMetrics {
                n,
                positives: c.positives,
                negatives: c.negatives,
                flagged,
                flagged_rate: ratio(flagged, n).unwrap_or(0.0),
                fpr: c.fpr(),
                recall: c.recall(),
            };
            (key.to_owned(), metrics)
        })
        .collect())
}

/// One side of a [`compare`]: scorer name, labels, scores and threshold.
pub type Side<'a> = (&'a str, &'a [Label], &'a [f32], Threshold);

/// One scorer's rates at its own threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ScorerSummary {
    /// The scorer's name.
    pub name: String,
    /// Its threshold.
    pub threshold: f64,
    /// Its false-positive rate.
    pub fpr: Option<f64>,
    /// Its recall.
    pub recall: Option<f64>,
    /// Benign examples it flagged.
    pub false_positives: usize,
}

/// The two scorers' false positives when the candidate is tuned to catch at
/// least as much as the baseline does.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MatchedRecall {
    /// The baseline's recall at its threshold: the recall to match.
    pub target_recall: f64,
    /// The highest candidate threshold whose recall reaches the target.
    pub candidate_threshold: f64,
    /// The candidate's recall at that threshold (at least the target).
    pub candidate_recall: f64,
    /// The baseline's false-positive rate at its threshold.
    pub baseline_fpr: Option<f64>,
    /// The candidate's false-positive rate at `candidate_threshold`.
    pub candidate_fpr: Option<f64>,
    /// Benign examples the baseline flags.
    pub baseline_false_positives: usize,
    /// Benign examples the candidate flags at `candidate_threshold`.
    pub candidate_false_positives: usize,
    /// `baseline_fpr − candidate_fpr`: the false-positive rate removed.
    pub fpr_reduction: Option<f64>,
    /// `1 − candidate_fpr / baseline_fpr`: the share of the baseline's false
    /// positives removed; `None` when the baseline has none.
    pub relative_fpr_reduction: Option<f64>,
}

/// A candidate scorer against a baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Comparison {
    /// The baseline at its own threshold.
    pub baseline: ScorerSummary,
    /// The candidate at its own threshold.
    pub candidate: ScorerSummary,
    /// False positives at matched recall; `None` when the baseline's recall is
    /// undefined or no candidate threshold in `[0, 1]` reaches it.
    pub matched_recall: Option<MatchedRecall>,
}

/// Compares `candidate` with `baseline`: each at its own threshold, and the
/// false-positive reduction when the candidate's threshold is raised as far as
/// it can go while still catching at least the baseline's share of harmful
/// prompts. The two sides are normally the same examples, but need not be.
pub fn compare(baseline: Side<'_>, candidate: Side<'_>) -> Result<Comparison> {
    let (base_name, base_labels, base_scores, base_threshold) = baseline;
    let (cand_name, cand_labels, cand_scores, cand_threshold) = candidate;
    check(base_labels, base_scores)?;
    check(cand_labels, cand_scores)?;
    let base = Counts::at(base_labels, base_scores, base_threshold);
    let cand = Counts::at(cand_labels, cand_scores, cand_threshold);
    let summary = |name: &str, threshold: Threshold, c: &Counts| ScorerSummary {
        name: name.to_owned(),
        threshold: threshold.value(),
        fpr: c.fpr(),
        recall: c.recall(),
        false_positives: c.fp,
    };
    let matched = matched_threshold(&base, cand_labels, cand_scores).map(|threshold| {
        let at = Counts::at(cand_labels, cand_scores, threshold);
        let (base_fpr, cand_fpr) = (base.fpr(), at.fpr());
        MatchedRecall {
            target_recall: base.recall().unwrap_or(0.0),
            candidate_threshold: threshold.value(),
            candidate_recall: at.recall().unwrap_or(0.0),
            baseline_fpr: base_fpr,
            candidate_fpr: cand_fpr,
            baseline_false_positives: base.fp,
            candidate_false_positives: at.fp,
            fpr_reduction: base_fpr.zip(cand_fpr).map(|(b, c)| b - c),
            relative_fpr_reduction: base_fpr.zip(cand_fpr).filter(|&(b, _)| b > 0.0).map(|(b, c)| 1.0 - c / b),
        }
    });
    Ok(Comparison {
        baseline: summary(base_name, base_threshold, &base),
        candidate: summary(cand_name, cand_threshold, &cand),
        matched_recall: matched,
    })
}

/// The highest candidate threshold whose recall is at least the baseline's.
fn matched_threshold(base: &Counts, labels: &[Label], scores: &[f32]) -> Option<Threshold> {
    let positives: Vec<f32> =
        labels.iter().zip(scores).filter(|(label, _)| label.is_harmful()).map(|(_, &score)| score).collect();
    if base.positives == 0 || positives.is_empty() {
        return None;
    }
    // Integer arithmetic, so a recall of 7/10 never rounds to needing 8 of 10.
    let needed = (base.tp * positives.len()).div_ceil(base.positives);
    if needed == 0 {
        return Some(Threshold::NEVER);
    }
    let mut sorted = positives;
    sorted.sort_by(|a, b| b.total_cmp(a));
    let lowest = sorted[needed - 1];
    // Flagging is `score > threshold`, and thresholds cannot go below 0.
    if lowest <= 0.0 {
        return None;
    }
    Threshold::new(next_down(f64::from(lowest))).ok()
}

/// Confusion counts at a threshold.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    positives: usize,
    negatives: usize,
    tp: usize,
    fp: usize,
}

impl Counts {
    fn at(labels: &[Label], scores: &[f32], threshold: Threshold) -> Self {
        let mut c = Counts::default();
        for (label, &score) in labels.iter().zip(scores) {
            c.add(label.is_harmful(), threshold.flags(score));
        }
        c
    }

    fn add(&mut self, harmful: bool, flagged: bool) {
        if harmful {
            self.positives += 1;
            self.tp += usize::from(flagged);
        } else {
            self.negatives += 1;
            self.fp += usize::from(flagged);
        }
    }

    fn fpr(&self) -> Option<f64> {
        ratio(self.fp, self.negatives)
    }

    fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.positives)
    }
}

fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

fn check(labels: &[Label], scores: &[f32]) -> Result<()> {
    if labels.len() != scores.len() {
        return Err(Error::InvalidArgument(format!("{} labels but {} scores", labels.len(), scores.len())));
    }
    if let Some((index, score)) = scores.iter().enumerate().find(|(_, s)| !(0.0..=1.0).contains(*s)) {
        return Err(Error::InvalidArgument(format!("score {index} is {score}, not a number in [0, 1]")));
    }
    Ok(())
}

/// Examples sharing one score.
#[derive(Debug, Clone, Copy)]
struct Group {
    score: f32,
    positives: usize,
    negatives: usize,
}

/// Distinct scores, highest first, with their class counts.
fn groups(labels: &[Label], scores: &[f32]) -> Vec<Group> {
    let mut pairs: Vec<(f32, bool)> =
        labels.iter().zip(scores).map(|(label, &score)| (score + 0.0, label.is_harmful())).collect();
    // `+ 0.0` above turns -0.0 into 0.0, so total_cmp does not split a tie.
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut groups: Vec<Group> = Vec::new();
    for (score, harmful) in pairs {
        match groups.last_mut() {
            Some(group) if group.score == score => {}
            _ => groups.push(Group { score, positives: 0, negatives: 0 }),
        }
        if let Some(group) = groups.last_mut() {
            if harmful {
                group.positives += 1;
            } else {
                group.negatives += 1;
            }
        }
    }
    groups
}

fn roc_from_groups(groups: &[Group]) -> Vec<RocPoint> {
    let positives: usize = groups.iter().map(|g| g.positives).sum();
    let negatives: usize = groups.iter().map(|g| g.negatives).sum();
    if positives == 0 || negatives == 0 {
        return Vec::new();
    }
    let mut points = vec![RocPoint { min_flagged_score: None, fpr: 0.0, recall: 0.0 }];
    let (mut tp, mut fp) = (0, 0);
    for group in groups {
        tp += group.positives;
        fp += group.negatives;
        points.push(RocPoint {
            min_flagged_score: Some(group.score),
            fpr: fp as f64 / negatives as f64,
            recall: tp as f64 / positives as f64,
        });
    }
    points
}

fn pr_from_groups(groups: &[Group]) -> Vec<PrPoint> {
    let positives: usize = groups.iter().map(|g| g.positives).sum();
    if positives == 0 {
        return Vec::new();
    }
    let (mut tp, mut flagged) = (0, 0);
    groups
        .iter()
        .map(|group| {
            tp += group.positives;
            flagged += group.positives + group.negatives;
            PrPoint {
                min_flagged_score: group.score,
                recall: tp as f64 / positives as f64,
                precision: tp as f64 / flagged as f64,
            }
        })
        .collect()
}

/// Mann-Whitney U / (P·N): the chance a random harmful example outscores a
/// random benign one, ties counting one half. Walking the groups from the
/// top, each harmful example beats every benign one in lower groups and ties
/// those in its own.
fn auroc_from_groups(groups: &[Group], positives: usize, negatives: usize) -> Option<f64> {
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut negatives_below = negatives as f64;
    let mut u = 0.0;
    for group in groups {
        negatives_below -= group.negatives as f64;
        u += group.positives as f64 * (negatives_below + 0.5 * group.negatives as f64);
    }
    Some(u / (positives as f64 * negatives as f64))
}

/// Σ (Rₖ − Rₖ₋₁)·Pₖ over the cut-offs, one per distinct score.
fn average_precision_from_groups(groups: &[Group], positives: usize) -> Option<f64> {
    if positives == 0 {
        return None;
    }
    let mut previous_recall = 0.0;
    let mut ap = 0.0;
    for point in pr_from_groups(groups) {
        ap += (point.recall - previous_recall) * point.precision;
        previous_recall = point.recall;
    }
    Some(ap)
}

fn reliability_bins(labels: &[Label], scores: &[f32]) -> Vec<ReliabilityBin> {
    let mut sums = [(0usize, 0.0f64, 0usize); CALIBRATION_BINS];
    for (label, &score) in labels.iter().zip(scores) {
        let score = f64::from(score);
        // Truncation is the binning; a score of exactly 1 joins the last bin.
        let bin = ((score * CALIBRATION_BINS as f64) as usize).min(CALIBRATION_BINS - 1);
        sums[bin].0 += 1;
        sums[bin].1 += score;
        sums[bin].2 += usize::from(label.is_harmful());
    }
    sums.iter()
        .enumerate()
        .map(|(bin, &(count, score_sum, harmful))| ReliabilityBin {
            lower: bin as f64 / CALIBRATION_BINS as f64,
            upper: (bin + 1) as f64 / CALIBRATION_BINS as f64,
            count,
            mean_score: (count > 0).then(|| score_sum / count as f64),
            fraction_harmful: ratio(harmful, count),
        })
        .collect()
}

fn ece_from_bins(bins: &[ReliabilityBin], n: usize) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let weighted: f64 =
        bins.iter().filter_map(|bin| Some(bin.count as f64 * (bin.mean_score? - bin.fraction_harmful?).abs())).sum();
    Some(weighted / n as f64)
}

/// The `q`-quantile of ascending `sorted` (non-empty), interpolating linearly
/// between order statistics.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let fraction = position - below as f64;
    sorted[below] + (sorted[above] - sorted[below]) * fraction
}

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, statistically sound for
/// resampling, and fully determined by its seed, which is all the bootstrap needs.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`) by multiply-shift: the bias is below
    /// n / 2⁶⁴, far too small to matter for a bootstrap.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Label::{Benign as B, Harmful as H};

    const EPS: f64 = 1e-6;

    fn t(value: f64) -> Threshold {
        Threshold::new(value).unwrap()
    }

    fn close(actual: Option<f64>, expected: Option<f64>) -> bool {
        match (actual, expected) {
            (Some(a), Some(e)) => (a - e).abs() < EPS,
            (None, None) => true,
            _ => false,
        }
    }

    /// Eight examples, no tied scores, P = N = 4.
    const DISTINCT: [(f32, Label); 8] =
        [(0.9, H), (0.8, H), (0.7, B), (0.6, H), (0.5, B), (0.4, B), (0.3, H), (0.2, B)];
    /// Six examples with tied scores, P = N = 3.
    const TIED: [(f32, Label); 6] = [(0.8, H), (0.8, B), (0.5, H), (0.5, H), (0.5, B), (0.2, B)];

    fn split(rows: &[(f32, Label)]) -> (Vec<Label>, Vec<f32>) {
        (rows.iter().map(|r| r.1).collect(), rows.iter().map(|r| r.0).collect())
    }

    struct Expected {
        name: &'static str,
        rows: &'static [(f32, Label)],
        threshold: f64,
        counts: [usize; 4],
        fpr: Option<f64>,
        recall: Option<f64>,
        precision: Option<f64>,
        f1: Option<f64>,
        accuracy: Option<f64>,
        auroc: Option<f64>,
        auprc: Option<f64>,
        recall_at_1: Option<f64>,
        recall_at_5: Option<f64>,
        ece: Option<f64>,
    }

    #[test]
    fn metrics_match_hand_computed_values() {
        let cases = [
            Expected {
                // Flagged (> 0.55): 0.9H 0.8H 0.7B 0.6H → tp 3, fp 1, tn 3, fn 1.
                name: "distinct",
                rows: &DISTINCT,
                threshold: 0.55,
                counts: [3, 1, 3, 1],
                fpr: Some(0.25),
                recall: Some(0.75),
                precision: Some(0.75),
                f1: Some(0.75), // 2·3 / (6 + 1 + 1)
                accuracy: Some(0.75),
                // Pairs won by each positive: 0.9 → 4, 0.8 → 4, 0.6 → 3, 0.3 → 1; 12 / 16.
                auroc: Some(0.75),
                // Cuts adding a positive: 0.9 (R .25, P 1), 0.8 (.5, 1), 0.6 (.75, 3/4), 0.3 (1, 4/7):
                // .25·1 + .25·1 + .25·.75 + .25·4/7 = .6875 + 1/7.
                auprc: Some(0.6875 + 1.0 / 7.0),
                // One FP is already 25%, so both bounds allow only fp = 0: recall 2/4.
                recall_at_1: Some(0.5),
                recall_at_5: Some(0.5),
                // Every score in its own bin (13, 12, 10, 9, 7, 6, 4, 3); |s − y|:
                // .1 + .2 + .7 + .4 + .5 + .4 + .7 + .2 = 3.2, / 8.
                ece: Some(0.4),
            },
            Expected {
                // Flagged (> 0.5): 0.8H 0.8B → tp 1, fp 1, tn 2, fn 2.
                name: "ties",
                rows: &TIED,
                threshold: 0.5,
                counts: [1, 1, 2, 2],
                fpr: Some(1.0 / 3.0),
                recall: Some(1.0 / 3.0),
                precision: Some(0.5),
                f1: Some(0.4), // 2·1 / (2 + 1 + 2)
                accuracy: Some(0.5),
                // Average ranks ascending: 0.2 → 1, 0.5 → 3, 0.8 → 5.5. R₊ = 5.5 + 3 + 3 = 11.5,
                // U = 11.5 − 3·4/2 = 5.5, AUROC = 5.5 / 9.
                auroc: Some(5.5 / 9.0),
                // Cut 0.8: R 1/3, P 1/2; cut 0.5: R 1, P 3/5 → 1/6 + (2/3)(3/5) = 17/30.
                auprc: Some(17.0 / 30.0),
                // The first cut already has FPR 1/3: only the empty cut qualifies.
                recall_at_1: Some(0.0),
                recall_at_5: Some(0.0),
                // Bin 12: {.8H, .8B} |.8 − .5| = .3 ×2; bin 7: {.5 ×3} |.5 − 2/3| = 1/6 ×3;
                // bin 3: {.2B} .2 ×1 → (.6 + .5 + .2) / 6.
                ece: Some(1.3 / 6.0),
            },
            Expected {
                name: "only harmful",
                rows: &[(0.9, H), (0.1, H)],
                threshold: 0.5,
                counts: [1, 0, 0, 1],
                fpr: None,
                recall: Some(0.5),
                precision: Some(1.0),
                f1: Some(2.0 / 3.0), // 2 / (2 + 0 + 1)
                accuracy: Some(0.5),
                auroc: None,
                auprc: Some(1.0), // every cut has precision 1
                recall_at_1: None,
                recall_at_5: None,
                ece: Some(0.5), // (|.9 − 1| + |.1 − 1|) / 2
            },
            Expected {
                name: "only benign",
                rows: &[(0.9, B), (0.1, B)],
                threshold: 0.5,
                counts: [0, 1, 1, 0],
                fpr: Some(0.5),
                recall: None,
                precision: Some(0.0),
                f1: None,
                accuracy: Some(0.5),
                auroc: None,
                auprc: None,
                recall_at_1: None,
                recall_at_5: None,
                ece: Some(0.5), // (.9 + .1) / 2
            },
            Expected {
                // Nothing flagged: precision is 0/0.
                name: "nothing flagged",
                rows: &[(0.2, H), (0.1, B)],
                threshold: 0.5,
                counts: [0, 0, 1, 1],
                fpr: Some(0.0),
                recall: Some(0.0),
                precision: None,
                f1: Some(0.0),
                accuracy: Some(0.5),
                auroc: Some(1.0),
                auprc: Some(1.0),
                recall_at_1: Some(1.0),
                recall_at_5: Some(1.0),
                ece: Some(0.45), // (|.2 − 1| + |.1 − 0|) / 2
            },
            Expected {
                // All scores tied: AUROC is exactly chance.
                name: "all tied",
                rows: &[(0.5, H), (0.5, B), (0.5, B), (0.5, H)],
                threshold: 0.4,
                counts: [2, 2, 0, 0],
                fpr: Some(1.0),
                recall: Some(1.0),
                precision: Some(0.5),
                f1: Some(2.0 / 3.0), // 4 / (4 + 2 + 0)
                accuracy: Some(0.5),
                auroc: Some(0.5),
                auprc: Some(0.5), // one cut: R 1, P 1/2
                recall_at_1: Some(0.0),
                recall_at_5: Some(0.0),
                ece: Some(0.0), // one bin, mean .5, half harmful
            },
            Expected {
                name: "empty",
                rows: &[],
                threshold: 0.5,
                counts: [0, 0, 0, 0],
                fpr: None,
                recall: None,
                precision: None,
                f1: None,
                accuracy: None,
                auroc: None,
                auprc: None,
                recall_at_1: None,
                recall_at_5: None,
                ece: None,
            },
        ];
        for case in cases {
            let (labels, scores) = split(case.rows);
            let m = metrics(&labels, &scores, t(case.threshold)).unwrap();
            let name = case.name;
            assert_eq!([m.tp, m.fp, m.tn, m.fn_], case.counts, "{name}: counts");
            assert_eq!(m.n, case.rows.len(), "{name}");
            assert_eq!(m.positives + m.negatives, m.n, "{name}");
            for (metric, actual, expected) in [
                ("fpr", m.fpr, case.fpr),
                ("recall", m.recall, case.recall),
                ("precision", m.precision, case.precision),
                ("f1", m.f1, case.f1),
                ("accuracy", m.accuracy, case.accuracy),
                ("auroc", m.auroc, case.auroc),
                ("auprc", m.auprc, case.auprc),
                ("recall@1%", m.recall_at_fpr_1pct, case.recall_at_1),
                ("recall@5%", m.recall_at_fpr_5pct, case.recall_at_5),
                ("ece", m.ece, case.ece),
            ] {
                assert!(close(actual, expected), "{name}: {metric} = {actual:?}, expected {expected:?}");
            }
            assert_eq!(m.fpr_ci.is_some(), m.fpr.is_some(), "{name}");
            assert_eq!(m.recall_ci.is_some(), m.recall.is_some(), "{name}");
        }
    }

    #[test]
    fn recall_at_fpr_uses_the_best_qualifying_cut() {
        // 100 benign: one at 0.95, four at 0.85, the rest at 0.1; harmful at
        // 0.99, 0.9, 0.8, 0.05. Cuts: 0.99 (fp 0, R .25), 0.95 (fp 1 = 1%, R .25),
        // 0.9 (fp 1, R .5), 0.85 (fp 5 = 5%, R .5), 0.8 (fp 5, R .75), 0.1 (fp 100).
        let mut rows = vec![(0.99, H), (0.9, H), (0.8, H), (0.05, H), (0.95, B)];
        rows.extend([(0.85, B); 4]);
        rows.extend([(0.1, B); 95]);
        let (labels, scores) = split(&rows);
        let m = metrics(&labels, &scores, t(0.5)).unwrap();
        assert!(close(m.recall_at_fpr_1pct, Some(0.5)), "{:?}", m.recall_at_fpr_1pct);
        assert!(close(m.recall_at_fpr_5pct, Some(0.75)), "{:?}", m.recall_at_fpr_5pct);
    }

    #[test]
    fn curves_match_hand_computed_points() {
        let (labels, scores) = split(&TIED);
        let roc: Vec<(f64, f64)> = roc_curve(&labels, &scores).unwrap().iter().map(|p| (p.fpr, p.recall)).collect();
        let third = 1.0 / 3.0;
        assert_eq!(roc, [(0.0, 0.0), (third, third), (2.0 * third, 1.0), (1.0, 1.0)]);
        let pr: Vec<(f64, f64)> = pr_curve(&labels, &scores).unwrap().iter().map(|p| (p.recall, p.precision)).collect();
        assert_eq!(pr, [(third, 0.5), (1.0, 0.6), (1.0, 0.5)]);
        let bins = reliability(&labels, &scores).unwrap();
        assert_eq!(bins.len(), CALIBRATION_BINS);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 6);
        assert_eq!(bins[7].count, 3);
        assert!(close(bins[7].fraction_harmful, Some(2.0 / 3.0)));
        assert!(close(bins[7].mean_score, Some(0.5)));
        assert_eq!((bins[0].mean_score, bins[0].fraction_harmful), (None, None));
        // One class only: no ROC; no harmful: no PR.
        assert!(roc_curve(&[H], &[0.5]).unwrap().is_empty());
        assert!(pr_curve(&[B], &[0.5]).unwrap().is_empty());
        // A score of exactly 1 lands in the last bin.
        assert_eq!(reliability(&[H], &[1.0]).unwrap()[CALIBRATION_BINS - 1].count, 1);
    }

    #[test]
    fn rejects_bad_inputs() {
        assert!(metrics(&[H, B], &[0.5], t(0.5)).is_err());
        for bad in [f32::NAN, f32::INFINITY, -0.1, 1.5] {
            assert!(metrics(&[H], &[bad], t(0.5)).is_err(), "{bad}");
            assert!(roc_curve(&[H], &[bad]).is_err(), "{bad}");
            assert!(bootstrap_ci(&[H], &[bad], t(0.5), 10, 1).is_err(), "{bad}");
        }
        let examples = [Example::new("a", H)];
        assert!(per_category(&examples, &[0.5, 0.5], t(0.5)).is_err());
    }

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // First outputs for seed 1234567 from the reference C implementation.
        let mut rng = SplitMix64::new(1_234_567);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(first, [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423]);
        let mut rng = SplitMix64::new(7);
        assert!((0..1000).all(|_| rng.below(3) < 3));
    }

    #[test]
    fn bootstrap_is_deterministic_and_brackets_the_estimate() {
        let (labels, scores) = split(&DISTINCT);
        let a = bootstrap_ci(&labels, &scores, t(0.55), 500, 42).unwrap();
        let b = bootstrap_ci(&labels, &scores, t(0.55), 500, 42).unwrap();
        assert_eq!(a, b);
        let (fpr, recall) = (a.fpr.unwrap(), a.recall.unwrap());
        assert!(fpr.lower <= 0.25 && 0.25 <= fpr.upper && fpr.lower < fpr.upper, "{fpr:?}");
        assert!(recall.lower <= 0.75 && 0.75 <= recall.upper, "{recall:?}");
        assert!((0.0..=1.0).contains(&fpr.lower) && (0.0..=1.0).contains(&fpr.upper));
        // Every benign flagged: every resample has FPR 1, a zero-width interval.
        let all = bootstrap_ci(&[B, B, H], &[0.9, 0.8, 0.1], t(0.5), 200, 3).unwrap();
        assert_eq!(all.fpr, Some(Interval { lower: 1.0, upper: 1.0 }));
        assert_eq!(all.recall, Some(Interval { lower: 0.0, upper: 0.0 }));
        // Undefined rates and no resamples give no interval.
        assert_eq!(bootstrap_ci(&[H], &[0.9], t(0.5), 100, 1).unwrap().fpr, None);
        assert_eq!(bootstrap_ci(&[], &[], t(0.5), 100, 1).unwrap().recall, None);
        assert_eq!(bootstrap_ci(&labels, &scores, t(0.5), 0, 1).unwrap().fpr, None);
    }

    #[test]
    fn percentile_interpolates() {
        let values = [0.0, 1.0, 2.0, 3.0, 4.0];
        // Position q·(n − 1): 0.025·4 = 0.1 → 0.1; 0.975·4 = 3.9 → 3.9.
        assert!((percentile(&values, 0.025) - 0.1).abs() < 1e-12);
        assert!((percentile(&values, 0.975) - 3.9).abs() < 1e-12);
        assert_eq!(percentile(&[7.0], 0.5), 7.0);
    }

    #[test]
    fn per_category_counts_each_category() {
        let examples = [
            Example::new("a", H).with_category("weapons"),
            Example::new("b", H).with_category("weapons"),
            Example::new("c", B).with_category("weapons"),
            Example::new("d", B),
            Example::new("e", B),
        ];
        let scores = [0.9, 0.2, 0.7, 0.6, 0.1];
        let table = per_category(&examples, &scores, t(0.5)).unwrap();
        assert_eq!(table.keys().collect::<Vec<_>>(), ["uncategorised", "weapons"]);
        let weapons = &table["weapons"];
        // Flagged: a (H) and c (B) of 3 → rate 2/3, recall 1/2, FPR 1/1.
        assert_eq!((weapons.n, weapons.positives, weapons.negatives, weapons.flagged), (3, 2, 1, 2));
        assert!((weapons.flagged_rate - 2.0 / 3.0).abs() < EPS);
        assert_eq!((weapons.recall, weapons.fpr), (Some(0.5), Some(1.0)));
        let other = &table[UNCATEGORISED];
        assert_eq!((other.n, other.flagged, other.recall, other.fpr), (2, 1, None, Some(0.5)));
    }

    #[test]
    fn compare_reports_fp_reduction_at_matched_recall() {
        let (labels, base_scores) = split(&DISTINCT);
        // Labels: H H B H B B H B.
        let cand_scores = [0.95, 0.7, 0.1, 0.65, 0.6, 0.2, 0.4, 0.05];
        let c = compare(("keyword", &labels, &base_scores, t(0.55)), ("model", &labels, &cand_scores, t(0.5))).unwrap();
        // Own thresholds: baseline as in `metrics`; candidate flags .95H .7H .65H .6B.
        assert_eq!((c.baseline.fpr, c.baseline.recall, c.baseline.false_positives), (Some(0.25), Some(0.75), 1));
        assert_eq!((c.candidate.fpr, c.candidate.recall), (Some(0.25), Some(0.75)));
        // Matched: 3 of 4 harmful needed; the third-highest harmful score is
        // 0.65, so the threshold sits just below it and no benign score is above.
        let m = c.matched_recall.unwrap();
        assert!(m.candidate_threshold < 0.65 && m.candidate_threshold > 0.649_999, "{}", m.candidate_threshold);
        assert_eq!((m.target_recall, m.candidate_recall), (0.75, 0.75));
        assert_eq!((m.baseline_fpr, m.candidate_fpr), (Some(0.25), Some(0.0)));
        assert_eq!((m.baseline_false_positives, m.candidate_false_positives), (1, 0));
        assert_eq!((m.fpr_reduction, m.relative_fpr_reduction), (Some(0.25), Some(1.0)));
    }

    #[test]
    fn compare_handles_degenerate_cases() {
        let (labels, scores) = split(&TIED);
        // Baseline with no false positives: no relative reduction.
        let c = compare(("a", &labels, &scores, t(0.9)), ("b", &labels, &scores, t(0.9))).unwrap();
        let m = c.matched_recall.unwrap();
        // Recall 0 is matched by flagging nothing.
        assert_eq!((m.target_recall, m.candidate_threshold, m.candidate_fpr), (0.0, 1.0, Some(0.0)));
        assert_eq!((m.fpr_reduction, m.relative_fpr_reduction), (Some(0.0), None));
        // A candidate whose needed harmful score is 0 cannot be matched: no threshold flags 0.
        let c = compare(("a", &[H, B], &[0.9, 0.1], t(0.5)), ("b", &[H, B], &[0.0, 0.0], t(0.5))).unwrap();
        assert_eq!(c.matched_recall, None);
        // No harmful examples: recall undefined, nothing to match.
        let c = compare(("a", &[B], &[0.9], t(0.5)), ("b", &[B], &[0.9], t(0.5))).unwrap();
        assert_eq!((c.baseline.recall, c.matched_recall), (None, None));
        // Ties: needing 2 of 3 harmful when two share 0.5 flags all three.
        let c =
            compare(("a", &[H, H, H], &[0.9, 0.8, 0.1], t(0.5)), ("b", &[H, H, H], &[0.9, 0.5, 0.5], t(0.95))).unwrap();
        assert_eq!(c.matched_recall.unwrap().candidate_recall, 1.0);
    }

    #[test]
    fn score_examples_batches_and_reports_progress() {
        let scorer = crate::KeywordTriggers::from_list("bomb\t0.8", "test").unwrap();
        let examples: Vec<Example> =
            ["a bomb", "hello", "", "bomb bomb", "x"].iter().map(|t| Example::new(*t, B)).collect();
        let mut seen = Vec::new();
        let scores = score_examples(&scorer, &examples, 2, &mut |done| seen.push(done)).unwrap();
        assert_eq!(seen, [2, 4, 5]);
        let probabilities: Vec<f32> = scores.iter().map(|s| s.probability).collect();
        assert_eq!(probabilities, [0.8, 0.0, 0.0, 0.8, 0.0]);
        let mut calls = 0;
        assert!(score_examples(&scorer, &examples, 0, &mut |_| calls += 1).is_ok());
        assert_eq!(calls, 5);
    }
}

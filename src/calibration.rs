//! Temperature scaling and operating points.
//!
//! A fine-tuned classifier is usually over-confident. Temperature scaling
//! divides the logit by one number `T`, fitted by minimising the negative
//! log-likelihood on a calibration split the model never trained on. It
//! cannot change the ranking of prompts (so AUROC and any threshold's
//! flag set are unchanged); it makes `0.8` mean "about 80% of such prompts
//! are harmful" on data like the calibration split.
//!
//! Operating points are then chosen on the calibrated scores of the same
//! split with [`Threshold::for_target_fpr`]'s conformal rule.

use crate::classifier::sigmoid;
use crate::error::{Error, Result};
use crate::threshold::{OperatingPoint, Threshold};

/// Smallest and largest temperature considered.
const TEMPERATURE_RANGE: (f64, f64) = (0.05, 20.0);

/// Mean negative log-likelihood of `labels` under `sigmoid(logit / t)`.
pub fn negative_log_likelihood(logits: &[f32], labels: &[bool], temperature: f64) -> f64 {
    let total: f64 = logits
        .iter()
        .zip(labels)
        .map(|(&logit, &harmful)| {
            let z = f64::from(logit) / temperature;
            // log(1 + e^-|z|) + max(z, 0) - y z, stable for large |z|.
            let softplus = (-z.abs()).exp().ln_1p() + z.max(0.0);
            softplus - if harmful { z } else { 0.0 }
        })
        .sum();
    total / logits.len().max(1) as f64
}

/// The temperature minimising [`negative_log_likelihood`], found by
/// golden-section search over `ln T` in `[ln 0.05, ln 20]` (the NLL is
/// convex in `1/T`, so it has one minimum there).
pub fn fit_temperature(logits: &[f32], labels: &[bool]) -> Result<f64> {
    if logits.len() != labels.len() {
        return Err(Error::InvalidArgument(format!("{} logits but {} labels", logits.len(), labels.len())));
    }
    if !labels.contains(&true) || !labels.contains(&false) {
        return Err(Error::InvalidArgument("temperature scaling needs both harmful and benign examples".into()));
    }
    if let Some(bad) = logits.iter().find(|l| !l.is_finite()) {
        return Err(Error::InvalidArgument(format!("logit {bad} is not a finite number")));
    }
    let loss = |u: f64| negative_log_likelihood(logits, labels, u.exp());
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut low, mut high) = (TEMPERATURE_RANGE.0.ln(), TEMPERATURE_RANGE.1.ln());
    let mut a = high - ratio * (high - low);
    let mut b = low + ratio * (high - low);
    let (mut loss_a, mut loss_b) = (loss(a), loss(b));
    for _ in 0..100 {
        if loss_a < loss_b {
            high = b;
            b = a;
            loss_b = loss_a;
            a = high - ratio * (high - low);
            loss_a = loss(a);
        } else {
            low = a;
            a = b;
            loss_a = loss_b;
            b = low + ratio * (high - low);
            loss_b = loss(b);
        }
    }
    Ok(((low + high) / 2.0).exp())
}

/// Calibrated probabilities `sigmoid(logit / temperature)`.
pub fn apply_temperature(logits: &[f32], temperature: f64) -> Vec<f32> {
    logits.iter().map(|&logit| sigmoid(f64::from(logit) / temperature) as f32).collect()
}

/// One operating point per `(name, target FPR)`, chosen with the conformal
/// rule on the benign `probabilities`, with the FPR and recall it reaches on
/// the same data recorded beside it.
pub fn operating_points(
    probabilities: &[f32],
    labels: &[bool],
    targets: &[(&str, f64)],
    dataset: &str,
) -> Result<Vec<OperatingPoint>> {
    let benign: Vec<f32> = probabilities.iter().zip(labels).filter(|(_, h)| !**h).map(|(p, _)| *p).collect();
    let harmful: Vec<f32> = probabilities.iter().zip(labels).filter(|(_, h)| **h).map(|(p, _)| *p).collect();
    targets
        .iter()
        .map(|&(name, alpha)| {
            let threshold = Threshold::for_target_fpr(&benign, alpha)?;
            let rate = |scores: &[f32]| {
                scores.iter().filter(|&&s| threshold.flags(s)).count() as f64 / scores.len().max(1) as f64
            };
            Ok(OperatingPoint::new(name, threshold, rate(&benign), rate(&harmful), dataset)
                .with_rule(format!("conformal: FPR <= {alpha} on exchangeable benign prompts")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_temperature() {
        // Labels drawn so that P(harmful | z) = sigmoid(z / 2.5) exactly in
        // expectation: for each logit, put round(1000 p) harmful and the rest
        // benign copies.
        let mut logits = Vec::new();
        let mut labels = Vec::new();
        for step in -40..=40 {
            let z = step as f32 / 4.0;
            let p = sigmoid(f64::from(z) / 2.5);
            let harmful = (p * 1000.0).round() as usize;
            for i in 0..1000 {
                logits.push(z);
                labels.push(i < harmful);
            }
        }
        let t = fit_temperature(&logits, &labels).unwrap();
        assert!((t - 2.5).abs() < 0.02, "fitted {t}");
        assert!(
            negative_log_likelihood(&logits, &labels, t) <= negative_log_likelihood(&logits, &labels, 1.0),
            "the fit must not be worse than no scaling"
        );
    }

    #[test]
    fn rejects_one_class_and_bad_input() {
        assert!(fit_temperature(&[1.0, 2.0], &[true, true]).is_err());
        assert!(fit_temperature(&[1.0], &[true, false]).is_err());
        assert!(fit_temperature(&[f32::NAN, 1.0], &[true, false]).is_err());
    }

    #[test]
    fn scaling_keeps_order() {
        let logits = [-3.0, -0.5, 0.0, 0.1, 7.0];
        for t in [0.3, 1.0, 4.0] {
            let p = apply_temperature(&logits, t);
            assert!(p.windows(2).all(|w| w[0] < w[1]), "{p:?}");
        }
    }

    #[test]
    fn operating_points_report_their_rates() {
        let probabilities: Vec<f32> = (0..100).map(|i| i as f32 / 100.0).collect();
        // Top 30 are harmful, bottom 70 benign.
        let labels: Vec<bool> = (0..100).map(|i| i >= 70).collect();
        let points =
            operating_points(&probabilities, &labels, &[("strict", 0.1), ("permissive", 0.02)], "unit").unwrap();
        // 70 benign, α = 0.1: rank ⌈71 × 0.9⌉ = 64 → threshold 0.63; 6 benign above it.
        assert_eq!(points[0].threshold.value(), f64::from(0.63_f32));
        assert!((points[0].fpr - 6.0 / 70.0).abs() < 1e-12);
        assert_eq!(points[0].recall, 1.0);
        assert!(points[1].threshold > points[0].threshold);
        assert_eq!(points[1].dataset, "unit");
    }
}

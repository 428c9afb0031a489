//! [`Answer`]: what `predict` says about one file, as text or as one JSON object per line.

use super::PredictOptions;
use painter_classify::Prediction;
use serde::Serialize;
use std::fmt::Write as _;

/// A painter and its probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedPainter {
    /// The painter.
    pub painter: String,
    /// Its probability.
    pub probability: f64,
}

/// What became of one input.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The most probable painters, most probable first.
    Painters {
        /// The `top` most probable painters.
        ranked: Vec<RankedPainter>,
        /// The most probable painter's probability is below the minimum confidence.
        unknown: bool,
    },
    /// The file could not be read or predicted.
    Error(String),
}

/// The answer about one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The file, as given or found.
    pub file: String,
    /// Its painters, or its error.
    pub outcome: Outcome,
}

/// The JSON line of an answer.
#[derive(Serialize)]
struct JsonAnswer<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    painters: Option<&'a [RankedPainter]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// What the JSON answer says when the most probable painter is below the minimum confidence.
pub const UNKNOWN: &str = "unknown";

impl Answer {
    /// The outcome of a prediction: its `options.top` most probable painters (probabilities
    /// rounded to 6 decimals), "unknown" when the first is below `options.min_confidence`.
    pub fn outcome(
        prediction: &Prediction,
        class_names: &[String],
        options: &PredictOptions,
    ) -> Outcome {
        let ranked: Vec<RankedPainter> = prediction
            .ranked(class_names)
            .into_iter()
            .take(options.top)
            .map(|(painter, p)| RankedPainter {
                painter: painter.to_string(),
                probability: (f64::from(p) * 1e6).round() / 1e6,
            })
            .collect();
        let best = prediction
            .probabilities
            .get(prediction.best())
            .map_or(0.0, |&p| f64::from(p));
        Outcome::Painters {
            unknown: options.min_confidence.is_some_and(|m| best < m),
            ranked,
        }
    }

    /// One JSON object and a newline: `{"file", "answer", "painters": [{"painter",
    /// "probability"}, ...]}` (`answer` is the first painter, or "unknown"), or `{"file",
    /// "error"}`.
    pub fn to_json_line(&self) -> String {
        let json = match &self.outcome {
            Outcome::Painters { ranked, unknown } => JsonAnswer {
                file: &self.file,
                answer: Some(if *unknown {
                    UNKNOWN
                } else {
                    ranked.first().map_or(UNKNOWN, |r| r.painter.as_str())
                }),
                painters: Some(ranked),
                error: None,
            },
            Outcome::Error(e) => JsonAnswer {
                file: &self.file,
                answer: None,
                painters: None,
                error: Some(e),
            },
        };
        serde_json::to_string(&json).unwrap_or_else(|e| {
            format!(
                "{{\"file\":{:?},\"error\":\"cannot write the answer: {e}\"}}",
                self.file
            )
        }) + "\n"
    }

    /// The file, then one line per painter (`  87.12%  rembrandt`), after an "unknown" line when
    /// the first is below `min_confidence`; or `file: error: ...`.
    pub fn to_text(&self, min_confidence: Option<f64>) -> String {
        let mut t = String::new();
        match &self.outcome {
            Outcome::Painters { ranked, unknown } => {
                let _ = writeln!(t, "{}", self.file);
                if *unknown {
                    let _ = writeln!(
                        t,
                        "  unknown: no painter reaches {:.0}%; the most probable:",
                        100.0 * min_confidence.unwrap_or(0.0)
                    );
                }
                for r in ranked {
                    let _ = writeln!(t, "  {:6.2}%  {}", 100.0 * r.probability, r.painter);
                }
            }
            Outcome::Error(e) => {
                let _ = writeln!(t, "{}: error: {e}", self.file);
            }
        }
        t
    }
}

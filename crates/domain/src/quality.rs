//! A lot's data-quality score as it is shown and stored: the score out of 100 and every line of
//! its breakdown, each saying in Vietnamese and English what was checked and what it cost. How
//! the lines are found and weighed is `nguon_trace::quality`; here are only the shapes.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::OrganisationId;

/// A text in both languages the portal speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bilingual {
    /// Vietnamese.
    pub vi: String,
    /// English.
    pub en: String,
}

impl Bilingual {
    /// A text from its two wordings.
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

/// Which part of the score a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualitySection {
    /// The stages of the lot's chain template that its genealogy has events for.
    Stages,
    /// The required key data elements of the events that record a stage.
    Kdes,
    /// The 10 items of information TT 02/2024 asks a traceability record to carry.
    Tt02,
    /// The findings of the genealogy checks.
    Findings,
}

impl QualitySection {
    /// Every section, in the order the breakdown shows them.
    pub const ALL: [Self; 4] = [Self::Stages, Self::Kdes, Self::Tt02, Self::Findings];

    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stages => "stages",
            Self::Kdes => "kdes",
            Self::Tt02 => "tt02",
            Self::Findings => "findings",
        }
    }
}

/// One line of a breakdown: something checked, whether it was there, and the points it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QualityLine {
    /// Its section.
    pub section: QualitySection,
    /// What was checked, as a stable code: a stage id, `stage/kde`, `tt02.5`, a finding rule.
    pub code: String,
    /// What was checked, in words.
    pub label: Bilingual,
    /// Whether it was there (for a finding: always `false`).
    pub present: bool,
    /// Why it counts as missing, or what the finding says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Bilingual>,
    /// Points taken off the 100.
    pub deduction: u8,
}

/// A lot's score and how it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QualityScore {
    /// 0 to 100: 100 less every line's deduction, never below 0.
    pub score: u8,
    /// The chain template the lot was judged against, when its product names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
    /// Every line, section by section.
    pub lines: Vec<QualityLine>,
}

impl QualityScore {
    /// The score of `lines`: 100 less their deductions, floored at 0.
    pub fn of(chain: Option<String>, lines: Vec<QualityLine>) -> Self {
        let lost: u32 = lines.iter().map(|line| u32::from(line.deduction)).sum();
        let score = 100u32.saturating_sub(lost);
        Self {
            score: u8::try_from(score).unwrap_or(100),
            chain,
            lines,
        }
    }

    /// The lines of `section`.
    pub fn section(&self, section: QualitySection) -> impl Iterator<Item = &QualityLine> {
        self.lines
            .iter()
            .filter(move |line| line.section == section)
    }
}

/// A lot's stored score: what `/quality` lists without walking any genealogy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LotQuality {
    /// The lot, in index form.
    pub identifier: String,
    /// The organisation it is counted for: its product's owner, or the owner of its first event.
    pub organisation: Option<OrganisationId>,
    /// The score and its breakdown.
    #[serde(flatten)]
    pub score: QualityScore,
    /// When the score was computed; events captured later are not in it.
    #[serde(with = "time::serde::rfc3339")]
    pub computed_at: OffsetDateTime,
}

/// The stored scores of one organisation's lots, summed up.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationQuality {
    /// The organisation; `None` gathers lots nobody could be found for.
    pub organisation: Option<OrganisationId>,
    /// How many lots have a score.
    pub lots: u64,
    /// Their mean score.
    pub mean: f64,
    /// Their lowest score.
    pub lowest: u8,
    /// The lot with the lowest score (the first by identifier among equals).
    pub worst: String,
    /// When the oldest of the scores was computed.
    #[serde(with = "time::serde::rfc3339")]
    pub oldest: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(deduction: u8) -> QualityLine {
        QualityLine {
            section: QualitySection::Tt02,
            code: "tt02.2".into(),
            label: Bilingual::new("Hình ảnh", "Image"),
            present: deduction == 0,
            reason: None,
            deduction,
        }
    }

    #[test]
    fn the_score_is_100_less_the_deductions_and_never_below_0() {
        assert_eq!(QualityScore::of(None, vec![line(0), line(4)]).score, 96);
        assert_eq!(QualityScore::of(None, vec![line(60), line(60)]).score, 0);
        assert_eq!(QualityScore::of(None, Vec::new()).score, 100);
    }

    #[test]
    fn a_score_reads_back_as_written() {
        let score = QualityScore::of(Some("farmed-shrimp".into()), vec![line(4)]);
        let json = serde_json::to_string(&score).unwrap();
        assert!(json.contains("\"deduction\":4"), "{json}");
        assert_eq!(serde_json::from_str::<QualityScore>(&json).unwrap(), score);
    }
}

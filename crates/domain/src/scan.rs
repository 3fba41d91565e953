//! The scan log and what it tells: every view of a product's public page is logged (time, coarse
//! place, kind of device, a salted hash of the client address, what the page said of the stamp),
//! and the scans of each code are tallied into counterfeit signals — a stamp scanned before its
//! run was activated or after it was withdrawn or recalled, a serial no run issued, one serial
//! scanned more often, longer or in more places than one pack plausibly is, and one serial seen
//! under two lots. The thresholds are the province's configuration.

use std::collections::BTreeMap;

use nguon_gs1::Gtin;
use time::OffsetDateTime;

use crate::OrganisationId;

/// The kind of device a scan came from, read from its `User-Agent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// A phone.
    Phone,
    /// A tablet.
    Tablet,
    /// A desktop or laptop browser.
    Desktop,
    /// A crawler or link-preview fetcher.
    Bot,
    /// No `User-Agent`.
    Unknown,
}

impl DeviceKind {
    /// Judges a `User-Agent` value.
    pub fn of_user_agent(agent: Option<&str>) -> Self {
        let Some(agent) = agent.map(str::to_ascii_lowercase) else {
            return Self::Unknown;
        };
        let has = |words: &[&str]| words.iter().any(|w| agent.contains(w));
        if has(&["bot", "crawler", "spider", "facebookexternalhit", "preview"]) {
            Self::Bot
        } else if has(&["ipad", "tablet"]) {
            Self::Tablet
        } else if has(&["mobile", "iphone", "android"]) {
            Self::Phone
        } else {
            Self::Desktop
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Tablet => "tablet",
            Self::Desktop => "desktop",
            Self::Bot => "bot",
            Self::Unknown => "unknown",
        }
    }
}

/// One scan of a product's public page, as logged: no address, only its salted hash.
#[derive(Debug, Clone)]
pub struct NewScan {
    /// When the page was asked for: the log is written in batches, after the answer.
    pub scanned_at: OffsetDateTime,
    /// The scanned GTIN.
    pub gtin: Gtin,
    /// The lot, when the code names one.
    pub lot: Option<String>,
    /// The serial, when the code names one.
    pub serial: Option<String>,
    /// A coarse place (a country or region code) when a proxy header gives one.
    pub place: Option<String>,
    /// The device kind.
    pub device: DeviceKind,
    /// The client address hashed with a salt the server keeps in memory, in hex; `None` when
    /// the address is unknown.
    pub client: Option<String>,
    /// What the page said of the stamp (`genuine`, `inactive`, `unknown`, `deactivated`).
    pub verdict: Option<&'static str>,
    /// The organisation that registered the GTIN, so it sees its own scans; `None` for a GTIN
    /// nobody registered.
    pub organisation: Option<OrganisationId>,
    /// The page showed an open recall of the lot or serial.
    pub recalled: bool,
}

/// How often one code (GTIN, lot, serial) was scanned, and how: one row of the log's tally.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScanTally {
    /// The GTIN scanned.
    pub gtin: String,
    /// The lot the code named, if any.
    pub lot: Option<String>,
    /// The serial the code named, if any.
    pub serial: Option<String>,
    /// The organisation that registered the GTIN, if any.
    pub organisation: Option<OrganisationId>,
    /// Scans in all.
    pub scans: u64,
    /// The first scan.
    #[serde(with = "time::serde::rfc3339")]
    pub first: OffsetDateTime,
    /// The last scan.
    #[serde(with = "time::serde::rfc3339")]
    pub last: OffsetDateTime,
    /// Distinct coarse places the scans came from.
    pub places: u64,
    /// Distinct client addresses (by their salted hash).
    pub clients: u64,
    /// Scans while the stamp's run was printed but not activated.
    pub inactive: u64,
    /// Scans after the stamp's run was deactivated.
    pub deactivated: u64,
    /// Scans of a serial no print run of the lot issued.
    pub unknown: u64,
    /// Scans while the lot or serial was under an open recall.
    pub recalled: u64,
}

/// When the tallies become signals: the province's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScanThresholds {
    /// Scans of one serial past which it is taken for copied (one pack is scanned a few times).
    pub copied_after: u64,
    /// Days between the first and the last scan of one serial past which it is suspicious.
    pub spread_days: u32,
    /// Distinct places one serial may be scanned from before it is suspicious.
    pub spread_places: u64,
}

impl Default for ScanThresholds {
    fn default() -> Self {
        Self {
            copied_after: 30,
            spread_days: 180,
            spread_places: 2,
        }
    }
}

/// One reason to doubt a code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum ScanSignal {
    /// Scanned while its stamp run was printed but not activated.
    BeforeActivation {
        /// Scans of that kind.
        scans: u64,
    },
    /// Scanned after its stamp run was deactivated.
    AfterDeactivation {
        /// Scans of that kind.
        scans: u64,
    },
    /// Scanned while its lot was recalled.
    AfterRecall {
        /// Scans of that kind.
        scans: u64,
    },
    /// A serial no print run of its lot issued.
    UnknownSerial {
        /// Scans of that kind.
        scans: u64,
    },
    /// One serial scanned more often than the threshold.
    OverThreshold {
        /// Scans of the serial.
        scans: u64,
        /// The threshold.
        threshold: u64,
    },
    /// One serial scanned over more days than the threshold.
    SpreadInTime {
        /// Days from its first scan to its last.
        days: i64,
        /// The threshold.
        threshold: u32,
    },
    /// One serial scanned from more places than the threshold.
    SpreadInPlace {
        /// Distinct places.
        places: u64,
        /// The threshold.
        threshold: u64,
    },
    /// One serial of a GTIN seen under more than one lot.
    TwoLots {
        /// Every lot it was seen under.
        lots: Vec<String>,
    },
}

impl ScanSignal {
    /// A stable name, for messages and CSS classes.
    pub fn name(&self) -> &'static str {
        match self {
            Self::BeforeActivation { .. } => "before_activation",
            Self::AfterDeactivation { .. } => "after_deactivation",
            Self::AfterRecall { .. } => "after_recall",
            Self::UnknownSerial { .. } => "unknown_serial",
            Self::OverThreshold { .. } => "over_threshold",
            Self::SpreadInTime { .. } => "spread_in_time",
            Self::SpreadInPlace { .. } => "spread_in_place",
            Self::TwoLots { .. } => "two_lots",
        }
    }

    /// Whether the signal says one real stamp has been copied, which the public page warns of;
    /// the others the page already answers with the stamp's own state.
    pub fn means_copied(&self) -> bool {
        matches!(
            self,
            Self::OverThreshold { .. }
                | Self::SpreadInTime { .. }
                | Self::SpreadInPlace { .. }
                | Self::TwoLots { .. }
        )
    }
}

/// A code with the signals its tally raises.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FlaggedCode {
    /// The code's tally.
    #[serde(flatten)]
    pub tally: ScanTally,
    /// Why it is doubted, at least one.
    pub signals: Vec<ScanSignal>,
}

/// The scans of one lot (or of a GTIN scanned without one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LotScans {
    /// The GTIN.
    pub gtin: String,
    /// The lot, if the codes named one.
    pub lot: Option<String>,
    /// The organisation that registered the GTIN, if any.
    pub organisation: Option<OrganisationId>,
    /// Scans in all.
    pub scans: u64,
    /// Distinct serials scanned.
    pub serials: u64,
    /// Codes of the lot with at least one signal.
    pub flagged: u64,
    /// The last scan.
    #[serde(with = "time::serde::rfc3339")]
    pub last: OffsetDateTime,
}

/// The codes among `tallies` that raise a signal, the most doubted first.
pub fn flag(tallies: &[ScanTally], thresholds: &ScanThresholds) -> Vec<FlaggedCode> {
    // Lots each serial of a GTIN was seen under.
    let mut lots_of_serial: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for tally in tallies {
        if let (Some(serial), Some(lot)) = (&tally.serial, &tally.lot) {
            lots_of_serial
                .entry((tally.gtin.as_str(), serial.as_str()))
                .or_default()
                .push(lot.clone());
        }
    }
    let mut flagged: Vec<FlaggedCode> = tallies
        .iter()
        .filter_map(|tally| {
            let lots = tally
                .serial
                .as_deref()
                .and_then(|serial| lots_of_serial.get(&(tally.gtin.as_str(), serial)));
            let signals = signals_of(tally, lots, thresholds);
            (!signals.is_empty()).then(|| FlaggedCode {
                tally: tally.clone(),
                signals,
            })
        })
        .collect();
    flagged.sort_by(|a, b| {
        (
            b.signals.len(),
            b.tally.scans,
            &a.tally.gtin,
            &a.tally.lot,
            &a.tally.serial,
        )
            .cmp(&(
                a.signals.len(),
                a.tally.scans,
                &b.tally.gtin,
                &b.tally.lot,
                &b.tally.serial,
            ))
    });
    flagged
}

/// The signals one code raises; `lots` are the lots its serial was seen under.
fn signals_of(
    tally: &ScanTally,
    lots: Option<&Vec<String>>,
    thresholds: &ScanThresholds,
) -> Vec<ScanSignal> {
    let mut signals = Vec::new();
    let counted = [
        (
            tally.inactive,
            ScanSignal::BeforeActivation {
                scans: tally.inactive,
            },
        ),
        (
            tally.deactivated,
            ScanSignal::AfterDeactivation {
                scans: tally.deactivated,
            },
        ),
        (
            tally.recalled,
            ScanSignal::AfterRecall {
                scans: tally.recalled,
            },
        ),
        (
            tally.unknown,
            ScanSignal::UnknownSerial {
                scans: tally.unknown,
            },
        ),
    ];
    signals.extend(counted.into_iter().filter(|(n, _)| *n > 0).map(|(_, s)| s));
    // The rest judge one pack's stamp: a lot's or a GTIN's own code is scanned by everyone.
    if tally.serial.is_none() {
        return signals;
    }
    if tally.scans > thresholds.copied_after {
        signals.push(ScanSignal::OverThreshold {
            scans: tally.scans,
            threshold: thresholds.copied_after,
        });
    }
    let days = (tally.last - tally.first).whole_days();
    if days > i64::from(thresholds.spread_days) {
        signals.push(ScanSignal::SpreadInTime {
            days,
            threshold: thresholds.spread_days,
        });
    }
    if tally.places > thresholds.spread_places {
        signals.push(ScanSignal::SpreadInPlace {
            places: tally.places,
            threshold: thresholds.spread_places,
        });
    }
    if let Some(lots) = lots.filter(|lots| lots.len() > 1) {
        signals.push(ScanSignal::TwoLots { lots: lots.clone() });
    }
    signals
}

/// The tallies summed per lot, the most scanned first.
pub fn lot_scans(tallies: &[ScanTally], flagged: &[FlaggedCode]) -> Vec<LotScans> {
    let mut lots: BTreeMap<(&str, Option<&str>), LotScans> = BTreeMap::new();
    for tally in tallies {
        let lot = lots
            .entry((tally.gtin.as_str(), tally.lot.as_deref()))
            .or_insert_with(|| LotScans {
                gtin: tally.gtin.clone(),
                lot: tally.lot.clone(),
                organisation: tally.organisation,
                scans: 0,
                serials: 0,
                flagged: 0,
                last: tally.last,
            });
        lot.scans += tally.scans;
        lot.serials += u64::from(tally.serial.is_some());
        lot.last = lot.last.max(tally.last);
    }
    for code in flagged {
        if let Some(lot) = lots.get_mut(&(code.tally.gtin.as_str(), code.tally.lot.as_deref())) {
            lot.flagged += 1;
        }
    }
    let mut lots: Vec<LotScans> = lots.into_values().collect();
    lots.sort_by(|a, b| b.scans.cmp(&a.scans).then(b.last.cmp(&a.last)));
    lots
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    fn tally(lot: &str, serial: Option<&str>, scans: u64) -> ScanTally {
        ScanTally {
            gtin: "08931234560034".to_owned(),
            lot: Some(lot.to_owned()),
            serial: serial.map(str::to_owned),
            organisation: None,
            scans,
            first: OffsetDateTime::UNIX_EPOCH,
            last: OffsetDateTime::UNIX_EPOCH + Duration::days(3),
            places: 1,
            clients: 1,
            inactive: 0,
            deactivated: 0,
            unknown: 0,
            recalled: 0,
        }
    }

    #[test]
    fn devices_are_told_from_their_user_agent() {
        let phone =
            "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 Mobile Safari/537.36";
        assert_eq!(DeviceKind::of_user_agent(Some(phone)), DeviceKind::Phone);
        let ipad = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)";
        assert_eq!(DeviceKind::of_user_agent(Some(ipad)), DeviceKind::Tablet);
        let preview = "facebookexternalhit/1.1";
        assert_eq!(DeviceKind::of_user_agent(Some(preview)), DeviceKind::Bot);
        let linux = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0";
        assert_eq!(DeviceKind::of_user_agent(Some(linux)), DeviceKind::Desktop);
        assert_eq!(DeviceKind::of_user_agent(None), DeviceKind::Unknown);
    }

    #[test]
    fn a_plain_pack_raises_nothing() {
        let thresholds = ScanThresholds::default();
        let tallies = [tally("F7", Some("000001-ABCD"), 3), tally("F7", None, 500)];
        assert!(flag(&tallies, &thresholds).is_empty());
        let lots = lot_scans(&tallies, &[]);
        assert_eq!(lots.len(), 1);
        assert_eq!(
            (lots[0].scans, lots[0].serials, lots[0].flagged),
            (503, 1, 0)
        );
    }

    #[test]
    fn each_doubt_is_its_own_signal() {
        let thresholds = ScanThresholds {
            copied_after: 10,
            spread_days: 30,
            spread_places: 2,
        };
        let mut copied = tally("F7", Some("000002-ABCD"), 11);
        copied.places = 3;
        copied.last = copied.first + Duration::days(31);
        let mut early = tally("F7", Some("000003-ABCD"), 2);
        early.inactive = 1;
        early.deactivated = 1;
        early.recalled = 2;
        let mut forged = tally("F8", Some("000003-ABCD"), 1);
        forged.unknown = 1;
        // The lot's own code is scanned by everyone: counts alone do not doubt it.
        let lot_code = tally("F7", None, 10_000);
        let tallies = [copied, early, forged, lot_code];
        let flagged = flag(&tallies, &thresholds);
        let names = |serial: &str, lot: &str| -> Vec<&str> {
            flagged
                .iter()
                .find(|f| {
                    f.tally.serial.as_deref() == Some(serial) && f.tally.lot.as_deref() == Some(lot)
                })
                .map(|f| f.signals.iter().map(ScanSignal::name).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            names("000002-ABCD", "F7"),
            ["over_threshold", "spread_in_time", "spread_in_place"]
        );
        assert_eq!(
            names("000003-ABCD", "F7"),
            [
                "before_activation",
                "after_deactivation",
                "after_recall",
                "two_lots"
            ]
        );
        assert_eq!(names("000003-ABCD", "F8"), ["unknown_serial", "two_lots"]);
        assert_eq!(flagged.len(), 3, "the lot code raises nothing");
        // The most signals first.
        let order: Vec<_> = flagged
            .iter()
            .map(|f| (f.tally.serial.as_deref(), f.tally.lot.as_deref()))
            .collect();
        assert_eq!(
            order,
            [
                (Some("000003-ABCD"), Some("F7")),
                (Some("000002-ABCD"), Some("F7")),
                (Some("000003-ABCD"), Some("F8"))
            ]
        );
        assert!(flagged[1].signals.iter().all(ScanSignal::means_copied));
        assert!(!flagged[0].signals[0].means_copied());
        let lots = lot_scans(&tallies, &flagged);
        let f7 = lots
            .iter()
            .find(|l| l.lot.as_deref() == Some("F7"))
            .unwrap();
        assert_eq!((f7.scans, f7.serials, f7.flagged), (10_013, 2, 2));
        let json = serde_json::to_value(&flagged[0].signals).unwrap();
        assert_eq!(json[0]["signal"], "before_activation");
    }

    #[test]
    fn thresholds_are_read_with_defaults() {
        let read: ScanThresholds = serde_json::from_str(r#"{"copied_after": 5}"#).unwrap();
        assert_eq!(read.copied_after, 5);
        assert_eq!(read.spread_days, ScanThresholds::default().spread_days);
        assert!(serde_json::from_str::<ScanThresholds>(r#"{"copied": 5}"#).is_err());
    }
}

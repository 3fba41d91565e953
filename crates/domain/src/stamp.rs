//! Stamps: serialised labels bound to one lot, the end of "stamps bought in bulk". A stamp run is
//! one print job: a consecutive range of sequence numbers of one lot, who printed it and when,
//! and where it stands (printed, active once its commissioning event is captured, deactivated).
//!
//! A stamp's serial (AI 21) is its sequence number and a four-character code keyed by a secret
//! the run keeps: `000123-K7QX`. Anyone can read the number; nobody without the secret can make
//! a code that matches it, so a forger cannot print serials the province never issued without
//! the scan showing it. The lot's quantity caps how many stamps all its runs may print.

use std::fmt;

use nguon_gs1::Gtin;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::units::{Dimension, to_base};
use crate::{DomainError, NetContent, OrganisationId, StampRunId};

/// The most stamps one print run may hold.
pub const MAX_STAMPS_PER_RUN: u32 = 10_000;

/// The symbols a serial's code is written with: no 0/O or 1/I to misread on a worn label.
const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Characters of the keyed code.
const CODE_LENGTH: usize = 4;

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StampState {
    /// Printed, not yet put on goods: a scan now is early.
    Printed,
    /// Commissioned: the stamps are on goods.
    Active,
    /// Withdrawn: a scan now is of a stamp that should not be in use.
    Deactivated,
}

impl StampState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Printed => "printed",
            Self::Active => "active",
            Self::Deactivated => "deactivated",
        }
    }

    /// The state a stored name names.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Printed, Self::Active, Self::Deactivated]
            .into_iter()
            .find(|state| state.as_str() == name)
    }

    /// Checks `self → to` is the next step.
    pub fn check_change(self, to: Self) -> Result<(), DomainError> {
        match (self, to) {
            (Self::Printed, Self::Active) | (Self::Printed | Self::Active, Self::Deactivated) => {
                Ok(())
            }
            _ => Err(DomainError::StampStateTransition {
                from: self.as_str(),
                to: to.as_str(),
            }),
        }
    }
}

impl fmt::Display for StampState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The runs of one organisation in one state, summed: what the Plan 140 dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StampTotal {
    /// The organisation that printed them.
    pub organisation: OrganisationId,
    /// Where the runs stand.
    pub state: StampState,
    /// Print runs.
    pub runs: u64,
    /// Stamps in those runs.
    pub stamps: u64,
}

/// A print run asked for.
#[derive(Debug, Clone)]
pub struct NewStampRun {
    /// The organisation that holds the lot.
    pub organisation: OrganisationId,
    /// The lot's GTIN.
    pub gtin: Gtin,
    /// The lot number (AI 10).
    pub lot: String,
    /// How many stamps.
    pub count: u32,
    /// The key of the serials' codes: random, kept with the run.
    pub secret: [u8; 16],
    /// The symbol printed (`qr`, `datamatrix`, …), for the log.
    pub symbology: String,
    /// The label stock (`a4-3x8`, `thermal-50x30`, …), for the log.
    pub layout: String,
}

impl NewStampRun {
    /// Checks the count is one a run may print.
    pub fn check_count(count: u32) -> Result<u32, DomainError> {
        if (1..=MAX_STAMPS_PER_RUN).contains(&count) {
            Ok(count)
        } else {
            Err(DomainError::StampCount {
                max: MAX_STAMPS_PER_RUN,
                found: count.to_string(),
            })
        }
    }
}

/// A stored print run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StampRun {
    /// Its id.
    pub id: StampRunId,
    /// The organisation that holds the lot.
    pub organisation: OrganisationId,
    /// The lot's GTIN.
    pub gtin: Gtin,
    /// The lot number.
    pub lot: String,
    /// The first sequence number, from 1 across all the lot's runs.
    pub first: u32,
    /// How many stamps.
    pub count: u32,
    /// The code key.
    #[serde(skip)]
    pub secret: [u8; 16],
    /// The symbol printed.
    pub symbology: String,
    /// The label stock.
    pub layout: String,
    /// Who printed it, as the audit log names actors.
    pub printed_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub printed_at: OffsetDateTime,
    /// Where it stands.
    pub state: StampState,
    /// When it last changed state.
    #[serde(with = "time::serde::rfc3339")]
    pub state_changed_at: OffsetDateTime,
}

impl StampRun {
    /// The last sequence number.
    pub fn last(&self) -> u32 {
        self.first + self.count - 1
    }

    /// The serial of sequence number `sequence`.
    pub fn serial(&self, sequence: u32) -> String {
        format!("{sequence:06}-{}", self.code(sequence))
    }

    /// Every serial of the run, in order.
    pub fn serials(&self) -> impl Iterator<Item = String> + '_ {
        (self.first..=self.last()).map(|sequence| self.serial(sequence))
    }

    /// The sequence number of `serial` when this run issued it: in range, with the right code.
    pub fn sequence_of(&self, serial: &str) -> Option<u32> {
        let sequence = sequence_number(serial)?;
        (self.first..=self.last())
            .contains(&sequence)
            .then(|| self.serial(sequence) == serial)
            .filter(|matches| *matches)
            .map(|_| sequence)
    }

    fn code(&self, sequence: u32) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.secret);
        hasher.update(self.gtin.as_str().as_bytes());
        hasher.update(b"\x1d");
        hasher.update(self.lot.as_bytes());
        hasher.update(b"\x1d");
        hasher.update(sequence.to_be_bytes());
        let digest = hasher.finalize();
        digest[..CODE_LENGTH]
            .iter()
            .map(|byte| char::from(CODE_ALPHABET[usize::from(byte & 31)]))
            .collect()
    }
}

/// The sequence number a serial claims, whoever issued it.
pub fn sequence_number(serial: &str) -> Option<u32> {
    let (number, code) = serial.split_once('-')?;
    (code.len() == CODE_LENGTH && number.len() >= 6 && number.bytes().all(|b| b.is_ascii_digit()))
        .then(|| number.parse().ok())
        .flatten()
}

/// How many stamps a lot of `amount` `uom` can carry: one per piece when it is counted, else
/// one per net content of the product when both are amounts of the same kind.
pub fn stamp_cap(
    amount: f64,
    uom: Option<&str>,
    net_content: Option<NetContent>,
) -> Result<u64, DomainError> {
    let unknown = |reason: String| DomainError::StampCapUnknown { reason };
    let (dimension, base) = to_base(amount, uom).ok_or_else(|| {
        unknown(format!(
            "its quantity is in {}, a unit not known here",
            uom.unwrap_or_default()
        ))
    })?;
    if dimension == Dimension::Count {
        return Ok(base.max(0.0).floor() as u64);
    }
    let net = net_content.ok_or_else(|| {
        unknown(
            "its quantity is an amount, not a count: register the product's net content so the number of packs it makes is known".to_owned(),
        )
    })?;
    let (net_dimension, per_pack) = to_base(net.amount(), Some(net.unit().as_str()))
        .ok_or_else(|| unknown("the product's net content has a unit not known here".to_owned()))?;
    if net_dimension != dimension || per_pack <= 0.0 {
        return Err(unknown(format!(
            "its quantity ({amount} {}) and the product's net content ({} {}) are not the same kind of amount",
            uom.unwrap_or_default(),
            net.amount(),
            net.unit().as_str()
        )));
    }
    // A hair of tolerance so 10 kg of 0.2 kg packs is 50, not 49.999….
    Ok((base / per_pack + 1e-9).floor() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(first: u32, count: u32) -> StampRun {
        StampRun {
            id: StampRunId::generate(),
            organisation: OrganisationId::generate(),
            gtin: Gtin::parse("08931234560034").unwrap(),
            lot: "F7".into(),
            first,
            count,
            secret: [7; 16],
            symbology: "qr".into(),
            layout: "a4-3x8".into(),
            printed_by: "cli".into(),
            printed_at: OffsetDateTime::UNIX_EPOCH,
            state: StampState::Printed,
            state_changed_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn serials_carry_a_code_only_the_run_can_make() {
        let run = run(101, 100);
        let serials: Vec<String> = run.serials().collect();
        assert_eq!(serials.len(), 100);
        assert!(serials[0].starts_with("000101-") && serials[0].len() == 11);
        assert!(
            serials
                .iter()
                .all(|s| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        );
        assert_eq!(run.sequence_of(&serials[5]), Some(106));
        // Outside the range, or with a code made up, it is not this run's.
        assert_eq!(run.sequence_of(&run.serial(201)), None);
        let forged = format!("{}AAAA", &serials[5][..7]);
        assert!(forged != serials[5]);
        assert_eq!(run.sequence_of(&forged), None);
        // Another secret makes other codes.
        let mut other = run.clone();
        other.secret = [8; 16];
        assert_ne!(other.serial(101), run.serial(101));
        assert_eq!(sequence_number("000106-ABCD"), Some(106));
        assert_eq!(sequence_number("106"), None);
    }

    #[test]
    fn a_lot_carries_a_stamp_per_piece_or_per_pack() {
        assert_eq!(stamp_cap(1200.0, Some("H87"), None).unwrap(), 1200);
        assert_eq!(stamp_cap(37.0, None, None).unwrap(), 37);
        let half_kilo = NetContent::parse("500", "GRM").unwrap();
        assert_eq!(
            stamp_cap(1108.0, Some("KGM"), Some(half_kilo)).unwrap(),
            2216
        );
        let fifth = NetContent::parse("0.2", "KGM").unwrap();
        assert_eq!(stamp_cap(10.0, Some("KGM"), Some(fifth)).unwrap(), 50);
        let without = stamp_cap(1108.0, Some("KGM"), None)
            .unwrap_err()
            .to_string();
        assert!(
            without.starts_with("lot: ") && without.contains("net content"),
            "{without}"
        );
        let litre = NetContent::parse("1", "LTR").unwrap();
        assert!(stamp_cap(5.0, Some("KGM"), Some(litre)).is_err());
        assert!(stamp_cap(5.0, Some("XYZ"), None).is_err());
    }

    #[test]
    fn runs_go_printed_active_deactivated() {
        use StampState::*;
        assert!(Printed.check_change(Active).is_ok());
        assert!(Active.check_change(Deactivated).is_ok());
        assert!(Printed.check_change(Deactivated).is_ok());
        let back = Deactivated.check_change(Active).unwrap_err().to_string();
        assert_eq!(
            back,
            "stamp run: cannot change from deactivated to active; stamps go printed → active → deactivated"
        );
        assert!(Active.check_change(Active).is_err());
    }

    #[test]
    fn counts_are_bounded() {
        assert!(NewStampRun::check_count(0).is_err());
        assert_eq!(NewStampRun::check_count(24).unwrap(), 24);
        assert!(NewStampRun::check_count(MAX_STAMPS_PER_RUN + 1).is_err());
    }
}

//! Tamper evidence for Nguồn. The stores chain each organisation's events by hash as they are
//! captured (`nguon_store::chain`); this crate holds what needs the province's ed25519 key:
//! signing checkpoints of those chains ([`sign_checkpoints`]) and checking everything again —
//! every event hash against its document, every link, every position, every checkpoint
//! ([`verify`]). The key lives in a file, never in the database, so someone who can write the
//! database but not read that file cannot forge a checkpoint.

#![warn(missing_docs)]

mod key;
mod verify;

pub use key::{KeyError, ProvinceKey, PublicKey, checkpoint_message, hex, sign_checkpoints};
pub use verify::{Finding, Problem, VerifyReport, verify};

//! The `[sync]` configuration: how often the worker looks, how it backs off, and the targets.

use std::collections::BTreeMap;
use std::time::Duration;

use nguon_domain::{OrganisationId, PartnerId, SubjectKind, TargetName};
use secrecy::SecretString;
use serde::Deserialize;

/// `[sync]`: off (no targets) unless targets are configured.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Seconds between looks at the outbox when the last look found nothing.
    pub poll_seconds: f64,
    /// Seconds before the first retry; each further retry waits twice as long, with jitter.
    pub retry_base_seconds: f64,
    /// The longest wait between retries, in seconds.
    pub retry_cap_seconds: f64,
    /// Attempts before a delivery that keeps failing transiently is marked failed.
    pub max_attempts: u32,
    /// Seconds between checks of a sent record the target has not confirmed yet.
    pub confirm_seconds: f64,
    /// Seconds one HTTP exchange may take before it counts as a transient failure.
    pub request_timeout_seconds: f64,
    /// Seconds a worker holds the deliveries it claimed; a crashed worker's come back after it.
    pub lease_seconds: f64,
    /// Where the records go.
    pub targets: Vec<TargetConfig>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            poll_seconds: 2.0,
            retry_base_seconds: 5.0,
            retry_cap_seconds: 1800.0,
            max_attempts: 12,
            confirm_seconds: 60.0,
            request_timeout_seconds: 15.0,
            lease_seconds: 900.0,
            targets: Vec::new(),
        }
    }
}

impl SyncConfig {
    /// The worker's timings, checked.
    pub fn settings(&self) -> Result<WorkerSettings, String> {
        let seconds = |name: &str, value: f64| {
            if value.is_finite() && value > 0.0 && value <= 86_400.0 {
                Ok(Duration::from_secs_f64(value))
            } else {
                Err(format!(
                    "sync.{name}: must be a number of seconds above 0 and at most 86400, found {value}"
                ))
            }
        };
        if self.max_attempts == 0 {
            return Err("sync.max_attempts: must be at least 1".to_owned());
        }
        if let Some(target) = self
            .targets
            .iter()
            .find(|t| t.partner.is_some() && !t.organisations.is_empty())
        {
            return Err(format!(
                "sync.targets {:?}: give either organisations or partner, not both; a partner's \
                 target takes the organisations that share with it",
                target.name.as_str()
            ));
        }
        let mut names: Vec<&str> = self.targets.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!(
                "sync.targets: the name {:?} is used twice; each target needs its own",
                pair[0]
            ));
        }
        Ok(WorkerSettings {
            poll: seconds("poll_seconds", self.poll_seconds)?,
            retry_base: seconds("retry_base_seconds", self.retry_base_seconds)?,
            retry_cap: seconds("retry_cap_seconds", self.retry_cap_seconds)?,
            max_attempts: self.max_attempts,
            confirm_every: seconds("confirm_seconds", self.confirm_seconds)?,
            request_timeout: seconds("request_timeout_seconds", self.request_timeout_seconds)?,
            lease: seconds("lease_seconds", self.lease_seconds)?,
        })
    }
}

/// The worker's timings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkerSettings {
    /// Pause after a look that found nothing.
    pub poll: Duration,
    /// First retry delay.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_cap: Duration,
    /// Attempts before giving up.
    pub max_attempts: u32,
    /// Pause between confirmation checks.
    pub confirm_every: Duration,
    /// Longest HTTP exchange.
    pub request_timeout: Duration,
    /// How long claimed deliveries stay with the worker that claimed them.
    pub lease: Duration,
}

/// One `[[sync.targets]]` entry. (Unknown fields are refused by the kind's own table:
/// `deny_unknown_fields` does not work beside `flatten`.)
#[derive(Debug, Clone, Deserialize)]
pub struct TargetConfig {
    /// Its name, kept with every delivery.
    #[serde(deserialize_with = "target_name")]
    pub name: TargetName,
    /// Only these organisations' records go there (every organisation's when empty).
    #[serde(default)]
    pub organisations: Vec<OrganisationId>,
    /// The partner system (an export buyer, a partner province) the target belongs to: only the
    /// records of organisations that share their data with it (a live read grant) go there.
    #[serde(default)]
    pub partner: Option<PartnerId>,
    /// What kind of system it is, and how to reach it.
    #[serde(flatten)]
    pub kind: TargetKind,
}

/// The systems Nguồn can send to.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetKind {
    /// The national traceability portal of MOST (truyxuatnguongoc.gov.vn).
    MostPortal(MostPortalConfig),
    /// Any EPCIS 2.0 capture endpoint (MAE, MOIT, a partner province, an export buyer).
    Epcis(EpcisConfig),
}

impl TargetKind {
    /// The subjects this kind of target takes.
    pub fn subjects(&self) -> &'static [SubjectKind] {
        match self {
            Self::MostPortal(_) => &SubjectKind::ALL,
            Self::Epcis(_) => &[SubjectKind::Events],
        }
    }
}

/// How to reach the national portal. Its integration guide is not public, so endpoint paths and
/// field names are configuration; the defaults follow what public client code shows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MostPortalConfig {
    /// The API gateway, e.g. `https://quantri.truyxuatnguongoc.gov.vn/gwdev`.
    pub base_url: String,
    /// The SSO token endpoint (OAuth 2.0 client credentials).
    pub token_url: String,
    /// The client id NBC issued.
    pub client_id: String,
    /// The client secret NBC issued.
    pub client_secret: SecretString,
    /// Where product images are publicly reachable: the province's public origin, e.g.
    /// `https://truyxuat.camau.gov.vn` (images are at `/media/{id}` under it).
    pub public_base_url: String,
    /// Endpoint paths under `base_url`.
    #[serde(default)]
    pub paths: MostPaths,
    /// Renames of payload field names (ours → the portal's), for when the guide differs.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// The portal's endpoint paths.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MostPaths {
    /// Organisation profiles: `POST` to push, `GET ?maSoThue=` to look one up.
    pub organisation: String,
    /// Products: `POST` to push, `GET {path}/{id}` to check, `GET ?maGTIN=` to look one up.
    pub product: String,
    /// Lots with their events: `POST` to push, `GET {path}/{id}` to check.
    pub lots: String,
}

impl Default for MostPaths {
    fn default() -> Self {
        Self {
            organisation: "/tochuc/v5/ToChuc".to_owned(),
            product: "/tochuc/v5/ToChuc_SanPham".to_owned(),
            lots: "/tochuc/v5/LoHang_SuKien".to_owned(),
        }
    }
}

/// How to reach an EPCIS 2.0 capture endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpcisConfig {
    /// The capture URL, e.g. `https://epcis.buyer.example/epcis/capture`.
    pub capture_url: String,
    /// A bearer token, when the endpoint asks for one.
    #[serde(default)]
    pub token: Option<SecretString>,
}

fn target_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<TargetName, D::Error> {
    let text = String::deserialize(deserializer)?;
    TargetName::parse(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_from_toml_and_bad_settings_are_named() {
        let config: SyncConfig = read(
            r#"{"poll_seconds": 1, "targets": [
                {"name": "most", "kind": "most_portal", "base_url": "https://p", "token_url": "https://s/token",
                 "client_id": "id", "client_secret": "secret", "public_base_url": "https://truyxuat.example.vn"},
                {"name": "buyer", "kind": "epcis", "capture_url": "https://b/epcis/capture"}]}"#,
        );
        assert_eq!(config.targets.len(), 2);
        assert!(matches!(config.targets[0].kind, TargetKind::MostPortal(_)));
        assert_eq!(config.targets[1].kind.subjects(), &[SubjectKind::Events]);
        assert!(
            !format!("{config:?}").contains("secret\""),
            "secrets are redacted"
        );
        assert_eq!(config.settings().unwrap().poll, Duration::from_secs(1));

        let mut twice = config.clone();
        twice.targets[1].name = TargetName::parse("most").unwrap();
        assert!(
            twice
                .settings()
                .unwrap_err()
                .contains("\"most\" is used twice")
        );
        let mut both = config.clone();
        both.targets[1].organisations = vec![OrganisationId::generate()];
        both.targets[1].partner = Some(PartnerId::generate());
        assert!(
            both.settings()
                .unwrap_err()
                .contains("either organisations or partner")
        );
        let mut zero = config;
        zero.retry_base_seconds = 0.0;
        assert!(
            zero.settings()
                .unwrap_err()
                .starts_with("sync.retry_base_seconds")
        );
    }

    fn read(json: &str) -> SyncConfig {
        serde_json::from_str(json).expect("valid sync config")
    }
}

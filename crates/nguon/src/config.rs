//! Configuration, layered: built-in defaults, then the TOML file, then `NGUON_*` environment
//! variables (nested keys with `__`, e.g. `NGUON_GS1__…`), then command-line flags.
//!
//! Unknown keys are errors, so a typo in `nguon.toml` or in a variable name is caught at start
//! rather than silently ignored. figment names the source of a bad value in its error.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use nguon_gs1::PrefixLengths;
use nguon_store::DatabaseUrl;
use serde::Deserialize;

/// Where the database is when nothing says otherwise: a SQLite file in the working directory.
const DEFAULT_DATABASE_URL: &str = "nguon.db";
/// Loopback only by default: exposing the server is a deliberate act.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The configuration file read when `--config` is not given, if it exists.
const DEFAULT_CONFIG_FILE: &str = "nguon.toml";
/// Prefix of the environment variables read.
const ENV_PREFIX: &str = "NGUON_";
/// `NGUON_*` variables that belong to other tools and are not configuration; the test suite
/// reads `NGUON_TEST_DATABASE_URL`.
const ENV_NOT_CONFIG: &[&str] = &["test_database_url"];

/// The effective configuration. `Debug` and the start-up log redact the database password and
/// the sync targets' secrets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the data lives.
    pub database_url: DatabaseUrl,
    /// Address `serve` listens on.
    pub listen: SocketAddr,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// GS1 settings.
    #[serde(default)]
    pub gs1: Gs1Config,
    /// EPCIS capture settings.
    #[serde(default)]
    pub epcis: EpcisConfig,
    /// Portal sign-in settings.
    #[serde(default)]
    pub portal: PortalConfig,
    /// The province served.
    #[serde(default)]
    pub province: ProvinceConfig,
    /// The GS1 resolver.
    #[serde(default)]
    pub resolver: ResolverConfig,
    /// Request rates.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// When scans of a code become counterfeit signals.
    #[serde(default)]
    pub scans: nguon_domain::ScanThresholds,
    /// Where records are sent: the national portal, EPCIS partners.
    #[serde(default)]
    pub sync: nguon_sync::SyncConfig,
    /// The Prometheus metrics listener.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// Tamper evidence: the signing key and how often checkpoints are signed.
    #[serde(default)]
    pub integrity: IntegrityConfig,
    /// Households' personal data: how long it is kept.
    #[serde(default)]
    pub privacy: PrivacyConfig,
}

/// The `[privacy]` table: how long households' personal fields are kept after their last
/// activity, `retention_days` by default and `[privacy.retention]` per product group code, each
/// at least [`nguon_domain::RETENTION_FLOOR_DAYS`] (checked here, naming the key).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "PrivacyTable")]
pub struct PrivacyConfig {
    /// The policy `nguon privacy retention` applies.
    pub retention: nguon_domain::RetentionPolicy,
}

/// The `[privacy]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivacyTable {
    retention_days: Option<u32>,
    #[serde(default)]
    retention: BTreeMap<String, u32>,
}

impl TryFrom<PrivacyTable> for PrivacyConfig {
    type Error = String;

    fn try_from(table: PrivacyTable) -> Result<Self, Self::Error> {
        let mut by_group = BTreeMap::new();
        for (code, days) in table.retention {
            let group = nguon_domain::ProductGroupCode::parse(&code)
                .map_err(|error| format!("privacy.retention.{code}: {error}"))?;
            by_group.insert(group, days);
        }
        let default_days = table
            .retention_days
            .unwrap_or_else(|| nguon_domain::RetentionPolicy::default().days_for([]));
        let retention = nguon_domain::RetentionPolicy::new(default_days, by_group)
            .map_err(|error| error.to_string())?;
        Ok(Self { retention })
    }
}

/// The `[integrity]` table: the province's signing key and its checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntegrityConfig {
    /// The file holding the province's ed25519 signing key, made (readable by its owner only) on
    /// first use. Keep it off the database server: whoever holds it and the database can rewrite
    /// history undetected.
    pub signing_key: PathBuf,
    /// Minutes between the checkpoints `serve` signs at every chain's head; 0 signs none.
    pub checkpoint_minutes: u32,
}

impl Default for IntegrityConfig {
    fn default() -> Self {
        Self {
            signing_key: PathBuf::from("nguon-signing.key"),
            checkpoint_minutes: 60,
        }
    }
}

/// The `[metrics]` table: where Prometheus scrapes `GET /metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// The address of the metrics listener, apart from the portal's so it need not be exposed
    /// with it; unset, no metrics are recorded or served.
    pub listen: Option<SocketAddr>,
}

/// The `[limits]` table: how fast one API key may capture and one client address may scan.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Capture requests (`POST /epcis/capture` and `/epcis/events`) per API key a minute; 0 for
    /// no limit.
    pub captures_per_minute: u32,
    /// Resolver scans per client address a minute; 0 for no limit.
    pub scans_per_minute: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            captures_per_minute: nguon_web::throttle::DEFAULT_PER_MINUTE,
            scans_per_minute: nguon_web::throttle::DEFAULT_PER_MINUTE,
        }
    }
}

impl LimitsConfig {
    /// The web crate's limiters.
    pub fn request_limits(&self) -> nguon_web::throttle::RequestLimits {
        nguon_web::throttle::RequestLimits::new(
            std::num::NonZeroU32::new(self.captures_per_minute),
            std::num::NonZeroU32::new(self.scans_per_minute),
        )
    }
}

/// The `[resolver]` table: how the GS1 resolver at the root of the server presents itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResolverConfig {
    /// The public origin scanned codes name, e.g. `https://id.truyxuat.camau.gov.vn` (scheme and
    /// host only). Unset: each request's own host, over http.
    #[serde(deserialize_with = "resolver_base_url")]
    pub base_url: Option<String>,
    /// Reverse proxies in front of the server whose `X-Forwarded-For` and country headers are
    /// believed; a direct client's own headers never are.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Seconds the resolver's links and the public page's chain of a code are reused before
    /// they are read again; 0 reads them on every scan.
    pub cache_seconds: u64,
}

impl Default for ResolverConfig {
    fn default() -> Self {
        Self {
            base_url: None,
            trusted_proxies: Vec::new(),
            cache_seconds: 10,
        }
    }
}

impl ResolverConfig {
    /// The web crate's settings, with the scan thresholds of `[scans]`.
    pub fn settings(
        &self,
        scan_thresholds: nguon_domain::ScanThresholds,
    ) -> nguon_web::resolver::ResolverSettings {
        nguon_web::resolver::ResolverSettings {
            base_url: self.base_url.clone(),
            trusted_proxies: self.trusted_proxies.clone(),
            scan_thresholds,
            ..Default::default()
        }
    }
}

/// Reads `[resolver] base_url`: `https://host[:port]` or `http://…`, no path, query or user.
fn resolver_base_url<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let trimmed = text.trim().trim_end_matches('/');
    let host = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match host {
        Some(host)
            if !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)) =>
        {
            Ok(Some(trimmed.to_owned()))
        }
        _ => Err(serde::de::Error::custom(format!(
            "resolver.base_url: must be an origin such as https://id.example.vn (scheme and host, no path), found {text:?}"
        ))),
    }
}

/// The `[province]` table: which province the system serves.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProvinceConfig {
    /// Its two-digit code: addresses are picked from its communes.
    pub code: nguon_domain::ProvinceCode,
    /// The GS1 company prefix the province holds for members without their own: the portal
    /// allocates their facilities' GLNs from it.
    pub gs1_prefix: Option<nguon_gs1::CompanyPrefix>,
}

impl Default for ProvinceConfig {
    fn default() -> Self {
        Self {
            code: nguon_domain::ProvinceCode::parse(nguon_web::ui::DEFAULT_PROVINCE)
                .expect("a valid province code"),
            gs1_prefix: None,
        }
    }
}

/// The `[portal]` table: how sign-in sessions behave.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PortalConfig {
    /// Mark cookies `Secure`: set it when the portal is served over HTTPS (behind a proxy too).
    pub secure_cookies: bool,
    /// Hours a session lasts at most.
    pub session_hours: u16,
    /// Minutes a session may go unused before it ends.
    pub idle_minutes: u16,
    /// Days before a certificate expires from which the portal warns about it.
    pub certificate_alert_days: u16,
}

impl Default for PortalConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_hours: 12,
            idle_minutes: 30,
            certificate_alert_days: nguon_web::ui::DEFAULT_CERTIFICATE_ALERT_DAYS,
        }
    }
}

impl PortalConfig {
    /// The web crate's settings for a portal serving `province`.
    pub fn settings(&self, province: &ProvinceConfig) -> nguon_web::ui::UiSettings {
        nguon_web::ui::UiSettings {
            province: province.code,
            province_prefix: province.gs1_prefix.clone(),
            certificate_alert_days: self.certificate_alert_days,
            secure_cookies: self.secure_cookies,
            session_lifetime: time::Duration::hours(i64::from(self.session_hours.max(1))),
            idle_timeout: time::Duration::minutes(i64::from(self.idle_minutes.max(1))),
            sync_targets: Vec::new(),
        }
    }
}

/// The `[epcis]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EpcisConfig {
    /// Most events one capture document may hold (`GS1-EPCIS-Capture-Limit`).
    pub capture_limit: usize,
    /// Largest capture document in bytes (`GS1-EPCIS-Capture-File-Size-Limit`).
    pub capture_file_size_limit: usize,
    /// Most events accepted and not stored yet; a capture beyond it answers `503`.
    pub capture_backlog: usize,
}

impl Default for EpcisConfig {
    fn default() -> Self {
        let defaults = nguon_web::EpcisSettings::default();
        Self {
            capture_limit: defaults.capture_limit,
            capture_file_size_limit: defaults.capture_file_size_limit,
            capture_backlog: nguon_web::epcis::capture::CaptureQueue::DEFAULT_BACKLOG,
        }
    }
}

/// The `[gs1]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gs1Config {
    /// Company prefix lengths: the built-in rows plus `[gs1.prefix_lengths]`, where each key is
    /// leading digits and each value the length of the company prefixes that start with them.
    #[serde(
        default = "PrefixLengths::builtin",
        deserialize_with = "prefix_lengths"
    )]
    pub prefix_lengths: PrefixLengths,
}

impl Default for Gs1Config {
    fn default() -> Self {
        Self {
            prefix_lengths: PrefixLengths::builtin(),
        }
    }
}

fn prefix_lengths<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<PrefixLengths, D::Error> {
    let rows = BTreeMap::<String, usize>::deserialize(deserializer)?;
    let mut table = PrefixLengths::builtin();
    for (digits, length) in &rows {
        table
            .add(digits, *length)
            .map_err(serde::de::Error::custom)?;
    }
    Ok(table)
}

/// How log lines are written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Text => "text",
            Self::Json => "json",
        })
    }
}

/// Which configuration file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    path: PathBuf,
    required: bool,
}

impl ConfigFile {
    /// A file named on the command line: a missing one is an error, since it was asked for.
    pub fn required(path: PathBuf) -> Self {
        Self {
            path,
            required: true,
        }
    }
}

impl Default for ConfigFile {
    /// `nguon.toml` in the working directory, read only if present.
    fn default() -> Self {
        Self {
            path: PathBuf::from(DEFAULT_CONFIG_FILE),
            required: false,
        }
    }
}

/// Values from command-line flags, which override every other source. `None` leaves the value
/// from the lower layers.
#[derive(Debug, Default)]
pub struct Flags {
    /// `--database`.
    pub database_url: Option<DatabaseUrl>,
    /// `--listen`.
    pub listen: Option<SocketAddr>,
    /// `--log-format`.
    pub log_format: Option<LogFormat>,
}

/// Reads defaults, the file and the environment, in that order of precedence (lowest first).
pub fn load(file: &ConfigFile) -> anyhow::Result<Config> {
    let mut figment = Figment::new()
        .merge(Serialized::default("database_url", DEFAULT_DATABASE_URL))
        .merge(Serialized::default("listen", DEFAULT_LISTEN))
        .merge(Serialized::default(
            "log_format",
            LogFormat::Text.to_string(),
        ));
    if file.path.is_file() {
        // `file_exact`, not `file`: `file` also searches parent directories, which would pick up
        // an unrelated nguon.toml above the working directory.
        figment = figment.merge(Toml::file_exact(&file.path));
    } else if file.required {
        bail!("config file {} does not exist", file.path.display());
    }
    let config: Config = figment
        .merge(Env::prefixed(ENV_PREFIX).split("__").ignore(ENV_NOT_CONFIG))
        .extract()
        .context("invalid configuration")?;
    if config.epcis.capture_backlog < config.epcis.capture_limit {
        bail!(
            "invalid configuration: epcis.capture_backlog ({}) must be at least epcis.capture_limit ({}), or a full document could never be accepted",
            config.epcis.capture_backlog,
            config.epcis.capture_limit
        );
    }
    Ok(config)
}

impl Config {
    /// Applies command-line flags on top.
    pub fn with_flags(mut self, flags: Flags) -> Self {
        if let Some(database_url) = flags.database_url {
            self.database_url = database_url;
        }
        if let Some(listen) = flags.listen {
            self.listen = listen;
        }
        if let Some(log_format) = flags.log_format {
            self.log_format = log_format;
        }
        self
    }

    /// Logs the configuration in force, password redacted, so an operator can see what a
    /// process actually runs with.
    pub fn log_effective(&self) {
        tracing::info!(
            database_url = %self.database_url,
            listen = %self.listen,
            log_format = %self.log_format,
            "effective configuration"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::Jail;

    fn url(text: &str) -> DatabaseUrl {
        DatabaseUrl::parse(text).unwrap()
    }

    /// Runs `check` in a fresh temporary working directory with scoped environment variables.
    #[expect(
        clippy::result_large_err,
        reason = "figment's Jail fixes the closure's error type to figment::Error"
    )]
    fn jail(check: impl FnOnce(&mut Jail) -> anyhow::Result<()>) {
        Jail::expect_with(|jail| check(jail).map_err(|e| format!("{e:#}").into()));
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        jail(|_| {
            let config = load(&ConfigFile::default())?;
            // Compared through `Debug`: secrets make the sync table incomparable otherwise.
            assert_eq!(
                format!("{config:?}"),
                format!(
                    "{:?}",
                    Config {
                        database_url: url("nguon.db"),
                        listen: "127.0.0.1:8080".parse()?,
                        log_format: LogFormat::Text,
                        gs1: Gs1Config::default(),
                        epcis: EpcisConfig::default(),
                        portal: PortalConfig::default(),
                        province: ProvinceConfig::default(),
                        resolver: ResolverConfig::default(),
                        limits: LimitsConfig::default(),
                        scans: nguon_domain::ScanThresholds::default(),
                        sync: nguon_sync::SyncConfig::default(),
                        metrics: MetricsConfig::default(),
                        integrity: IntegrityConfig::default(),
                        privacy: PrivacyConfig::default(),
                    }
                )
            );
            Ok(())
        });
    }

    #[test]
    fn the_file_overrides_defaults() {
        jail(|jail| {
            jail.create_file(
                "nguon.toml",
                r#"
                    database_url = "sqlite:///var/lib/nguon/nguon.db"
                    listen = "0.0.0.0:9000"
                    log_format = "json"
                "#,
            )?;
            let config = load(&ConfigFile::default())?;
            assert_eq!(config.database_url, url("/var/lib/nguon/nguon.db"));
            assert_eq!(config.listen, "0.0.0.0:9000".parse()?);
            assert_eq!(config.log_format, LogFormat::Json);
            Ok(())
        });
    }

    #[test]
    fn the_signing_key_and_checkpoint_interval_come_from_the_file_and_the_environment() {
        jail(|jail| {
            jail.create_file(
                "nguon.toml",
                "[integrity]\nsigning_key = \"/etc/nguon/signing.key\"\n",
            )?;
            jail.set_env("NGUON_INTEGRITY__CHECKPOINT_MINUTES", "15");
            let config = load(&ConfigFile::default())?;
            assert_eq!(
                config.integrity,
                IntegrityConfig {
                    signing_key: PathBuf::from("/etc/nguon/signing.key"),
                    checkpoint_minutes: 15,
                }
            );
            Ok(())
        });
    }

    #[test]
    fn the_resolver_base_url_is_an_origin() {
        jail(|jail| {
            jail.create_file(
                "nguon.toml",
                "[resolver]\nbase_url = \"https://id.truyxuat.example.vn/\"\n",
            )?;
            let config = load(&ConfigFile::default())?;
            assert_eq!(
                config.resolver.settings(config.scans).base_url.as_deref(),
                Some("https://id.truyxuat.example.vn")
            );
            jail.create_file(
                "nguon.toml",
                "[resolver]\nbase_url = \"https://id.example.vn/qr\"\n",
            )?;
            let error = format!("{:#}", load(&ConfigFile::default()).unwrap_err());
            assert!(
                error.contains("resolver.base_url: must be an origin"),
                "{error}"
            );
            Ok(())
        });
    }

    #[test]
    fn proxies_and_scan_thresholds_reach_the_resolver() {
        jail(|jail| {
            jail.create_file(
                "nguon.toml",
                "[resolver]\ntrusted_proxies = [\"127.0.0.1\", \"::1\"]\n[scans]\ncopied_after = 12\n",
            )?;
            jail.set_env("NGUON_SCANS__SPREAD_PLACES", "4");
            let config = load(&ConfigFile::default())?;
            let settings = config.resolver.settings(config.scans);
            assert_eq!(
                settings.trusted_proxies,
                ["127.0.0.1".parse::<std::net::IpAddr>()?, "::1".parse()?]
            );
            assert_eq!(settings.scan_thresholds.copied_after, 12);
            assert_eq!(settings.scan_thresholds.spread_places, 4);
            assert_eq!(
                settings.scan_thresholds.spread_days,
                nguon_domain::ScanThresholds::default().spread_days
            );
            jail.create_file("nguon.toml", "[scans]\ncopied = 12\n")?;
            let error = format!("{:#}", load(&ConfigFile::default()).unwrap_err());
            assert!(error.contains("copied"), "{error}");
            jail.create_file("nguon.toml", "[resolver]\ntrusted_proxies = [\"proxy\"]\n")?;
            assert!(load(&ConfigFile::default()).is_err());
            Ok(())
        });
    }

    #[test]
    fn the_environment_overrides_the_file_and_flags_override_both() {
        jail(|jail| {
            jail.create_file(
                "nguon.toml",
                "database_url = \"from-file.db\"\nlisten = \"127.0.0.1:9000\"\n",
            )?;
            jail.set_env("NGUON_DATABASE_URL", "postgres://nguon:s3cret@db/nguon");
            jail.set_env("NGUON_LISTEN", "127.0.0.1:9100");
            // Read by the test suite, not configuration: must not trip deny_unknown_fields.
            jail.set_env(
                "NGUON_TEST_DATABASE_URL",
                "postgres://postgres@127.0.0.1/test",
            );
            let config = load(&ConfigFile::default())?;
            assert_eq!(config.database_url, url("postgres://nguon:s3cret@db/nguon"));
            assert_eq!(config.listen, "127.0.0.1:9100".parse()?);

            let config = config.with_flags(Flags {
                database_url: Some(url("sqlite://flag.db")),
                listen: None,
                log_format: Some(LogFormat::Json),
            });
            assert_eq!(config.database_url, url("flag.db"));
            assert_eq!(
                config.listen,
                "127.0.0.1:9100".parse()?,
                "no flag, env stays"
            );
            assert_eq!(config.log_format, LogFormat::Json);
            Ok(())
        });
    }

    #[test]
    fn prefix_lengths_extend_the_builtin_table_from_file_and_environment() {
        jail(|jail| {
            jail.create_file("nguon.toml", "[gs1.prefix_lengths]\n\"8934673\" = 7\n")?;
            jail.set_env("NGUON_GS1__PREFIX_LENGTHS__8930001234", "10");
            let table = load(&ConfigFile::default())?.gs1.prefix_lengths;
            assert_eq!(table.length_for("8934673000017"), Some(7));
            assert_eq!(table.length_for("8930001234005"), Some(10));
            assert_eq!(
                table.length_for("8931111111111"),
                Some(9),
                "built-in 893 row"
            );
            Ok(())
        });
        jail(|jail| {
            jail.create_file("nguon.toml", "[gs1.prefix_lengths]\n\"893\" = 3\n")?;
            let error = format!("{:#}", load(&ConfigFile::default()).unwrap_err());
            assert!(error.contains("length 3 must be 4 to 12"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn a_named_file_is_read_and_must_exist() {
        jail(|jail| {
            jail.create_file("site.toml", "listen = \"127.0.0.1:7000\"\n")?;
            let config = load(&ConfigFile::required(PathBuf::from("site.toml")))?;
            assert_eq!(config.listen, "127.0.0.1:7000".parse()?);

            let missing = load(&ConfigFile::required(PathBuf::from("nope.toml"))).unwrap_err();
            assert_eq!(missing.to_string(), "config file nope.toml does not exist");
            Ok(())
        });
    }

    #[test]
    fn bad_values_and_unknown_keys_name_their_source() {
        jail(|jail| {
            jail.set_env("NGUON_LISTEN", "everywhere");
            let error = format!("{:#}", load(&ConfigFile::default()).unwrap_err());
            assert!(error.contains("invalid socket address"), "{error}");
            assert!(
                error.contains("\"LISTEN\" in `NGUON_` environment variable"),
                "{error}"
            );
            Ok(())
        });
        jail(|jail| {
            jail.create_file("nguon.toml", "listen_address = \"127.0.0.1:1\"\n")?;
            let error = format!("{:#}", load(&ConfigFile::default()).unwrap_err());
            assert!(error.contains("listen_address"), "{error}");
            assert!(error.contains("nguon.toml"), "{error}");
            Ok(())
        });
        jail(|jail| {
            jail.set_env("NGUON_DATABASE_URL", "mysql://x");
            let error = format!("{:#}", load(&ConfigFile::default()).unwrap_err());
            assert!(
                error.contains("scheme \"mysql\" is not supported"),
                "{error}"
            );
            Ok(())
        });
    }

    #[test]
    fn portal_settings_come_from_the_environment() {
        jail(|jail| {
            jail.set_env("NGUON_PORTAL__SECURE_COOKIES", "true");
            jail.set_env("NGUON_PORTAL__IDLE_MINUTES", "15");
            let config = load(&ConfigFile::default())?;
            assert!(config.portal.secure_cookies);
            let settings = config.portal.settings(&config.province);
            assert_eq!(settings.idle_timeout, time::Duration::minutes(15));
            assert_eq!(settings.session_lifetime, time::Duration::hours(12));
            Ok(())
        });
    }

    #[test]
    fn the_province_prefix_and_certificate_alerts_reach_the_portal() {
        jail(|jail| {
            jail.create_file(
                "nguon.toml",
                "[province]\ncode = \"96\"\ngs1_prefix = \"8938500\"\n\
                 [portal]\ncertificate_alert_days = 30\n",
            )?;
            let config = load(&ConfigFile::default())?;
            let settings = config.portal.settings(&config.province);
            assert_eq!(
                settings.province_prefix.as_ref().map(|p| p.as_str()),
                Some("8938500")
            );
            assert_eq!(settings.certificate_alert_days, 30);
            jail.create_file("nguon.toml", "[province]\ngs1_prefix = \"89x\"\n")?;
            assert!(
                load(&ConfigFile::default()).is_err(),
                "a bad prefix is refused"
            );
            Ok(())
        });
    }

    #[test]
    fn the_metrics_listener_is_off_unless_configured() {
        jail(|jail| {
            assert_eq!(load(&ConfigFile::default())?.metrics.listen, None);
            jail.create_file("nguon.toml", "[metrics]\nlisten = \"127.0.0.1:9464\"\n")?;
            assert_eq!(
                load(&ConfigFile::default())?.metrics.listen,
                Some("127.0.0.1:9464".parse()?)
            );
            jail.set_env("NGUON_METRICS__LISTEN", "0.0.0.0:9500");
            assert_eq!(
                load(&ConfigFile::default())?.metrics.listen,
                Some("0.0.0.0:9500".parse()?)
            );
            jail.set_env("NGUON_METRICS__LISTEN", "everywhere");
            let error = format!("{:#}", load(&ConfigFile::default()).unwrap_err());
            assert!(error.contains("invalid socket address"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn the_capture_backlog_holds_at_least_one_full_document() {
        jail(|jail| {
            assert_eq!(load(&ConfigFile::default())?.epcis.capture_backlog, 100_000);
            jail.create_file(
                "nguon.toml",
                "[epcis]\ncapture_limit = 5000\ncapture_backlog = 4999\n",
            )?;
            let error = format!("{:#}", load(&ConfigFile::default()).unwrap_err());
            assert!(
                error.contains(
                    "epcis.capture_backlog (4999) must be at least epcis.capture_limit (5000)"
                ),
                "{error}"
            );
            jail.set_env("NGUON_EPCIS__CAPTURE_BACKLOG", "20000");
            assert_eq!(load(&ConfigFile::default())?.epcis.capture_backlog, 20_000);
            Ok(())
        });
    }

    #[test]
    fn debug_redacts_the_database_password() {
        let config = Config {
            database_url: url("postgres://nguon:s3cret@db/nguon"),
            listen: "127.0.0.1:8080".parse().unwrap(),
            log_format: LogFormat::Text,
            gs1: Gs1Config::default(),
            epcis: EpcisConfig::default(),
            portal: PortalConfig::default(),
            province: ProvinceConfig::default(),
            resolver: ResolverConfig::default(),
            limits: LimitsConfig::default(),
            scans: nguon_domain::ScanThresholds::default(),
            sync: nguon_sync::SyncConfig::default(),
            metrics: MetricsConfig::default(),
            integrity: IntegrityConfig::default(),
            privacy: PrivacyConfig::default(),
        };
        let debug = format!("{config:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("nguon:***@db"), "{debug}");
    }

    #[test]
    fn sync_targets_come_from_the_file_with_their_secrets_redacted() {
        jail(|jail| {
            jail.create_file(
                "nguon.toml",
                r#"
                [sync]
                max_attempts = 5
                [[sync.targets]]
                name = "most"
                kind = "most_portal"
                base_url = "https://quantri.truyxuatnguongoc.gov.vn/gwdev"
                token_url = "https://sso.truyxuatnguongoc.gov.vn/connect/token"
                client_id = "camau"
                client_secret = "portal-s3cret"
                public_base_url = "https://truyxuat.camau.gov.vn"
                [sync.targets.fields]
                tenSanPham = "ten_san_pham"
                [[sync.targets]]
                name = "buyer-acme"
                kind = "epcis"
                capture_url = "https://epcis.acme.example/epcis/capture"
                token = "buyer-s3cret"
                "#,
            )?;
            let config = load(&ConfigFile::default())?;
            assert_eq!(config.sync.max_attempts, 5);
            assert_eq!(config.sync.targets.len(), 2);
            assert_eq!(config.sync.targets[1].name.as_str(), "buyer-acme");
            let debug = format!("{config:?}");
            assert!(!debug.contains("s3cret"), "{debug}");
            assert!(config.sync.settings().is_ok());

            jail.create_file(
                "nguon.toml",
                "[[sync.targets]]\nname = \"Portal\"\nkind = \"epcis\"\ncapture_url = \"x\"\n",
            )?;
            let error = format!("{:#}", load(&ConfigFile::default()).unwrap_err());
            assert!(error.contains("sync target name"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn retention_comes_from_the_privacy_table_with_a_floor_naming_the_key() {
        jail(|jail| {
            jail.create_file(
                "nguon.toml",
                "[privacy]\nretention_days = 1000\n[privacy.retention]\ntom-nuoi = 1825\n",
            )?;
            let config = load(&ConfigFile::default())?;
            let shrimp = nguon_domain::ProductGroupCode::parse("tom-nuoi")?;
            assert_eq!(config.privacy.retention.days_for([&shrimp]), 1825);
            assert_eq!(config.privacy.retention.days_for([]), 1000);

            jail.create_file("nguon.toml", "[privacy.retention]\nmuoi = 365\n")?;
            let error = format!("{:#}", load(&ConfigFile::default()).unwrap_err());
            assert!(
                error.contains("privacy.retention.muoi: must be at least 730 days"),
                "{error}"
            );
            jail.create_file("nguon.toml", "[privacy]\nretention_days = 700\n")?;
            let error = format!("{:#}", load(&ConfigFile::default()).unwrap_err());
            assert!(
                error.contains("privacy.retention_days: must be at least 730 days"),
                "{error}"
            );
            Ok(())
        });
    }
}

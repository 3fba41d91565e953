//! Scan analytics: who asked (the client address and coarse place, read from proxy headers only
//! when the connection comes from a proxy the province trusts), and the counterfeit signals of a
//! window of the scan log, for the organisation that registered the codes and for the province —
//! in the portal at `/stamps/scans` and by API at `/api/v1/scans`.

use std::net::IpAddr;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use nguon_domain::{FlaggedCode, LotScans, OrganisationId, ScanThresholds, flag, lot_scans};
use nguon_store::StoreError;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// The window a report covers unless asked otherwise, in days.
pub const DEFAULT_DAYS: u32 = 90;

/// The longest window a report may cover, in days.
pub const MAX_DAYS: u32 = 3_650;

/// Headers a trusted proxy sets with the client's country or region, in the order read.
const PLACE_HEADERS: [&str; 3] = ["cf-ipcountry", "x-country-code", "x-region"];

/// Where a request came from, as far as the server may believe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOrigin {
    /// The client's address: the connecting peer, or the address a trusted proxy forwarded.
    pub address: Option<IpAddr>,
    /// A coarse place (country or region code) a trusted proxy named.
    pub place: Option<String>,
}

impl ClientOrigin {
    /// Reads the origin of a request from `peer` (the TCP peer, when served over TCP). Proxy
    /// headers count only when `peer` is one of `trusted_proxies`: anyone else could write them,
    /// and a forged address would dodge the rate limit and a forged place would fake a spread.
    /// Of `X-Forwarded-For`, the right-most address that is not itself a trusted proxy is the
    /// client, since each proxy appends the address it was connected from.
    pub fn of(headers: &HeaderMap, peer: Option<IpAddr>, trusted_proxies: &[IpAddr]) -> Self {
        let Some(peer) = peer.filter(|peer| trusted_proxies.contains(peer)) else {
            return Self {
                address: peer,
                place: None,
            };
        };
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|hop| hop.trim().parse::<IpAddr>())
            .collect::<Vec<_>>();
        let address = forwarded
            .iter()
            .rev()
            .map_while(|hop| hop.as_ref().ok())
            .find(|hop| !trusted_proxies.contains(hop))
            .copied()
            .unwrap_or(peer);
        let place = PLACE_HEADERS
            .into_iter()
            .find_map(text)
            .map(str::trim)
            .filter(|p| !p.is_empty() && p.len() <= 64 && p.bytes().all(|b| b.is_ascii_graphic()))
            .map(str::to_owned);
        Self {
            address: Some(address),
            place,
        }
    }
}

/// The counterfeit signals of a window of the scan log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanReport {
    /// The window's start.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// The thresholds the signals were judged by.
    pub thresholds: ScanThresholds,
    /// Scans in the window.
    pub scans: u64,
    /// Per lot (or GTIN scanned alone), the most scanned first.
    pub lots: Vec<LotScans>,
    /// The codes that raise a signal, the most doubted first.
    pub flagged: Vec<FlaggedCode>,
}

/// The report of the last `days` days of scans of GTINs `organisation` registered (every scan
/// for `None`), counting every view answered before it.
pub async fn report(
    state: &AppState,
    organisation: Option<OrganisationId>,
    days: u32,
    thresholds: ScanThresholds,
) -> Result<ScanReport, StoreError> {
    let since = OffsetDateTime::now_utc() - Duration::days(i64::from(days));
    state.scan_log.flush().await;
    let tallies = state.store.scan_tallies(organisation, since).await?;
    let flagged = flag(&tallies, &thresholds);
    Ok(ScanReport {
        since,
        thresholds,
        scans: tallies.iter().map(|t| t.scans).sum(),
        lots: lot_scans(&tallies, &flagged),
        flagged,
    })
}

/// Reads the `days` parameter: 1 to [`MAX_DAYS`], [`DEFAULT_DAYS`] when left out.
pub fn days(given: Option<&str>) -> Result<u32, ApiError> {
    let Some(given) = given else {
        return Ok(DEFAULT_DAYS);
    };
    given
        .parse()
        .ok()
        .filter(|days| (1..=MAX_DAYS).contains(days))
        .ok_or_else(|| ApiError::BadRequest {
            field: "days",
            rule: format!("must be a whole number of days from 1 to {MAX_DAYS}"),
        })
}

#[utoipa::path(
    get,
    path = "/api/v1/scans",
    tag = "Scans",
    summary = "Scans of the caller's codes and their counterfeit signals",
    description = "Tallies the public-page scans of the last `days` days: of the GTINs the caller's organisation registered, or of every code for a province key. A code (GTIN, lot, serial) is flagged when it was scanned while its stamp run was not yet activated (`before_activation`), after it was deactivated (`after_deactivation`), while its lot was recalled (`after_recall`), with a serial no run of the lot issued (`unknown_serial`); and, for a serial, when it was scanned more often (`over_threshold`), over more days (`spread_in_time`) or from more places (`spread_in_place`) than the province's thresholds allow, or under more than one lot (`two_lots`).",
    params(
        ("days" = Option<u32>, Query, minimum = 1, maximum = 3650, description = "The window in days, 1 to 3650 (default 90)")
    ),
    responses(
        (status = 200, description = "since, thresholds {copied_after, spread_days, spread_places}, scans, lots: [{gtin, lot, organisation, scans, serials, flagged, last}], flagged: [{gtin, lot, serial, organisation, scans, first, last, places, clients, inactive, deactivated, unknown, recalled, signals: [{signal, …}]}]", body = serde_json::Value),
        (status = 400, description = "`days` breaks its rule, or an unknown parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/scans`.
pub async fn signals(
    State(state): State<AppState>,
    caller: Caller,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<ScanReport>, ApiError> {
    let mut given = None;
    for (name, value) in &pairs {
        match name.as_str() {
            "days" if given.is_none() => given = Some(value.as_str()),
            "days" => {
                return Err(ApiError::BadRequest {
                    field: "days",
                    rule: "must be given once".to_owned(),
                });
            }
            _ => {
                return Err(ApiError::BadRequest {
                    field: "query",
                    rule: format!("{name} is not a parameter; use days"),
                });
            }
        }
    }
    let days = days(given)?;
    let thresholds = state.resolver.scan_thresholds;
    Ok(Json(
        report(&state, caller.scope.owner(), days, thresholds).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn proxy_headers_count_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        let sent = headers(&[
            ("x-forwarded-for", "198.51.100.1, 192.0.2.7"),
            ("cf-ipcountry", "VN"),
        ]);
        // Straight from a client: whatever it wrote about itself is ignored.
        assert_eq!(
            ClientOrigin::of(&sent, Some(stranger), &[proxy]),
            ClientOrigin {
                address: Some(stranger),
                place: None
            }
        );
        // Through the proxy: the address it appended, not the one the client claimed first.
        assert_eq!(
            ClientOrigin::of(&sent, Some(proxy), &[proxy]),
            ClientOrigin {
                address: Some("192.0.2.7".parse().unwrap()),
                place: Some("VN".to_owned())
            }
        );
        // Through two trusted proxies: the first hop not a proxy.
        let inner: IpAddr = "10.0.0.3".parse().unwrap();
        let chained = headers(&[("x-forwarded-for", "192.0.2.7, 10.0.0.3")]);
        assert_eq!(
            ClientOrigin::of(&chained, Some(proxy), &[proxy, inner]).address,
            Some("192.0.2.7".parse().unwrap())
        );
        // A garbled hop stops the walk at the proxy itself.
        let garbled = headers(&[("x-forwarded-for", "not-an-address")]);
        assert_eq!(
            ClientOrigin::of(&garbled, Some(proxy), &[proxy]).address,
            Some(proxy)
        );
        assert_eq!(ClientOrigin::of(&sent, None, &[proxy]).address, None);
    }

    #[test]
    fn the_window_is_bounded() {
        assert_eq!(days(None).unwrap(), DEFAULT_DAYS);
        assert_eq!(days(Some("30")).unwrap(), 30);
        for bad in ["0", "3651", "-1", "ba"] {
            let error = days(Some(bad)).unwrap_err().to_string();
            assert!(error.contains("days"), "{bad}: {error}");
        }
    }
}

//! The GS1-conformant resolver (GS1-Conformant Resolver standard 1.2) at the root of the app:
//! `/{primary key AI}/{key}[/{qualifier AI}/{value}…]` and compressed Digital Links, answered with
//! a `307` to the chosen link, a `300` list when the choice is ambiguous, an RFC 9264 linkset
//! (`linkType=linkset` or `Accept: application/linkset+json`), `404` when nothing is linked and
//! `400` naming the broken rule; plus `/.well-known/gs1resolver`, the description file.
//!
//! A scan reads the links of every level from its own up to the primary key (serial → lot →
//! GTIN). They are the links organisations stored (see [`crate::resolver_api`]) and, for a
//! registered product's GTIN, automatic ones nobody types: `gs1:traceability`, the public page
//! of that level (see [`crate::ui::public_page`]), `gs1:epcis`, this server's EPCIS query for
//! that level, and for a lot or serial `gs1:recallStatus` and `gs1:certificationInfo`, the
//! page's recall notice and certificates. The
//! default link is the stored default nearest the scanned level, else the automatic
//! traceability page, so a browser scanning a registered product always lands somewhere.

use axum::Json;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nguon_domain::{LinkType, ProductDetails, ResolverLink, anchor_of};
use nguon_gs1::{Dictionary, DigitalLink, KeyKind, percent_encode};
use nguon_store::Registry;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::scans::ClientOrigin;

/// The linkset media type (RFC 9264).
pub const LINKSET_JSON: &str = "application/linkset+json";

/// The JSON-LD context of GS1 linksets, announced in a `Link` header of linkset responses.
const LINKSET_CONTEXT: &str = "https://ref.gs1.org/standards/resolver/linkset-context";

/// Headers a browser script may read on cross-origin responses.
const EXPOSED_HEADERS: &str = "Link, Location, Content-Type, Content-Language, Vary";

/// How the resolver and the public page present themselves and read their visitors.
#[derive(Debug, Clone)]
pub struct ResolverSettings {
    /// The public origin of the resolver, e.g. `https://id.truyxuat.camau.gov.vn` (no path).
    /// When unset, each request's `Host` over `http` is used.
    pub base_url: Option<String>,
    /// The name the description file gives.
    pub name: String,
    /// Proxies whose `X-Forwarded-For` and country headers are believed
    /// ([`crate::scans::ClientOrigin`]).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// When scans of a code become counterfeit signals.
    pub scan_thresholds: nguon_domain::ScanThresholds,
}

impl Default for ResolverSettings {
    fn default() -> Self {
        Self {
            base_url: None,
            name: "Nguồn — GS1 resolver".to_owned(),
            trusted_proxies: Vec::new(),
            scan_thresholds: nguon_domain::ScanThresholds::default(),
        }
    }
}

/// The origin links are written on: the configured base URL or the request's host.
pub(crate) fn public_root(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(base) = &state.resolver.base_url {
        return base.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// Whether a path's first segment names a GS1 primary key (as an AI or a removed short name):
/// such a path is a Digital Link, and every syntax error in it is a `400`.
fn names_a_primary_key(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    KeyKind::from_ai(first).is_some() || KeyKind::from_name(first).is_some()
}

/// A link as the resolver serves it: stored or automatic.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Candidate {
    link_type: LinkType,
    href: String,
    title: String,
    media_type: Option<String>,
    hreflang: Vec<String>,
    default: bool,
}

impl Candidate {
    fn stored(link: &ResolverLink) -> Self {
        Self {
            link_type: link.link.link_type.clone(),
            href: link.link.href.clone(),
            title: link.link.title.clone(),
            media_type: link.link.media_type.clone(),
            hreflang: link.link.hreflang.iter().cloned().collect(),
            default: link.link.is_default,
        }
    }

    /// The linkset target object: href, title, type, hreflang.
    fn target(&self) -> Value {
        let mut target = Map::new();
        target.insert("href".into(), json!(self.href));
        target.insert("title".into(), json!(self.title));
        if let Some(media_type) = &self.media_type {
            target.insert("type".into(), json!(media_type));
        }
        if !self.hreflang.is_empty() {
            target.insert("hreflang".into(), json!(self.hreflang));
        }
        Value::Object(target)
    }
}

/// One level of the walk: its anchor and its links.
struct Level {
    anchor: String,
    links: Vec<Candidate>,
}

/// The anchors from `anchor` up to its primary key, most specific first.
fn anchors_up(anchor: &str) -> Vec<String> {
    let segments: Vec<&str> = anchor.trim_start_matches('/').split('/').collect();
    (1..=segments.len() / 2)
        .rev()
        .map(|pairs| format!("/{}", segments[..pairs * 2].join("/")))
        .collect()
}

/// The EPCIS query of an identifier: instances by `MATCH_anyEPC`, classes (GTIN, lot) by
/// `MATCH_anyEPCClass`.
fn epcis_href(root: &str, link: &DigitalLink) -> String {
    let parameter = if link.get("21").is_some() {
        "MATCH_anyEPC"
    } else {
        "MATCH_anyEPCClass"
    };
    format!(
        "{root}/epcis/events?{parameter}={}",
        percent_encode(&link.canonical_id())
    )
}

/// The automatic links of one level of a registered product; a lot's or a serial's also point
/// at the public page's recall notice and the certificates of the places on its chain.
fn automatic(root: &str, anchor: &str) -> Vec<Candidate> {
    let link = DigitalLink::parse(&format!("{}{anchor}", nguon_gs1::CANONICAL_BASE))
        .expect("anchors are canonical key paths");
    let page = crate::ui::public_page::href(root, &link.canonical_id());
    let on_page = |link_type: &str, fragment: &str, title: &str| Candidate {
        link_type: LinkType::parse(link_type).expect("a valid link type"),
        href: format!("{page}{fragment}"),
        title: title.to_owned(),
        media_type: Some("text/html".to_owned()),
        hreflang: vec!["vi".to_owned(), "en".to_owned()],
        default: false,
    };
    let mut links = vec![
        on_page("gs1:traceability", "", "Truy xuất nguồn gốc / Traceability"),
        Candidate {
            link_type: LinkType::parse("gs1:epcis").expect("a valid link type"),
            href: epcis_href(root, &link),
            title: "EPCIS events / Sự kiện EPCIS".to_owned(),
            media_type: Some("application/ld+json".to_owned()),
            hreflang: Vec::new(),
            default: false,
        },
    ];
    if link.get("10").is_some() || link.get("21").is_some() {
        links.push(on_page(
            "gs1:recallStatus",
            "#recall",
            "Thu hồi / Recall status",
        ));
        links.push(on_page(
            "gs1:certificationInfo",
            "#certificates",
            "Chứng nhận / Certificates",
        ));
    }
    links
}

/// The links of every level of a scan, and where the default is (level, index).
pub struct Resolved(Vec<Level>, Option<(usize, usize)>);

/// Every level's links, and which link is the default: the stored default nearest the scanned
/// level, else the traceability page nearest it (the automatic one unless an organisation
/// stored its own).
async fn levels(state: &AppState, root: &str, link: &DigitalLink) -> Result<Resolved, ApiError> {
    let anchors = anchors_up(&anchor_of(link));
    let stored = state.store.resolver_links_at(&anchors).await?;
    let registered = match link.key().kind() {
        KeyKind::Gtin => state
            .store
            .find::<ProductDetails>(link.key().as_str())
            .await?
            .is_some_and(|p| p.status != nguon_domain::ApprovalStatus::Suspended),
        _ => false,
    };
    let mut levels: Vec<Level> = anchors
        .iter()
        .map(|anchor| {
            let mut links: Vec<Candidate> = stored
                .iter()
                .filter(|s| &s.link.anchor == anchor)
                .map(Candidate::stored)
                .collect();
            if registered {
                // What an organisation stored, at any level, replaces the automatic link of
                // that type: its own recall page is the one to follow.
                links.extend(
                    automatic(root, anchor)
                        .into_iter()
                        .filter(|auto| !stored.iter().any(|s| s.link.link_type == auto.link_type)),
                );
            }
            Level {
                anchor: anchor.clone(),
                links,
            }
        })
        .collect();
    let stored_default = levels.iter().enumerate().find_map(|(l, level)| {
        level
            .links
            .iter()
            .position(|c| c.default)
            .map(|index| (l, index))
    });
    let default = stored_default.or_else(|| {
        let (level, index) = levels.iter().enumerate().find_map(|(l, level)| {
            level
                .links
                .iter()
                .position(|c| c.link_type.as_str() == "gs1:traceability")
                .map(|index| (l, index))
        })?;
        levels[level].links[index].default = true;
        Some((level, index))
    });
    Ok(Resolved(levels, default))
}

/// The RFC 9264 linkset: one context object per level, the scanned level's anchor being the
/// uncompressed URI; the default link also listed under `gs1:defaultLink`.
fn linkset(root: &str, levels: &[Level], requested: &str) -> Value {
    let contexts: Vec<Value> = levels
        .iter()
        .enumerate()
        .map(|(index, level)| {
            let mut context = Map::new();
            let anchor = if index == 0 {
                requested.to_owned()
            } else {
                format!("{root}{}", level.anchor)
            };
            context.insert("anchor".into(), json!(anchor));
            for candidate in &level.links {
                let relations = std::iter::once(candidate.link_type.uri())
                    .chain(candidate.default.then(|| LinkType::default_link().uri()));
                for relation in relations {
                    if let Value::Array(targets) =
                        context.entry(relation).or_insert_with(|| json!([]))
                    {
                        targets.push(candidate.target());
                    }
                }
            }
            Value::Object(context)
        })
        .collect();
    json!({ "linkset": contexts })
}

/// Language preferences from `Accept-Language`, best first (`*` and q=0 dropped).
fn languages(headers: &HeaderMap) -> Vec<String> {
    let Some(value) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Vec::new();
    };
    let mut ranked: Vec<(u16, usize, String)> = value
        .split(',')
        .enumerate()
        .filter_map(|(position, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "q is clamped to 0..=1"
            )]
            let weight = (q.clamp(0.0, 1.0) * 1000.0) as u16;
            (tag != "*" && !tag.is_empty() && weight > 0).then_some((weight, position, tag))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.into_iter().map(|(_, _, tag)| tag).collect()
}

/// Whether a link in `hreflang` serves someone asking for `wanted` (`en` serves `en-GB` asks and
/// `en-GB` links serve `en` asks).
fn language_matches(hreflang: &str, wanted: &str) -> bool {
    let (have, want) = (hreflang.to_ascii_lowercase(), wanted.to_ascii_lowercase());
    let primary = |tag: &str| tag.split('-').next().unwrap_or("").to_owned();
    have == want || primary(&have) == primary(&want)
}

/// The choice among candidates of one type: the best language match, then the default.
enum Choice<'a> {
    One(&'a Candidate),
    Several(Vec<&'a Candidate>),
}

fn choose<'a>(candidates: &[&'a Candidate], languages: &[String]) -> Choice<'a> {
    let narrowed: Vec<&Candidate> = languages
        .iter()
        .map(|wanted| {
            candidates
                .iter()
                .copied()
                .filter(|c| c.hreflang.iter().any(|h| language_matches(h, wanted)))
                .collect::<Vec<_>>()
        })
        .find(|matching| !matching.is_empty())
        .unwrap_or_else(|| candidates.to_vec());
    match narrowed.as_slice() {
        [one] => Choice::One(one),
        several => match several.iter().find(|c| c.default) {
            Some(default) => Choice::One(default),
            None => Choice::Several(several.to_vec()),
        },
    }
}

/// The request's query string without `linkType`, to pass on to the target.
fn passed_on(query: &str) -> Vec<&str> {
    query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some("linkType"))
        .collect()
}

/// `href` with `pairs` added to its query, before any fragment.
fn with_query(href: &str, pairs: &[&str]) -> String {
    if pairs.is_empty() {
        return href.to_owned();
    }
    let (base, fragment) = href.split_at(href.find('#').unwrap_or(href.len()));
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{}{fragment}", pairs.join("&"))
}

/// CORS and `Link` headers every resolver answer carries.
fn headers_for(root: &str, anchor: &str, same_as: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED_HEADERS),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    let mut links = vec![format!(
        "<{root}{anchor}?linkType=linkset>; rel=\"linkset\"; type=\"{LINKSET_JSON}\""
    )];
    if let Some(uncompressed) = same_as {
        links.push(format!("<{uncompressed}>; rel=\"owl:sameAs\""));
    }
    if let Ok(value) = HeaderValue::from_str(&links.join(", ")) {
        headers.insert(header::LINK, value);
    }
    headers
}

/// A problem with the resolver's CORS headers, so scripts on other sites can read the reason.
fn problem(status: StatusCode, detail: String) -> Response {
    let mut response = Problem::new(status, Some(detail)).into_response();
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// The fallback of the whole router: Digital Link paths are resolved, anything else is the
/// usual `404` problem.
pub async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let root = public_root(&state, &parts.headers);
    let parsed = DigitalLink::parse_any(&format!("{root}{path_and_query}"));
    let (link, compressed) = match parsed {
        Ok((link, compressed)) if link.base() == root => (link, compressed),
        Err(error) if names_a_primary_key(parts.uri.path()) => {
            return problem(
                StatusCode::BAD_REQUEST,
                format!("not a valid GS1 Digital Link: {error}"),
            );
        }
        Ok(_) | Err(_) => {
            return ApiError::NoSuchRoute(parts.uri.path().to_owned()).into_response();
        }
    };
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    let origin = ClientOrigin::of(&parts.headers, peer, &state.resolver.trusted_proxies);
    if let Some(client) = origin.address
        && let Err(wait) = state.limits.scan(client)
    {
        let mut response = problem(
            StatusCode::TOO_MANY_REQUESTS,
            "this address scanned faster than the resolver's rate; wait and scan again".to_owned(),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, crate::throttle::retry_after(wait));
        return response;
    }
    let anchor = anchor_of(&link);
    let same_as = compressed.then(|| link.to_string());
    let mut headers = headers_for(&root, &anchor, same_as.as_deref());
    let response = match parts.method {
        Method::OPTIONS => {
            headers.insert(
                header::ALLOW,
                HeaderValue::from_static("GET, HEAD, OPTIONS"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, HEAD, OPTIONS"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Accept, Accept-Language, Content-Type"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            );
            return (StatusCode::NO_CONTENT, headers).into_response();
        }
        Method::GET | Method::HEAD => {
            match resolve(&state, &root, &link, &parts.headers, parts.uri.query()).await {
                Ok(response) => response,
                Err(error) => error.into_response(),
            }
        }
        _ => {
            headers.insert(
                header::ALLOW,
                HeaderValue::from_static("GET, HEAD, OPTIONS"),
            );
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                headers,
                Problem::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    Some("the resolver answers GET, HEAD and OPTIONS".to_owned()),
                ),
            )
                .into_response();
        }
    };
    let (mut parts_out, body) = response.into_parts();
    for (name, value) in &headers {
        // A linkset answer carries its own `Link` (the JSON-LD context): both links are kept.
        let joined = (name == header::LINK)
            .then(|| parts_out.headers.get(header::LINK))
            .flatten()
            .and_then(|own| own.to_str().ok())
            .and_then(|own| {
                HeaderValue::from_str(&format!("{own}, {}", value.to_str().ok()?)).ok()
            });
        parts_out
            .headers
            .insert(name, joined.unwrap_or_else(|| value.clone()));
    }
    if parts.method == Method::HEAD {
        return Response::from_parts(parts_out, axum::body::Body::empty());
    }
    Response::from_parts(parts_out, body)
}

/// Answers a GET of a valid Digital Link.
async fn resolve(
    state: &AppState,
    root: &str,
    link: &DigitalLink,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let key = format!("{root}{}", anchor_of(link));
    let resolved = state
        .resolver_links
        .get_or_compute(key, || async {
            levels(state, root, link).await.map(Arc::new)
        })
        .await?;
    let (levels, default) = (&resolved.0, resolved.1);
    let requested_uri = format!("{root}{}", anchor_of(link));
    let link_type = link
        .other_parameters()
        .iter()
        .find(|(name, _)| name == "linkType")
        .map(|(_, value)| value.as_str());
    let wants_linkset = matches!(link_type, Some("linkset" | "all"))
        || headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains(LINKSET_JSON));
    if levels.iter().all(|level| level.links.is_empty()) {
        return Ok(problem(
            StatusCode::NOT_FOUND,
            format!("no links are registered for {requested_uri}"),
        ));
    }
    if wants_linkset {
        let context_link = format!(
            "<{LINKSET_CONTEXT}>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\""
        );
        return Ok((
            [
                (header::CONTENT_TYPE, LINKSET_JSON.to_owned()),
                (header::LINK, context_link),
            ],
            Json(linkset(root, levels, &requested_uri)),
        )
            .into_response());
    }
    let languages = languages(headers);
    let pass_on = passed_on(query.unwrap_or(""));
    let wanted = match link_type {
        None | Some("gs1:defaultLink" | "https://gs1.org/voc/defaultLink") => None,
        Some(text) => Some(LinkType::parse(&percent_decode(text)).map_err(|error| {
            ApiError::BadRequest {
                field: "linkType",
                rule: error
                    .to_string()
                    .trim_start_matches("linkType: ")
                    .to_owned(),
            }
        })?),
    };
    let candidates: Vec<&Candidate> = match (&wanted, default) {
        (Some(wanted), _) => levels
            .iter()
            .map(|level| {
                level
                    .links
                    .iter()
                    .filter(|c| &c.link_type == wanted)
                    .collect::<Vec<_>>()
            })
            .find(|found| !found.is_empty())
            .unwrap_or_default(),
        (None, Some((level, index))) => {
            // The default's language siblings: same level, same type.
            let chosen = &levels[level].links[index];
            levels[level]
                .links
                .iter()
                .filter(|c| c.link_type == chosen.link_type)
                .collect()
        }
        (None, None) => levels.iter().flat_map(|level| &level.links).collect(),
    };
    if candidates.is_empty() {
        let wanted = wanted.map_or_else(|| "default".to_owned(), |w| w.as_str().to_owned());
        return Ok(problem(
            StatusCode::NOT_FOUND,
            format!("{requested_uri} has no {wanted} link"),
        ));
    }
    Ok(match choose(&candidates, &languages) {
        Choice::One(target) => (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, with_query(&target.href, &pass_on))],
        )
            .into_response(),
        Choice::Several(several) => (
            StatusCode::MULTIPLE_CHOICES,
            Json(json!({
                "anchor": requested_uri,
                "linkType": wanted.map(|w| w.uri()),
                "links": several.iter().map(|c| {
                    let mut target = c.target();
                    target["rel"] = json!(c.link_type.uri());
                    target
                }).collect::<Vec<_>>(),
            })),
        )
            .into_response(),
    })
}

/// Decodes `%XX` in a query value (`gs1%3Apip`); anything undecodable is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// `GET /.well-known/gs1resolver`: the resolver description file.
pub async fn description(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let root = public_root(&state, &headers);
    let mut keys: Vec<&str> = Dictionary::get()
        .entries()
        .filter(|e| e.is_primary_key())
        .map(|e| e.ai.as_str())
        .collect();
    keys.sort_unstable();
    let body = json!({
        "name": state.resolver.name,
        "resolverRoot": root,
        "supportedPrimaryKeys": keys,
        "supportedLinkType": [{ "namespace": nguon_domain::GS1_VOCABULARY, "prefix": "gs1:" }],
        "linkTypeDefaultCanBeLinkset": true,
        "linkTypeDefaultCanBeAll": true,
        "supportedContextValuesEnumerated": [],
        "supportsLanguageVariants": true,
        "supportsSemanticInterpretation": false,
        "validatesAIcombinations": true,
        "supportsCompressedDigitalLinks": true,
        "contact": { "fn": state.resolver.name },
    });
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        Json(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_walk_up_to_the_primary_key() {
        assert_eq!(
            anchors_up("/01/09506000134352/10/L1/21/S1"),
            vec![
                "/01/09506000134352/10/L1/21/S1",
                "/01/09506000134352/10/L1",
                "/01/09506000134352"
            ]
        );
        assert_eq!(
            anchors_up("/00/106141411234567897"),
            vec!["/00/106141411234567897"]
        );
    }

    #[test]
    fn languages_are_ranked_by_quality_then_order() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en;q=0.5, vi-VN, *;q=0.1, fr;q=0"),
        );
        assert_eq!(languages(&headers), vec!["vi-vn", "en"]);
        assert!(language_matches("vi", "vi-vn"));
        assert!(!language_matches("en", "vi"));
    }

    #[test]
    fn only_link_type_is_held_back() {
        assert_eq!(
            passed_on("linkType=gs1:pip&utm=qr&17=261231"),
            vec!["utm=qr", "17=261231"]
        );
        assert_eq!(
            with_query("https://x.test/p?a=1", &["b=2"]),
            "https://x.test/p?a=1&b=2"
        );
        assert_eq!(percent_decode("gs1%3Apip"), "gs1:pip");
    }
}

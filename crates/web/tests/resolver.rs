//! The GS1 resolver through the real router: the conformance statements of the GS1-Conformant
//! Resolver standard that can be checked from outside (400 with a reason, 307 to the default or
//! to the requested link type, 300 when ambiguous, 404, the linkset, HEAD, OPTIONS and CORS,
//! trailing slashes, query strings passed on, Accept-Language, compressed links and owl:sameAs,
//! the description file), and who may manage which links through `/api/v1/resolver/links`.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nguon_domain::{
    Actor, ApiKeyScope, ApprovalStatus, AuditAction, AuditQuery, EntityKind, ProductDetails,
    ProductGroupCode, RecordName,
};
use nguon_gs1::{CompanyPrefix, Gtin};
use nguon_store::Registry;
use serde_json::{Value, json};
use support::{Reply, TestApp};

const HOST: &str = "resolver.test";
const ROOT: &str = "http://resolver.test";
/// The farm's registered product, under its company prefix 8934673.
const GTIN: &str = "08934673000017";
/// Another GTIN under the farm's prefix, never registered.
const BARE_GTIN: &str = "08934673000031";

/// An app where a farm (prefix 8934673) registered product [`GTIN`], and another organisation
/// holds prefix 8931234. Returns the app and both keys.
async fn app() -> (TestApp, String, String) {
    let app = TestApp::new().await;
    let (farm, farm_key) = app.organisation("0300000001").await;
    let (other, other_key) = app.organisation("0300000002").await;
    for (organisation, prefix) in [(farm, "8934673"), (other, "8931234")] {
        app.state
            .store
            .add_company_prefix(
                organisation,
                &CompanyPrefix::parse(prefix).unwrap(),
                Actor::Cli,
            )
            .await
            .unwrap();
    }
    let product = ProductDetails::new(
        Gtin::parse(GTIN).unwrap(),
        RecordName::parse("name", "Tôm sú đông lạnh").unwrap(),
        ProductGroupCode::parse("tom-nuoi").unwrap(),
    );
    app.state
        .store
        .register(Some(farm), &product, ApprovalStatus::Pending, Actor::Cli)
        .await
        .unwrap();
    (app, farm_key, other_key)
}

/// A resolver request: no key, the test host, extra headers.
async fn scan(app: &TestApp, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", HOST);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

async fn add_link(app: &TestApp, key: &str, body: Value) -> Reply {
    app.post_json(key, "/api/v1/resolver/links", &body).await
}

fn link(identifier: &str, link_type: &str, href: &str, lang: &str, default: bool) -> Value {
    json!({
        "identifier": identifier,
        "linkType": link_type,
        "href": href,
        "title": "Thông tin sản phẩm",
        "type": "text/html",
        "hreflang": lang,
        "default": default,
    })
}

#[tokio::test]
async fn syntax_errors_are_400_with_the_reason_and_other_paths_404() {
    let (app, _, _) = app().await;
    for (path, reason) in [
        ("/01/08934673000018", "check digit"),
        ("/01/08934673000017/21/S1/10/L1", "must appear in the order"),
        ("/01/08934673000017/99/X", "is not a key qualifier"),
        ("/01/08934673000017/10/A%2", "must be percent-encoded"),
        (
            "/01/08934673000017?21=1",
            "not allowed as a Digital Link data attribute",
        ),
        ("/01/12", "length"),
        ("/00/1234", "length"),
        ("/gtin/abc", "AI (01)"),
    ] {
        let reply = scan(&app, "GET", path, &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.body
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
        let detail = reply.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains(reason), "{path}: {detail}");
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    }
    // Paths that are not Digital Links keep the plain 404 problem.
    let reply = scan(&app, "GET", "/no/such/thing", &[]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["detail"], "no resource at /no/such/thing");
    let reply = scan(&app, "GET", "/nope", &[]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
}

#[tokio::test]
async fn a_registered_product_redirects_to_its_traceability_page_by_default() {
    let (app, _, _) = app().await;
    let reply = scan(&app, "GET", &format!("/01/{GTIN}"), &[]).await;
    assert_eq!(
        reply.status,
        StatusCode::TEMPORARY_REDIRECT,
        "{}",
        reply.body
    );
    assert_eq!(
        reply.header("location"),
        Some(format!("{ROOT}/p/01/{GTIN}").as_str())
    );
    let link_header = reply.header("link").unwrap();
    assert!(
        link_header.contains(&format!(
            "<{ROOT}/01/{GTIN}?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\""
        )),
        "{link_header}"
    );
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert!(
        reply
            .header("access-control-expose-headers")
            .unwrap()
            .contains("Location")
    );

    // GTIN-13 is padded; a lot of the product gets the lot's own trace page.
    let reply = scan(&app, "GET", "/01/8934673000017/10/LOT1", &[]).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        reply.header("location"),
        Some(format!("{ROOT}/p/01/{GTIN}/10/LOT1").as_str())
    );
    // A lot's recall status and certificates are sections of its public page; the query is
    // passed on before the fragment. A GTIN alone has neither.
    for (link_type, fragment) in [
        ("gs1:recallStatus", "#recall"),
        ("gs1:certificationInfo", "#certificates"),
    ] {
        let reply = scan(
            &app,
            "GET",
            &format!("/01/{GTIN}/10/LOT1?linkType={link_type}&src=qr"),
            &[],
        )
        .await;
        assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT, "{link_type}");
        assert_eq!(
            reply.header("location"),
            Some(format!("{ROOT}/p/01/{GTIN}/10/LOT1?src=qr{fragment}").as_str())
        );
        let alone = scan(
            &app,
            "GET",
            &format!("/01/{GTIN}?linkType={link_type}"),
            &[],
        )
        .await;
        assert_eq!(alone.status, StatusCode::NOT_FOUND, "{link_type}");
    }
    // gs1:epcis is the EPCIS query for the level.
    let reply = scan(
        &app,
        "GET",
        &format!("/01/{GTIN}/10/LOT1?linkType=gs1:epcis"),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        reply.header("location"),
        Some(
            format!(
                "{ROOT}/epcis/events?MATCH_anyEPCClass=https%3A%2F%2Fid.gs1.org%2F01%2F{GTIN}%2F10%2FLOT1"
            )
            .as_str()
        )
    );
    let reply = scan(
        &app,
        "GET",
        &format!("/01/{GTIN}/21/S1?linkType=https://gs1.org/voc/epcis"),
        &[],
    )
    .await;
    assert!(
        reply
            .header("location")
            .unwrap()
            .contains("MATCH_anyEPC=https%3A%2F%2Fid.gs1.org%2F01%2F08934673000017%2F21%2FS1")
    );
}

#[tokio::test]
async fn unknown_keys_and_missing_link_types_are_404() {
    let (app, _, _) = app().await;
    let reply = scan(&app, "GET", &format!("/01/{BARE_GTIN}"), &[]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("no links")
    );
    let reply = scan(
        &app,
        "GET",
        &format!("/01/{GTIN}?linkType=gs1:allergenInfo"),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("gs1:allergenInfo")
    );
    let reply = scan(&app, "GET", &format!("/01/{GTIN}?linkType=nonsense"), &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("linkType:")
    );
}

#[tokio::test]
async fn link_types_languages_ambiguity_and_query_strings() {
    let (app, farm, _) = app().await;
    for body in [
        link(
            &format!("/01/{GTIN}"),
            "gs1:pip",
            "https://farm.example/vi",
            "vi",
            false,
        ),
        link(
            &format!("/01/{GTIN}"),
            "gs1:pip",
            "https://farm.example/en",
            "en",
            false,
        ),
        link(
            &format!("/01/{GTIN}"),
            "gs1:certificationInfo",
            "https://farm.example/c1",
            "vi",
            false,
        ),
        link(
            &format!("/01/{GTIN}"),
            "gs1:certificationInfo",
            "https://farm.example/c2",
            "vi",
            false,
        ),
        link(
            &format!("/01/{GTIN}/10/LOT1"),
            "gs1:recallStatus",
            "https://farm.example/r",
            "vi",
            false,
        ),
    ] {
        let reply = add_link(&app, &farm, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let pip = format!("/01/{GTIN}?linkType=gs1:pip");
    for (language, target) in [
        ("vi-VN,vi;q=0.9", "https://farm.example/vi"),
        ("en-GB, vi;q=0.5", "https://farm.example/en"),
        ("fr, en;q=0.2", "https://farm.example/en"),
    ] {
        let reply = scan(&app, "GET", &pip, &[("accept-language", language)]).await;
        assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT, "{language}");
        assert_eq!(reply.header("location"), Some(target), "{language}");
    }
    // Two Vietnamese certificates and nothing to tell them apart: 300 with both.
    let reply = scan(
        &app,
        "GET",
        &format!("/01/{GTIN}?linkType=gs1:certificationInfo"),
        &[("accept-language", "vi")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::MULTIPLE_CHOICES, "{}", reply.body);
    let hrefs: Vec<String> = reply.json()["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["href"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        hrefs,
        vec!["https://farm.example/c1", "https://farm.example/c2"]
    );
    // A pip without a language preference is ambiguous too.
    let reply = scan(&app, "GET", &pip, &[]).await;
    assert_eq!(reply.status, StatusCode::MULTIPLE_CHOICES);

    // The lot's recall status is found from the lot; a serial of the lot walks up to it rather
    // than to its own automatic one, since the organisation stored it.
    // Query strings other than linkType are passed on; trailing slashes are tolerated.
    let reply = scan(
        &app,
        "GET",
        &format!("/01/{GTIN}/10/LOT1/21/S9/?linkType=gs1:recallStatus&utm=qr&17=261231"),
        &[],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::TEMPORARY_REDIRECT,
        "{}",
        reply.body
    );
    assert_eq!(
        reply.header("location"),
        Some("https://farm.example/r?utm=qr&17=261231")
    );
    // Percent-encoded link types are read too.
    let reply = scan(
        &app,
        "GET",
        &format!("/01/{GTIN}/10/LOT1?linkType=gs1%3ArecallStatus"),
        &[],
    )
    .await;
    assert_eq!(reply.header("location"), Some("https://farm.example/r"));

    // A stored default wins over the automatic traceability page, in the default's language.
    let reply = add_link(
        &app,
        &farm,
        link(
            &format!("/01/{GTIN}"),
            "gs1:pip",
            "https://farm.example/home",
            "vi",
            true,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let reply = scan(&app, "GET", &format!("/01/{GTIN}"), &[]).await;
    assert_eq!(reply.header("location"), Some("https://farm.example/home"));
    let reply = scan(
        &app,
        "GET",
        &format!("/01/{GTIN}/"),
        &[("accept-language", "en")],
    )
    .await;
    assert_eq!(reply.header("location"), Some("https://farm.example/en"));
}

#[tokio::test]
async fn the_linkset_holds_every_level_up_to_the_primary_key() {
    let (app, farm, _) = app().await;
    let reply = add_link(
        &app,
        &farm,
        link(
            &format!("/01/{GTIN}/10/LOT1"),
            "gs1:certificationInfo",
            "https://farm.example/c",
            "vi",
            false,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let path = format!("/01/{GTIN}/10/LOT1");
    let by_param = scan(&app, "GET", &format!("{path}?linkType=linkset"), &[]).await;
    let by_accept = scan(
        &app,
        "GET",
        &path,
        &[("accept", "application/linkset+json")],
    )
    .await;
    for reply in [&by_param, &by_accept] {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            Some("application/linkset+json")
        );
        assert!(reply.header("link").unwrap().contains("json-ld#context"));
    }
    let linkset = by_param.json();
    assert_eq!(linkset, by_accept.json());
    let contexts = linkset["linkset"].as_array().unwrap();
    assert_eq!(contexts.len(), 2, "{linkset:#}");
    assert_eq!(contexts[0]["anchor"], format!("{ROOT}{path}"));
    assert_eq!(contexts[1]["anchor"], format!("{ROOT}/01/{GTIN}"));
    let cert = &contexts[0]["https://gs1.org/voc/certificationInfo"][0];
    assert_eq!(cert["href"], "https://farm.example/c");
    assert_eq!(cert["title"], "Thông tin sản phẩm");
    assert_eq!(cert["type"], "text/html");
    assert_eq!(cert["hreflang"], json!(["vi"]));
    // Exactly one default link in the whole set: the lot's public page.
    let defaults: Vec<&Value> = contexts
        .iter()
        .filter_map(|c| c.get("https://gs1.org/voc/defaultLink"))
        .flat_map(|d| d.as_array().unwrap())
        .collect();
    assert_eq!(defaults.len(), 1, "{linkset:#}");
    assert_eq!(defaults[0]["href"], format!("{ROOT}/p/01/{GTIN}/10/LOT1"));
    // Every target has an href, a title and a type.
    for context in contexts {
        for (relation, targets) in context.as_object().unwrap() {
            if relation == "anchor" {
                continue;
            }
            assert!(relation.starts_with("https://gs1.org/voc/"), "{relation}");
            for target in targets.as_array().unwrap() {
                for field in ["href", "title", "type"] {
                    assert!(target.get(field).is_some(), "{relation}: {target}");
                }
            }
        }
    }
    assert!(contexts[1].get("https://gs1.org/voc/epcis").is_some());
}

#[tokio::test]
async fn head_and_options_answer_like_get_without_a_body() {
    let (app, _, _) = app().await;
    let path = format!("/01/{GTIN}");
    let head = scan(&app, "HEAD", &path, &[]).await;
    assert_eq!(head.status, StatusCode::TEMPORARY_REDIRECT);
    assert!(head.header("location").is_some());
    assert!(head.header("link").is_some());
    assert!(head.body.is_empty());
    let options = scan(
        &app,
        "OPTIONS",
        &path,
        &[
            ("origin", "https://shop.example"),
            ("access-control-request-method", "GET"),
        ],
    )
    .await;
    assert_eq!(options.status, StatusCode::NO_CONTENT);
    assert_eq!(options.header("access-control-allow-origin"), Some("*"));
    assert_eq!(options.header("allow"), Some("GET, HEAD, OPTIONS"));
    assert!(
        options
            .header("access-control-allow-methods")
            .unwrap()
            .contains("HEAD")
    );
    assert!(
        options
            .header("access-control-expose-headers")
            .unwrap()
            .contains("Link")
    );
    let post = scan(&app, "POST", &path, &[]).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn compressed_links_are_decompressed_and_named_with_owl_same_as() {
    let (app, _, _) = app().await;
    // (01)08934673000017 and (01)08934673000017(10)LOT1, compressed.
    for (compressed, uncompressed) in [
        ("/ARBAiAVMog", format!("{ROOT}/01/{GTIN}")),
        ("/CxBAiAVMoshZyeo", format!("{ROOT}/01/{GTIN}/10/LOT1")),
    ] {
        let reply = scan(&app, "GET", compressed, &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::TEMPORARY_REDIRECT,
            "{compressed}: {}",
            reply.body
        );
        let link_header = reply.header("link").unwrap();
        assert!(
            link_header.contains(&format!("<{uncompressed}>; rel=\"owl:sameAs\"")),
            "{link_header}"
        );
    }
    let linkset = scan(&app, "GET", "/CxBAiAVMoshZyeo?linkType=linkset", &[]).await;
    assert_eq!(
        linkset.json()["linkset"][0]["anchor"],
        format!("{ROOT}/01/{GTIN}/10/LOT1")
    );
    // A plain link has no owl:sameAs.
    let plain = scan(&app, "GET", &format!("/01/{GTIN}"), &[]).await;
    assert!(!plain.header("link").unwrap().contains("owl:sameAs"));
}

#[tokio::test]
async fn the_description_file_names_the_root_and_the_keys() {
    let (app, _, _) = app().await;
    let reply = scan(&app, "GET", "/.well-known/gs1resolver", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    let description = reply.json();
    assert_eq!(description["resolverRoot"], ROOT);
    let keys = description["supportedPrimaryKeys"].as_array().unwrap();
    for key in ["00", "01", "414", "8004"] {
        assert!(keys.contains(&json!(key)), "{key}");
    }
    assert_eq!(description["linkTypeDefaultCanBeLinkset"], true);
    assert_eq!(description["supportsLanguageVariants"], true);
    assert!(description["name"].as_str().is_some());
    assert!(description["supportedContextValuesEnumerated"].is_array());
}

#[tokio::test]
async fn organisations_manage_only_links_of_their_own_keys() {
    let (app, farm, other) = app().await;
    // The other organisation may not link the farm's GTIN, nor a GTIN of the farm's prefix.
    for identifier in [format!("/01/{GTIN}"), format!("/01/{BARE_GTIN}")] {
        let reply = add_link(
            &app,
            &other,
            link(&identifier, "gs1:pip", "https://evil.example", "vi", false),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(
            reply.json()["detail"]
                .as_str()
                .unwrap()
                .contains("identifier:")
        );
    }
    // Its own prefix is fine, even without a registered product.
    let reply = add_link(
        &app,
        &other,
        link(
            "/01/08931234000011",
            "gs1:pip",
            "https://other.example",
            "vi",
            true,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let others_link = reply.json()["id"].as_str().unwrap().to_owned();

    let reply = add_link(
        &app,
        &farm,
        link(
            &format!("/01/{GTIN}/10/L2"),
            "gs1:pip",
            "https://farm.example/l2",
            "vi",
            false,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let location = reply.header("location").unwrap().to_owned();
    let created = reply.json();
    assert_eq!(created["anchor"], format!("/01/{GTIN}/10/L2"));
    assert_eq!(created["linkType"], "gs1:pip");
    // Bad fields name the field; the same link twice is a conflict.
    let reply = add_link(
        &app,
        &farm,
        link(
            &format!("/01/{GTIN}"),
            "gs1:pip",
            "javascript:alert(1)",
            "vi",
            false,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["detail"].as_str().unwrap().contains("href:"));
    let reply = add_link(
        &app,
        &farm,
        link(
            &format!("/01/{GTIN}/10/L2"),
            "gs1:pip",
            "https://farm.example/l2",
            "vi",
            false,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);

    // Each sees only its own; the other's link is a 404 to the farm.
    let listed = app.get(&farm, "/api/v1/resolver/links", &[]).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let hidden = app
        .get(&farm, &format!("/api/v1/resolver/links/{others_link}"), &[])
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let reply = app
        .delete(&farm, &format!("/api/v1/resolver/links/{others_link}"))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Replace, then remove; each change is audited as done by the key.
    let request = Request::put(location.as_str())
        .header("authorization", format!("Bearer {farm}"))
        .header("content-type", "application/json")
        .body(Body::from(
            link(
                &format!("/01/{GTIN}/10/L2"),
                "gs1:pip",
                "https://farm.example/l2-en",
                "en",
                false,
            )
            .to_string(),
        ))
        .unwrap();
    let replaced = app.send(request).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.json()["href"], "https://farm.example/l2-en");
    let reply = scan(
        &app,
        "GET",
        &format!("/01/{GTIN}/10/L2?linkType=gs1:pip"),
        &[],
    )
    .await;
    assert_eq!(reply.header("location"), Some("https://farm.example/l2-en"));
    let reply = app.delete(&farm, &location).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&farm, &location, &[]).await.status,
        StatusCode::NOT_FOUND
    );

    // The province reads everything and removes, but adds nothing.
    let province = app.key(ApiKeyScope::Province).await;
    let all = app
        .get(&province, "/api/v1/resolver/links", &[])
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 1);
    let reply = add_link(
        &app,
        &province,
        link(
            "/01/08931234000011",
            "gs1:epcis",
            "https://x.example",
            "vi",
            false,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app
        .delete(&province, &format!("/api/v1/resolver/links/{others_link}"))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);

    let audit = app
        .state
        .store
        .search_audit_log(&AuditQuery {
            entity_kind: Some(EntityKind::ResolverLink),
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .entries;
    let actions: Vec<AuditAction> = audit.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        vec![
            AuditAction::ResolverLinkDelete,
            AuditAction::ResolverLinkDelete,
            AuditAction::ResolverLinkUpdate,
            AuditAction::ResolverLinkCreate,
            AuditAction::ResolverLinkCreate,
        ]
    );
    assert!(audit.iter().all(|e| matches!(e.actor, Actor::ApiKey(_))));
}

//! The trace page through the real router over a real SQLite store: a shrimp chain captured by
//! a hatchery, a farm and a processor, searched and viewed by a signed-in user in Vietnamese and
//! English: one step back and forward with links, both trees, the timeline in order, and the
//! pages for signed-out users, unknown codes and bad input.

mod support;

use axum::http::StatusCode;
use nguon_domain::Role;
use nguon_gs1::percent_encode;
use support::TestApp;
use support::chain::{
    CARTONS, FARM_NAME, FROZEN, HATCHERY_NAME, PALLET, PLANT_PLACE, POND, POND_PLACE,
    PROCESSOR_NAME, SEED, shrimp_chain,
};
use support::portal::{Browser, PASSWORD, location, user};

fn page(identifier: &str) -> String {
    format!("/trace/{}", percent_encode(identifier))
}

/// The position of `needle` in `body`; fails naming it when it is missing.
fn position(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not on the page:\n{body}"))
}

/// The part of `body` from the heading `from` to the heading `to`.
fn section<'a>(body: &'a str, from: &str, to: &str) -> &'a str {
    let start = position(body, from);
    let end = start + position(&body[start..], to);
    &body[start..end]
}

/// The rows of a timeline, each with what it must show, in order.
fn assert_rows(timeline: &str, expected: &[&[&str]]) {
    let rows: Vec<&str> = timeline.split("<li>").skip(1).collect();
    assert_eq!(rows.len(), expected.len(), "{timeline}");
    for (row, wanted) in rows.iter().zip(expected) {
        for needle in *wanted {
            assert!(row.contains(needle), "{needle:?} not in row {row}");
        }
    }
}

/// A farm worker signed in, in the given language.
async fn signed_in<'a>(app: &'a TestApp, farm: nguon_domain::OrganisationId) -> Browser<'a> {
    user(app, "nhanvien@tanhung.vn", Role::OrgStaff, Some(farm)).await;
    let mut browser = Browser::new(app);
    let reply = browser.sign_in("nhanvien@tanhung.vn", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    browser
}

#[tokio::test]
async fn the_pond_lot_shows_its_neighbours_trees_and_timeline_in_vietnamese() {
    let app = TestApp::new().await;
    let organisations = shrimp_chain(&app).await;
    let mut browser = signed_in(&app, organisations[1]).await;

    let home = browser.get("/").await;
    assert!(
        home.body
            .contains(r#"<a href="/trace">Truy xuất một lô hàng</a>"#),
        "{}",
        home.body
    );

    // Any spelling of the code leads to the page of its canonical form.
    let found = browser.get("/trace?id=(01)08931234560027(10)AO7").await;
    assert_eq!(found.status, StatusCode::SEE_OTHER, "{}", found.body);
    assert_eq!(location(&found), page(POND));

    let reply = browser.get(&page(POND)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = &reply.body;
    assert!(body.contains(r#"<html lang="vi">"#));
    assert!(body.contains("Lô hàng"));
    assert!(
        body.contains("GTIN <strong>08931234560027</strong>"),
        "{body}"
    );
    assert!(body.contains("Số lô <strong>AO7</strong>"), "{body}");
    assert!(
        body.contains(&format!("{FARM_NAME} → {PROCESSOR_NAME}")),
        "{body}"
    );
    // Organisations by name only, never by internal id.
    for id in organisations {
        assert!(!body.contains(&id.to_string()), "{id} is on the page");
    }
    // No inline scripts or styles: a strict CSP must be possible.
    assert!(!body.contains("<script") && !body.contains("style="));

    let back = section(
        body,
        "Một bước trước: nguồn cung cấp",
        "Một bước sau: nơi nhận",
    );
    assert!(
        back.contains(&format!(
            r#"<a href="{}">Lô PL7 · GTIN 08931234560010</a>"#,
            page(SEED)
        )),
        "{back}"
    );
    assert!(back.contains("Làm từ"));
    assert!(
        back.contains(&format!("{HATCHERY_NAME} → {FARM_NAME}")),
        "{back}"
    );
    assert!(back.contains("199.500 con/cái"), "{back}");
    assert!(back.contains("01/01/2026 15:00"), "{back}");
    let forward = section(body, "Một bước sau: nơi nhận", "Các sự kiện của mã này");
    assert!(
        forward.contains(&format!(
            r#"<a href="{}">Lô F7 · GTIN 08931234560034</a>"#,
            page(FROZEN)
        )),
        "{forward}"
    );
    assert!(forward.contains("Chế biến thành"));
    assert!(forward.contains("1.108 kg"), "{forward}");
    assert!(forward.contains(PROCESSOR_NAME));
    assert!(
        !forward.contains("PL7"),
        "the seed is a supplier, not a recipient"
    );

    // The timeline: every event naming the lot, in time order, in Vietnam time, with stage,
    // organisation, place and quantity.
    let timeline = section(
        body,
        "Các sự kiện của mã này (giờ Việt Nam)",
        "Truy ngược về nguồn gốc",
    );
    assert_rows(
        timeline,
        &[
            &["01/01/2026 15:00", "Khởi tạo", FARM_NAME, POND_PLACE],
            &[
                "03/01/2026 06:00",
                "Xuất hàng",
                FARM_NAME,
                POND_PLACE,
                "1.800 kg",
            ],
            &[
                "03/01/2026 10:00",
                "Nhận hàng",
                PROCESSOR_NAME,
                PLANT_PLACE,
                "1.788 kg",
            ],
            &[
                "03/01/2026 12:00",
                "Khởi tạo",
                PROCESSOR_NAME,
                PLANT_PLACE,
                "1.788 kg",
            ],
        ],
    );

    // The trees go all the way: back to the seed, forward to the cartons and the pallet.
    let back_tree = section(body, "Truy ngược về nguồn gốc", "Truy xuôi đến nơi nhận");
    assert!(back_tree.contains(&page(SEED)));
    let forward_tree = section(body, "Truy xuôi đến nơi nhận", "Truy xuất mã khác");
    let reached: Vec<usize> = [page(FROZEN), page(CARTONS[0]), page(PALLET)]
        .iter()
        .map(|href| position(forward_tree, href))
        .collect();
    assert!(reached.is_sorted(), "{forward_tree}");
    assert!(forward_tree.contains("Đóng vào"));
    assert!(forward_tree.contains("Kiện SSCC 089312345600000072"));
    assert!(
        forward_tree.contains("<details open>"),
        "nested lists fold without JavaScript"
    );
    assert!(
        !body.contains("Unknown localization"),
        "a message is missing"
    );
}

#[tokio::test]
async fn the_one_step_links_lead_on_and_the_page_speaks_english() {
    let app = TestApp::new().await;
    let organisations = shrimp_chain(&app).await;
    let mut browser = signed_in(&app, organisations[0]).await;
    browser.accept_language = Some("en-GB,en;q=0.9");

    // From the pallet back through a carton to the frozen lot and the pond.
    let pallet = browser.get(&page(PALLET)).await;
    assert_eq!(pallet.status, StatusCode::OK, "{}", pallet.body);
    let body = &pallet.body;
    assert!(body.contains("Logistic unit (case, carton, pallet)"));
    assert!(
        body.contains("SSCC <strong>089312345600000072</strong>"),
        "{body}"
    );
    let back = section(
        body,
        "One step back: suppliers",
        "One step forward: recipients",
    );
    assert!(back.contains("Contains"));
    assert!(
        back.contains(&format!(
            r#"<a href="{}">Serial C7-2 · GTIN 08931234560034</a>"#,
            page(CARTONS[1])
        )),
        "{back}"
    );
    let forward = section(body, "One step forward: recipients", "Events of this code");
    assert!(forward.contains("No recipient is recorded yet."));
    let back_tree = section(body, "Backward to the origins", "Forward to the recipients");
    // Each step is shown with its relation just before it, one level deeper each time.
    let mut from = 0;
    for (relation, href) in [
        ("Contains", page(CARTONS[0])),
        ("Made from", page(FROZEN)),
        ("Made from", page(POND)),
        ("Made from", page(SEED)),
    ] {
        let at = from + position(&back_tree[from..], &href);
        let line = &back_tree[back_tree[..at].rfind("<li>").unwrap()..at];
        assert!(line.contains(relation), "{relation} {href}: {line}");
        from = at;
    }
    assert!(
        back_tree.contains("shown above"),
        "the second carton's lot is not unfolded twice"
    );

    let carton = browser.get(&page(CARTONS[1])).await;
    assert_eq!(carton.status, StatusCode::OK);
    let timeline = section(
        &carton.body,
        "Events of this code (Vietnam time)",
        "Backward to the origins",
    );
    assert_rows(
        timeline,
        &[
            &["03/01/2026 13:00", "Packing", PROCESSOR_NAME, PLANT_PLACE],
            &["03/01/2026 14:00", "Packing", PROCESSOR_NAME, PLANT_PLACE],
        ],
    );
    let forward = section(
        &carton.body,
        "One step forward: recipients",
        "Events of this code",
    );
    assert!(forward.contains("Packed into"));
    assert!(forward.contains(&page(PALLET)));

    let seed = browser.get("/trace?gtin=08931234560010&lot=PL7").await;
    assert_eq!(location(&seed), page(SEED));
    let seed = browser.get(&page(SEED)).await;
    assert!(
        seed.body
            .contains("No source is recorded: this is where it starts.")
    );
    let timeline = section(
        &seed.body,
        "Events of this code (Vietnam time)",
        "Backward to the origins",
    );
    assert_rows(
        timeline,
        &[
            &[
                "01/01/2026 08:00",
                "Commissioning",
                HATCHERY_NAME,
                "200,000 pieces",
            ],
            &[
                "01/01/2026 09:00",
                "Shipping",
                HATCHERY_NAME,
                "200,000 pieces",
            ],
            &["01/01/2026 14:00", "Receiving", FARM_NAME, "199,500 pieces"],
            &["01/01/2026 15:00", "Commissioning", FARM_NAME, POND_PLACE],
        ],
    );
    assert!(timeline.contains(HATCHERY_NAME) && timeline.contains(FARM_NAME));
    assert!(!timeline.contains(PROCESSOR_NAME));
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in() {
    let app = TestApp::new().await;
    shrimp_chain(&app).await;
    let mut stranger = Browser::new(&app);
    for path in ["/trace".to_owned(), "/trace?id=x".to_owned(), page(POND)] {
        let reply = stranger.get(&path).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&reply), "/login", "{path}");
        assert!(!reply.body.contains("AO7"));
    }
}

#[tokio::test]
async fn unknown_codes_get_a_404_page_and_bad_ones_a_400_naming_the_rule() {
    let app = TestApp::new().await;
    let organisations = shrimp_chain(&app).await;
    let mut browser = signed_in(&app, organisations[2]).await;

    let form = browser.get("/trace").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"<form method="get" action="/trace""#));
    assert!(form.body.contains("Mã cần truy xuất"));

    let unknown = "https://id.gs1.org/01/08931234560010/10/NONE";
    let reply = browser.get(&page(unknown)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(
        reply.body.contains("Không có sự kiện nào ghi mã này."),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains(r#"action="/trace""#),
        "the search form is offered again"
    );
    assert!(
        reply.body.contains(&format!(r#"value="{unknown}""#)),
        "what was asked is kept"
    );

    // A wrong check digit, typed in the search box and in the address.
    let bad = "https://id.gs1.org/01/08931234560018/10/PL7";
    for path in [format!("/trace?id={}", percent_encode(bad)), page(bad)] {
        let reply = browser.get(&path).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            reply
                .body
                .contains("Mã không đọc được: phải là đường dẫn GS1 Digital Link"),
            "{}",
            reply.body
        );
        assert!(reply.body.contains("check digit"), "{}", reply.body);
        assert!(reply.body.contains(r#"action="/trace""#));
    }
    let lot = browser.get("/trace?gtin=08931234560010&lot=&serial=").await;
    assert_eq!(lot.status, StatusCode::BAD_REQUEST);
    assert!(
        lot.body
            .contains("Số lô / số sê-ri: nhập số lô hoặc số sê-ri"),
        "{}",
        lot.body
    );

    browser.accept_language = Some("en");
    let gtin = browser.get("/trace?gtin=12345&lot=PL7").await;
    assert_eq!(gtin.status, StatusCode::BAD_REQUEST);
    assert!(
        gtin.body.contains("GTIN: must have 8, 12, 13 or 14 digits"),
        "{}",
        gtin.body
    );
    assert!(
        gtin.body.contains(r#"value="12345""#),
        "what was typed is kept"
    );
    let unknown = browser.get(&page(unknown)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("No event records this code."));
}

#[tokio::test]
async fn a_trace_cut_at_the_page_limit_says_so() {
    let app = TestApp::new().await;
    let (packer, key) = app.organisation("0300000021").await;
    let cartons: Vec<String> = (0..301)
        .map(|n| format!("https://id.gs1.org/01/08931234560034/21/S{n}"))
        .collect();
    let document = serde_json::json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-01-05T00:00:00+07:00",
        "epcisBody": {"eventList": [{
            "type": "AggregationEvent",
            "eventTime": "2026-01-04T08:00:00+07:00",
            "eventTimeZoneOffset": "+07:00",
            "action": "ADD",
            "bizStep": "packing",
            "parentID": PALLET,
            "childEPCs": cartons,
        }]},
    });
    let job = app
        .capture(&key, "application/ld+json", &document.to_string(), &[])
        .await
        .unwrap_or_else(|r| panic!("{} {}", r.status, r.body));
    assert_eq!(job["success"], true, "{job}");
    let mut browser = signed_in(&app, packer).await;

    let reply = browser.get(&page(PALLET)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .body
            .contains("Chuỗi quá dài nên chỉ hiện một phần: trang này dừng ở 300 mã mỗi chiều."),
        "{}",
        reply.body
    );
    let carton = browser.get(&page(&cartons[0])).await;
    assert!(
        !carton.body.contains("Chuỗi quá dài"),
        "a short trace is whole"
    );
}

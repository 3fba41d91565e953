//! The Plan 140 pages through the real router over a real SQLite store: the dashboard's numbers
//! on a small province whose every count is known, its CSV and XLSX files read back, the
//! training records feeding the "reached" indicator, the guidance library's versions and
//! downloads, and the refusals for roles that may not use them.

mod support;

use std::io::Cursor;

use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use nguon_chains::Catalogue;
use nguon_domain::{
    Actor, Address, AdminUnits, ApprovalStatus, AuditAction, AuditQuery, CommuneCode, EntityKind,
    EventHash, EventId, EventType, FacilityDetails, FacilityKind, IdentifierRole, NewEvent,
    NewOrganisation, OrganisationId, OrganisationKind, OrganisationName, ProductDetails,
    ProductGroupCode, ProductGroupDetails, ProvinceCode, RecordName, Role, TaxCode,
};
use nguon_domain::{DeviceKind, NewScan, NewStampRun, StampState};
use nguon_gs1::{CompanyPrefix, Gln, Gtin};
use nguon_store::Registry;
use support::TestApp;
use support::portal::{Browser, PASSWORD, Part, location, user};

/// The province of the test: an approved processor holding a GS1 prefix with an event last
/// week; an approved cooperative with a product (so a GTIN) and no event; a pending household.
struct Province {
    processor: OrganisationId,
    cooperative: OrganisationId,
    east: CommuneCode,
    west: CommuneCode,
}

async fn organisation(
    app: &TestApp,
    kind: OrganisationKind,
    name: &str,
    tax_code: &str,
) -> OrganisationId {
    app.state
        .store
        .create_organisation(
            &NewOrganisation::new(
                kind,
                OrganisationName::parse(name).unwrap(),
                TaxCode::parse(tax_code).unwrap(),
            )
            .unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap()
        .id
}

async fn province(app: &TestApp) -> Province {
    let store = &app.state.store;
    let name = |text: &str| RecordName::parse("name", text).unwrap();
    store
        .register(
            None,
            &ProductGroupDetails {
                code: ProductGroupCode::parse("tom-nuoi").unwrap(),
                name_vi: name("Tôm nuôi"),
                name_en: name("Farmed shrimp"),
                key: true,
                mandatory: false,
            },
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    let processor = organisation(
        app,
        OrganisationKind::Enterprise,
        "Công ty Chế biến Thủy sản Gành Hào",
        "1900000001",
    )
    .await;
    let cooperative = organisation(
        app,
        OrganisationKind::Cooperative,
        "HTX Tôm lúa Phước Long",
        "1900000002",
    )
    .await;
    let household = organisation(
        app,
        OrganisationKind::Household,
        "Hộ bà Lê Thị Hoa",
        "1900000003",
    )
    .await;
    for id in [processor, cooperative] {
        store
            .set_organisation_status(id, ApprovalStatus::Approved, Actor::Cli)
            .await
            .unwrap();
    }
    store
        .add_company_prefix(
            processor,
            &CompanyPrefix::parse("8934673").unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    for (owner, gtin) in [(processor, "8934673000093"), (cooperative, "8934673000109")] {
        let mut product = ProductDetails::new(
            Gtin::parse(gtin).unwrap(),
            name("Tôm sú đông lạnh"),
            ProductGroupCode::parse("tom-nuoi").unwrap(),
        );
        product.chain = Some("farmed-shrimp".to_owned());
        store
            .register(Some(owner), &product, ApprovalStatus::Approved, Actor::Cli)
            .await
            .unwrap();
    }
    let units = AdminUnits::embedded();
    let communes = units
        .communes_of(ProvinceCode::parse("96").unwrap())
        .unwrap();
    let (east, west) = (communes[0].code(), communes[1].code());
    for (owner, gln, commune) in [
        (processor, "8934673000123", east),
        (cooperative, "8934673000130", east),
        (household, "8934673000147", west),
    ] {
        let mut facility =
            FacilityDetails::new(FacilityKind::Plant, name("Cơ sở"), Gln::parse(gln).unwrap());
        facility.address = Some(Address::new(units, "Ấp 1", commune).unwrap());
        store
            .register(Some(owner), &facility, ApprovalStatus::Approved, Actor::Cli)
            .await
            .unwrap();
    }
    // The processor processed one lot last week: the farmed-shrimp chain's processing stage.
    let event_id = "urn:uuid:0190f5c2-8d3a-7b4e-9f10-000000000140";
    store
        .append_events(&[NewEvent {
            owner: processor,
            event_id: EventId::parse(event_id).unwrap(),
            hash: EventHash::parse(&format!("ni:///sha-256;{:064x}?ver=CBV2.0", 140)).unwrap(),
            event_type: EventType::TransformationEvent,
            event_time: time::OffsetDateTime::now_utc() - time::Duration::days(7),
            event_time_zone_offset: "+07:00".to_owned(),
            action: None,
            biz_step: Some("https://nguon.example.vn/epcis/processing".to_owned()),
            disposition: None,
            read_point: None,
            biz_location: None,
            identifiers: vec![
                (
                    IdentifierRole::InputClass,
                    "https://id.gs1.org/01/08934673000109/10/RAW-1".to_owned(),
                ),
                (
                    IdentifierRole::OutputClass,
                    "https://id.gs1.org/01/08934673000093/10/FROZEN-1".to_owned(),
                ),
            ],
            fields: Vec::new(),
            document: format!(r#"{{"type":"TransformationEvent","eventID":"{event_id}"}}"#),
        }])
        .await
        .unwrap();
    Province {
        processor,
        cooperative,
        east,
        west,
    }
}

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let reply = browser.sign_in(email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    browser
}

/// The rows of a CSV download, header first.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Two stamp runs of the processor (20 stamps activated, 10 not), three scans of its codes (one
/// of a serial no run issued) and one of a GTIN nobody registered.
async fn stamps_and_scans(app: &TestApp, processor: OrganisationId) {
    let store = &app.state.store;
    let gtin = Gtin::parse("08931234560034").unwrap();
    let run = |count| NewStampRun {
        organisation: processor,
        gtin: gtin.clone(),
        lot: "L1".to_owned(),
        count,
        secret: [5; 16],
        symbology: "qr".to_owned(),
        layout: "a4-3x8".to_owned(),
    };
    let active = store.print_stamps(&run(20), 100, Actor::Cli).await.unwrap();
    store.print_stamps(&run(10), 100, Actor::Cli).await.unwrap();
    store
        .set_stamp_state(active.id, StampState::Active, Actor::Cli)
        .await
        .unwrap();
    let scan = |serial: Option<String>, verdict, organisation| NewScan {
        scanned_at: time::OffsetDateTime::now_utc(),
        gtin: gtin.clone(),
        lot: Some("L1".to_owned()),
        serial,
        place: None,
        device: DeviceKind::Phone,
        client: None,
        verdict,
        organisation,
        recalled: false,
    };
    for scanned in [
        scan(Some(active.serial(1)), Some("genuine"), Some(processor)),
        scan(None, None, Some(processor)),
        scan(
            Some("000999-AAAA".to_owned()),
            Some("unknown"),
            Some(processor),
        ),
    ] {
        store.record_scan(&scanned).await.unwrap();
    }
    let mut stray = scan(None, None, None);
    stray.gtin = Gtin::parse("08931234560041").unwrap();
    store.record_scan(&stray).await.unwrap();
}

#[tokio::test]
async fn the_dashboard_counts_a_known_province_and_exports_every_table() {
    let app = TestApp::new().await;
    let province = province(&app).await;
    stamps_and_scans(&app, province.processor).await;
    user(&app, "thanhtra@camau.gov.vn", Role::Inspector, None).await;
    let mut inspector = signed_in(&app, "thanhtra@camau.gov.vn").await;

    let home = inspector.get("/").await;
    assert!(
        home.body.contains(r#"href="/admin/dashboard""#),
        "{}",
        home.body
    );

    let page = inspector.get("/admin/dashboard").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Bảng theo dõi Kế hoạch 140"));
    assert!(
        page.body
            .contains("Theo xã, phường trong địa chỉ của tổ chức"),
        "the commune caption says how"
    );
    // Two server-drawn charts, described for screen readers, with the 2025 and 2030 targets.
    assert_eq!(page.body.matches(r#"<svg class="chart""#).count(), 2);
    assert!(page.body.contains("<title id=") && page.body.contains("<desc id="));
    assert!(page.body.contains(">2025 30 %<") && page.body.contains(">2030 50 %<"));
    assert!(page.body.contains(">2030 100 %<"), "the reach target");
    for section in [
        "indicators",
        "kinds",
        "groups",
        "communes",
        "chains",
        "stamps",
    ] {
        assert!(
            page.body
                .contains(&format!("/admin/dashboard/{section}.csv"))
        );
        assert!(
            page.body
                .contains(&format!("/admin/dashboard/{section}.xlsx"))
        );
    }

    // The indicators: 2 of 2 approved use GS1; 1 of those 2 traced lately; nobody trained yet.
    let csv = inspector.get("/admin/dashboard/indicators.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some("attachment; filename=\"plan140-indicators.csv\"")
    );
    let rows = csv_rows(&csv.bytes);
    assert_eq!(
        rows,
        [
            vec![
                "Chỉ tiêu",
                "Số tổ chức đạt",
                "Trên tổng số",
                "Tỷ lệ (%)",
                "Mục tiêu 2025 (%)",
                "Mục tiêu 2030 (%)"
            ],
            vec!["Dùng mã số mã vạch GS1", "2", "2", "100", "", ""],
            vec![
                "Truy xuất nguồn gốc đang hoạt động",
                "1",
                "2",
                "50",
                "30",
                "50"
            ],
            vec![
                "Cơ quan, doanh nghiệp được tập huấn",
                "0",
                "3",
                "0",
                "50",
                "100"
            ],
        ]
    );

    // By kind, as a workbook.
    let xlsx = inspector.get("/admin/dashboard/kinds.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert_eq!(
        xlsx.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(xlsx.bytes)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .filter(|row: &Vec<String>| row.iter().any(|c| !c.is_empty()))
        .collect();
    let row = |label: &str| {
        rows.iter()
            .find(|r| r[0] == label)
            .unwrap_or_else(|| panic!("no row {label} in {rows:?}"))[1..]
            .to_vec()
    };
    assert_eq!(row("Doanh nghiệp"), ["1", "1", "1", "1"]);
    assert_eq!(row("Hợp tác xã"), ["1", "1", "1", "0"]);
    assert_eq!(row("Hộ sản xuất, kinh doanh"), ["1", "0", "0", "0"]);
    assert_eq!(row("Cơ quan nhà nước"), ["0", "0", "0", "0"]);
    assert_eq!(row("Tổng cộng"), ["3", "2", "2", "1"]);

    // By product group and by commune of the facilities.
    let groups = csv_rows(&inspector.get("/admin/dashboard/groups.csv").await.bytes);
    assert_eq!(groups[1], ["Tôm nuôi", "tom-nuoi", "2", "2"]);
    assert_eq!(groups.len(), 2);
    let communes = csv_rows(&inspector.get("/admin/dashboard/communes.csv").await.bytes);
    let commune = |code: CommuneCode| {
        communes
            .iter()
            .find(|r| r[1] == code.to_string())
            .unwrap_or_else(|| panic!("{code} in {communes:?}"))[2..]
            .to_vec()
    };
    assert_eq!(commune(province.east), ["2", "2"]);
    assert_eq!(commune(province.west), ["1", "0"]);

    // The pilot chains: the processing stage of farmed shrimp has the processor's event and the
    // lot it made; every stage of every chain has a row.
    let catalogue = Catalogue::embedded().unwrap();
    let shrimp = catalogue.get("farmed-shrimp").unwrap();
    let chains = csv_rows(&inspector.get("/admin/dashboard/chains.csv").await.bytes);
    let stages: usize = catalogue.iter().map(|c| c.stages().len()).sum();
    assert_eq!(chains.len(), stages + 1);
    let processing = chains
        .iter()
        .find(|r| r[0] == shrimp.name().vi && r[1] == shrimp.stage("processing").unwrap().name().vi)
        .unwrap();
    assert_eq!(processing[2..5], ["1", "1", "1"]);
    assert_eq!(processing[5].len(), "2026-01-01".len());
    let harvest = chains
        .iter()
        .find(|r| r[0] == shrimp.name().vi && r[1] == shrimp.stage("harvest").unwrap().name().vi)
        .unwrap();
    assert_eq!(harvest[2..6], ["0", "0", "0", ""]);

    // Stamps: the processor's two runs, one active; three scans, one of a serial nobody issued;
    // one scan of a code nobody registered. A total row ends the table.
    let stamps = csv_rows(&inspector.get("/admin/dashboard/stamps.csv").await.bytes);
    assert_eq!(
        stamps[1..],
        [
            vec!["(mã chưa đăng ký)", "0", "0", "0", "1", "0"],
            vec![
                "Công ty Chế biến Thủy sản Gành Hào",
                "2",
                "30",
                "20",
                "3",
                "1"
            ],
            vec!["Toàn tỉnh", "2", "30", "20", "4", "1"],
        ]
    );

    // In English, the same numbers under English headers.
    let english = inspector.get("/lang/en?back=/admin/dashboard").await;
    assert_eq!(english.status, StatusCode::SEE_OTHER);
    let rows = csv_rows(&inspector.get("/admin/dashboard/indicators.csv").await.bytes);
    assert_eq!(rows[2], ["Active traceability", "1", "2", "50", "30", "50"]);

    // Unknown tables and formats are not found.
    for path in [
        "/admin/dashboard/users.csv",
        "/admin/dashboard/kinds.pdf",
        "/admin/dashboard/kinds",
    ] {
        assert_eq!(
            inspector.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_ne!(province.processor, province.cooperative);
}

#[tokio::test]
async fn organisation_roles_may_not_see_the_dashboard_or_the_training_records() {
    let app = TestApp::new().await;
    let province = province(&app).await;
    user(
        &app,
        "quanly@ganhhao.vn",
        Role::OrgAdmin,
        Some(province.processor),
    )
    .await;
    let mut org = signed_in(&app, "quanly@ganhhao.vn").await;
    let home = org.get("/").await;
    assert!(!home.body.contains("/admin/dashboard"));
    assert!(home.body.contains(r#"href="/guidance""#));
    for path in [
        "/admin/dashboard",
        "/admin/dashboard/indicators.csv",
        "/admin/dashboard/kinds.xlsx",
        "/admin/training",
    ] {
        let reply = org.get(path).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!reply.body.contains("Tổng cộng"), "{path} shows no figures");
    }
    let csrf = org.csrf("/guidance").await;
    let refused = org
        .post(
            "/admin/training",
            &[
                ("csrf", &csrf),
                ("title", "x"),
                ("held_on", "2026-03-12"),
                ("place", "x"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(app.state.store.list_trainings().await.unwrap().is_empty());
}

#[tokio::test]
async fn training_sessions_are_recorded_with_field_errors_and_feed_the_reached_indicator() {
    let app = TestApp::new().await;
    let province = province(&app).await;
    user(&app, "admin@camau.gov.vn", Role::ProvinceAdmin, None).await;
    user(&app, "thanhtra@camau.gov.vn", Role::Inspector, None).await;
    let mut admin = signed_in(&app, "admin@camau.gov.vn").await;
    let csrf = admin.csrf("/admin/training").await;
    let processor_field = format!("people-{}", province.processor);
    let cooperative_field = format!("people-{}", province.cooperative);

    // Bad fields come back named, in Vietnamese, with what was typed.
    let refused = admin
        .post(
            "/admin/training",
            &[
                ("csrf", &csrf),
                ("title", "Tập huấn mã số mã vạch"),
                ("held_on", "2026-02-30"),
                ("place", ""),
                ("product_group", "tom-nuoi"),
                (&processor_field, "0"),
                (&cooperative_field, "4"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Ngày phải có dạng năm-tháng-ngày"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Tên phải có từ 1 đến 200 ký tự"));
    assert!(refused.body.contains(
        "Số người của Công ty Chế biến Thủy sản Gành Hào phải là số nguyên từ 1 đến 10000."
    ));
    assert!(
        refused.body.contains(r#"value="Tập huấn mã số mã vạch""#),
        "title kept"
    );
    assert!(refused.body.contains(r#"value="4""#), "head count kept");
    assert!(app.state.store.list_trainings().await.unwrap().is_empty());

    // Without the token, nothing.
    let forged = admin
        .post(
            "/admin/training",
            &[
                ("title", "x"),
                ("held_on", "2026-03-12"),
                ("place", "x"),
                (&cooperative_field, "4"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let saved = admin
        .post(
            "/admin/training",
            &[
                ("csrf", &csrf),
                ("title", "Tập huấn mã số mã vạch"),
                ("held_on", "2026-03-12"),
                ("place", "Hội trường Sở KH&CN"),
                ("product_group", "tom-nuoi"),
                (&processor_field, "3"),
                (&cooperative_field, "4"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(location(&saved), "/admin/training");
    let sessions = app.state.store.list_trainings().await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].details.people(), 7);

    // The inspector reads the records and sees the indicator move: 2 of 3 organisations.
    let mut inspector = signed_in(&app, "thanhtra@camau.gov.vn").await;
    let list = inspector.get("/admin/training").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("Tập huấn mã số mã vạch") && list.body.contains("Tôm nuôi (tom-nuoi)")
    );
    assert!(list.body.contains("đã được tập huấn: 2."), "{}", list.body);
    assert!(
        !list
            .body
            .contains(r#"<form method="post" action="/admin/training""#)
    );
    let rows = csv_rows(&inspector.get("/admin/dashboard/indicators.csv").await.bytes);
    assert_eq!(
        rows[3],
        [
            "Cơ quan, doanh nghiệp được tập huấn",
            "2",
            "3",
            "66.7",
            "50",
            "100"
        ]
    );
    let inspector_csrf = csrf_of_page(&list.body);
    let refused = inspector
        .post(
            "/admin/training",
            &[
                ("csrf", &inspector_csrf),
                ("title", "x"),
                ("held_on", "2026-03-12"),
                ("place", "x"),
                (&cooperative_field, "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The admin corrects it: only the cooperative came.
    let id = sessions[0].id;
    let edit = admin.get(&format!("/admin/training/{id}")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains(r#"value="2026-03-12""#) && edit.body.contains(r#"value="3""#));
    let corrected = admin
        .post(
            &format!("/admin/training/{id}"),
            &[
                ("csrf", &csrf),
                ("title", "Tập huấn mã số mã vạch"),
                ("held_on", "2026-03-12"),
                ("place", "Hội trường Sở KH&CN"),
                ("product_group", ""),
                (&processor_field, ""),
                (&cooperative_field, "5"),
            ],
        )
        .await;
    assert_eq!(
        corrected.status,
        StatusCode::SEE_OTHER,
        "{}",
        corrected.body
    );
    assert_eq!(app.state.store.organisations_reached().await.unwrap(), 1);
    let audit = app
        .state
        .store
        .search_audit_log(&AuditQuery {
            entity_kind: Some(EntityKind::Training),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let actions: Vec<AuditAction> = audit.entries.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::TrainingUpdate, AuditAction::TrainingCreate]
    );
    assert!(audit.entries[0].actor.to_string().starts_with("user:"));
    assert_eq!(
        admin
            .get("/admin/training/0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

fn csrf_of_page(html: &str) -> String {
    support::portal::csrf_of(html)
}

/// Uploads `file` as `name` under `title`, for the shrimp group.
async fn upload(
    browser: &mut Browser<'_>,
    csrf: &str,
    title: &str,
    name: &str,
    file: &[u8],
) -> support::Reply {
    browser
        .post_multipart(
            "/guidance",
            &[
                Part::Text("csrf", csrf),
                Part::Text("title", title),
                Part::Text("product_group", "tom-nuoi"),
                Part::File("file", name, file),
            ],
        )
        .await
}

/// A small real PDF header; the library recognises files by content.
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

#[tokio::test]
async fn guidance_is_versioned_by_title_and_served_with_its_type() {
    let app = TestApp::new().await;
    let province = province(&app).await;
    user(&app, "admin@camau.gov.vn", Role::ProvinceAdmin, None).await;
    user(
        &app,
        "nhanvien@ganhhao.vn",
        Role::OrgStaff,
        Some(province.processor),
    )
    .await;
    let mut admin = signed_in(&app, "admin@camau.gov.vn").await;
    let csrf = admin.csrf("/guidance").await;
    // A page of HTML is not a document; the title typed stays.
    let refused = upload(
        &mut admin,
        &csrf,
        "Hướng dẫn nuôi tôm",
        "trang.html",
        b"<html>hi</html>",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Tệp phải là PDF, DOCX, XLSX hoặc ảnh PNG, JPEG, WebP, không quá 10 MB."),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(r#"value="Hướng dẫn nuôi tôm""#));

    for (file, name) in [(PDF, "huong-dan-v1.pdf"), (PDF, "Hướng dẫn v2.pdf")] {
        let saved = upload(&mut admin, &csrf, "Hướng dẫn nuôi tôm", name, file).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }
    let versions = app.state.store.list_guidance().await.unwrap();
    assert_eq!(
        versions.iter().map(|g| g.version).collect::<Vec<_>>(),
        [2, 1]
    );

    // Staff of an organisation read the library: the latest version, the older one reachable.
    let mut staff = signed_in(&app, "nhanvien@ganhhao.vn").await;
    let library = staff.get("/guidance").await;
    assert_eq!(library.status, StatusCode::OK);
    assert!(
        library
            .body
            .contains(&format!(r#"href="/guidance/{}""#, versions[0].id))
    );
    assert!(library.body.contains("Phiên bản 1"));
    assert!(
        !library.body.contains(r#"enctype="multipart/form-data""#),
        "no upload form"
    );
    let file = staff.get(&format!("/guidance/{}", versions[0].id)).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), Some("application/pdf"));
    assert_eq!(
        file.header("content-disposition"),
        Some(
            "attachment; filename=\"H__ng d_n v2.pdf\"; filename*=UTF-8''H%C6%B0%E1%BB%9Bng%20d%E1%BA%ABn%20v2.pdf"
        )
    );
    assert_eq!(file.bytes, PDF);
    let staff_csrf = csrf_of_page(&library.body);
    let refused = staff
        .post_multipart(
            "/guidance",
            &[
                Part::Text("csrf", &staff_csrf),
                Part::Text("title", "x"),
                Part::File("file", "a.pdf", PDF),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.state.store.list_guidance().await.unwrap().len(), 2);
    assert_eq!(
        staff.get("/guidance/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );

    let audit = app
        .state
        .store
        .search_audit_log(&AuditQuery {
            action: Some(AuditAction::GuidanceUpload),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.entries.len(), 2);
}

//! The registry kinds: organisations, facilities and products, each as columns, a row reader
//! that builds the typed record with every rule of the portal's forms, and an export writer.

use std::collections::HashSet;

use nguon_domain::{
    Address, AdminUnits, ApprovalStatus, Certificate, CertificateKind, CommuneCode,
    FacilityDetails, FacilityKind, Geometry, NewOrganisation, OfficialCode, Organisation,
    OrganisationId, OrganisationKind, OrganisationName, ProductDetails, ProductForm,
    ProductGroupCode, RecordName, Registered, RegistryDetails, TaxCode, units::UnitCode,
};
use nguon_gs1::{CompanyPrefix, Gln, Gtin};
use nguon_store::{OrganisationQuery, RecordQuery, Registry, Store, StoreError};
use time::Date;
use time::macros::format_description;

use super::{
    Column, Context, ImportError, Imported, Importer, Phase, Problem, Progress, Row, SeenKeys,
    already_registered, refuse_if_any, store,
};
use crate::quality::CHAINS as CATALOGUE;

/// A column from string literals.
fn column(
    field: &str,
    (vi, en): (&str, &str),
    required: bool,
    (rule_vi, rule_en): (&str, &str),
    example: &str,
) -> Column {
    Column {
        field: field.to_owned(),
        vi: vi.to_owned(),
        en: en.to_owned(),
        required,
        rule_vi: rule_vi.to_owned(),
        rule_en: rule_en.to_owned(),
        example: example.to_owned(),
    }
}

/// Names joined for a rule: `a, b, c`.
fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names.into_iter().collect::<Vec<_>>().join(", ")
}

/// Items of a list cell, separated by `;` or new lines.
fn items(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

pub(super) fn organisation_columns() -> Vec<Column> {
    let kinds = list(OrganisationKind::ALL.map(OrganisationKind::as_str));
    vec![
        column(
            "kind",
            ("Loại hình", "Kind"),
            true,
            (
                &format!("một trong: {kinds} (doanh nghiệp, hợp tác xã, hộ sản xuất, cơ quan)"),
                &format!("one of {kinds}"),
            ),
            "cooperative",
        ),
        column(
            "name",
            ("Tên tổ chức", "Name"),
            true,
            ("tên đã đăng ký, một dòng", "the registered name, one line"),
            "HTX Nuôi tôm Tân Hưng",
        ),
        column(
            "tax_code",
            ("Mã số thuế", "Tax code"),
            true,
            (
                "mã số thuế 10 chữ số, hoặc 10-3 cho đơn vị phụ thuộc; hộ sản xuất có thể dùng số định danh cá nhân 12 chữ số; không trùng",
                "a 10-digit tax code (MST), or 10-3 for a dependent unit; a household may use a 12-digit personal ID; unique",
            ),
            "2000123456",
        ),
        column(
            "company_prefixes",
            ("Mã doanh nghiệp GS1", "GS1 company prefixes"),
            false,
            (
                "mã doanh nghiệp GS1 (4 đến 12 chữ số, ở Việt Nam bắt đầu bằng 893), nhiều mã cách nhau bằng dấu chấm phẩy; không thuộc tổ chức khác",
                "GS1 company prefixes (4 to 12 digits, 893… in Viet Nam) separated by semicolons; not held by another organisation",
            ),
            "8935000",
        ),
    ]
}

pub(super) fn facility_columns(context: &Context) -> Vec<Column> {
    let kinds = list(FacilityKind::ALL.map(FacilityKind::as_str));
    let communes = AdminUnits::embedded()
        .communes_of(context.province)
        .map(|communes| {
            communes
                .iter()
                .map(|c| format!("{} {c}", c.code().as_str()))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    let example_commune = AdminUnits::embedded()
        .communes_of(context.province)
        .ok()
        .and_then(|c| c.first())
        .map(|c| c.code().as_str().to_owned())
        .unwrap_or_default();
    let certificate_kinds = list(CertificateKind::ALL.map(CertificateKind::as_str));
    vec![
        column(
            "kind",
            ("Loại cơ sở", "Kind"),
            true,
            (&format!("một trong: {kinds}"), &format!("one of {kinds}")),
            "pond",
        ),
        column(
            "name",
            ("Tên cơ sở", "Name"),
            true,
            ("tên cơ sở, một dòng", "the facility's name, one line"),
            "Ao số 3",
        ),
        column(
            "gln",
            ("Mã GLN", "GLN"),
            true,
            (
                "mã GLN 13 chữ số với số kiểm tra đúng, từ mã doanh nghiệp GS1 của tổ chức; không trùng",
                "a 13-digit GLN with a valid check digit, from the organisation's own GS1 company prefix; unique",
            ),
            "8935000000076",
        ),
        column(
            "street",
            ("Số nhà, ấp", "Street or hamlet"),
            false,
            (
                "số nhà, đường hoặc ấp; ghi cùng với mã xã/phường",
                "house number, street or hamlet (ấp); given together with the commune",
            ),
            "Ấp Thào Lạng",
        ),
        column(
            "commune",
            ("Mã xã/phường", "Commune code"),
            false,
            (
                &format!("mã xã/phường hiện hành của tỉnh: {communes}"),
                &format!("the code of a current commune of the province: {communes}"),
            ),
            &example_commune,
        ),
        column(
            "geometry",
            ("Tọa độ", "Location"),
            false,
            (
                "vĩ độ, kinh độ (9.2851, 105.7244); hoặc đường bao 3 đến 500 điểm cách nhau bằng dấu chấm phẩy",
                "latitude, longitude (9.2851, 105.7244); or an outline of 3 to 500 points separated by semicolons",
            ),
            "9.2851, 105.7244",
        ),
        column(
            "official_code",
            ("Mã số vùng trồng/vùng nuôi/cơ sở đóng gói", "Official code"),
            false,
            (
                "1 đến 40 chữ cái, chữ số, '-', '.', '/' hoặc '_'",
                "1 to 40 letters, digits, '-', '.', '/' or '_'",
            ),
            "VN-BLOC-0012",
        ),
        column(
            "certificates",
            ("Chứng nhận", "Certificates"),
            false,
            (
                &format!(
                    "mỗi chứng nhận: loại | số | nơi cấp | ngày cấp | ngày hết hạn (ngày dạng 2026-05-04, ngày hết hạn có thể bỏ trống), nhiều chứng nhận cách nhau bằng dấu chấm phẩy; loại là một trong: {certificate_kinds}; nhập vào là tự khai, tỉnh xác minh sau"
                ),
                &format!(
                    "each certificate as kind | number | issuer | issued on | expires on (dates as 2026-05-04, the expiry may be left out), several separated by semicolons; the kind one of {certificate_kinds}; imported as self-declared, the province verifies them"
                ),
            ),
            "viet_gap | VietGAP-TS-11-12-0042 | QUACERT | 2025-03-01 | 2027-03-01",
        ),
    ]
}

pub(super) fn product_columns(context: &Context) -> Vec<Column> {
    let groups = context
        .groups
        .iter()
        .map(|g| format!("{} ({})", g.code.as_str(), g.name_vi.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let groups_en = context
        .groups
        .iter()
        .map(|g| format!("{} ({})", g.code.as_str(), g.name_en.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let example_group = context
        .groups
        .first()
        .map(|g| g.code.as_str().to_owned())
        .unwrap_or_default();
    let units = list(UnitCode::amounts().map(|u| u.code));
    let chains = list(CATALOGUE.iter().map(|c| c.id()));
    vec![
        column(
            "gtin",
            ("Mã GTIN", "GTIN"),
            true,
            (
                "mã GTIN 8, 12, 13 hoặc 14 chữ số với số kiểm tra đúng, từ mã doanh nghiệp GS1 của tổ chức; không trùng",
                "a GTIN of 8, 12, 13 or 14 digits with a valid check digit, from the organisation's own GS1 company prefix; unique",
            ),
            "8935000000014",
        ),
        column(
            "name_vi",
            ("Tên sản phẩm", "Name (Vietnamese)"),
            true,
            ("tên trên nhãn, một dòng", "the name on the label, one line"),
            "Tôm thẻ chân trắng đông lạnh",
        ),
        column(
            "name_en",
            ("Tên tiếng Anh", "Name (English)"),
            false,
            ("tên tiếng Anh, một dòng", "the English name, one line"),
            "Frozen whiteleg shrimp",
        ),
        column(
            "group",
            ("Nhóm sản phẩm", "Product group"),
            true,
            (
                &format!("mã nhóm trong danh mục của tỉnh: {groups}"),
                &format!("the code of a group of the province's catalogue: {groups_en}"),
            ),
            &example_group,
        ),
        column(
            "brand",
            ("Nhãn hiệu", "Brand"),
            false,
            (
                "tối đa 120 ký tự, một dòng",
                "at most 120 characters, one line",
            ),
            "Tân Hưng",
        ),
        column(
            "net_content",
            ("Khối lượng/thể tích tịnh", "Net content"),
            false,
            ("một số lớn hơn 0", "a number greater than 0"),
            "500",
        ),
        column(
            "net_content_unit",
            ("Đơn vị", "Unit"),
            false,
            (
                &format!("mã đơn vị UN/ECE, cần khi có khối lượng tịnh: {units}"),
                &format!("a UN/ECE unit code, needed with a net content: {units}"),
            ),
            "GRM",
        ),
        column(
            "standards",
            ("Tiêu chuẩn áp dụng", "Applied standards"),
            false,
            (
                "số hiệu tiêu chuẩn như in trên nhãn, nhiều tiêu chuẩn cách nhau bằng dấu chấm phẩy",
                "standard references as printed on the label, separated by semicolons",
            ),
            "TCVN 12827:2019; VietGAP",
        ),
        column(
            "shelf_life_days",
            ("Hạn sử dụng (ngày)", "Shelf life (days)"),
            false,
            (
                "số ngày nguyên từ 1 đến 3650",
                "a whole number of days from 1 to 3650",
            ),
            "540",
        ),
        column(
            "ocop_stars",
            ("Số sao OCOP", "OCOP stars"),
            false,
            ("số nguyên từ 1 đến 5", "a whole number from 1 to 5"),
            "4",
        ),
        column(
            "chain",
            ("Chuỗi mẫu", "Chain template"),
            false,
            (
                &format!("mã chuỗi mẫu: {chains}"),
                &format!("a chain template id: {chains}"),
            ),
            "farmed-shrimp",
        ),
    ]
}

/// Every organisation, in creation order.
async fn all_organisations(store: &dyn Store) -> Result<Vec<Organisation>, StoreError> {
    let mut query = OrganisationQuery {
        limit: OrganisationQuery::MAX_LIMIT,
        ..OrganisationQuery::default()
    };
    let mut all = Vec::new();
    loop {
        let page = store.list_organisations(&query).await?;
        all.extend(page.organisations);
        match page.next_after {
            Some(after) => query.after = Some(after),
            None => return Ok(all),
        }
    }
}

/// Every record of kind `D` of `scope` (every organisation's when `None`), oldest first.
pub(super) async fn all_records<D: RegistryDetails>(
    store: &dyn Store,
    scope: Option<OrganisationId>,
) -> Result<Vec<Registered<D>>, StoreError> {
    let mut query = RecordQuery {
        organisation: scope,
        ..RecordQuery::default()
    };
    let mut all: Vec<Registered<D>> = Vec::new();
    loop {
        let page = store.list::<D>(&query).await?;
        let Some(last) = page.last().map(|r| r.id) else {
            return Ok(all);
        };
        all.extend(page);
        query.after = Some(last);
    }
}

/// Whether the company prefix at the start of `digits` is another organisation's: the problem
/// then names it.
async fn prefix_problem(
    store: &dyn Store,
    row: &Row<'_>,
    field: &str,
    own: OrganisationId,
    digits: &str,
) -> Result<Option<Problem>, StoreError> {
    Ok(store
        .organisation_for_key(digits)
        .await?
        .filter(|(owner, _)| owner.id != own)
        .map(|(owner, _)| {
            row.problem(
                field,
                format!(
                    "thuộc mã doanh nghiệp GS1 của {}, không phải của tổ chức này",
                    owner.name
                ),
                format!(
                    "belongs to the GS1 company prefix of {}, not of this organisation",
                    owner.name
                ),
            )
        }))
}

pub(super) async fn import_organisations(
    importer: Importer<'_>,
    rows: Vec<Row<'_>>,
    progress: &dyn Progress,
) -> Result<Imported, ImportError> {
    let store = store(&importer);
    let known: HashSet<String> = all_organisations(store)
        .await?
        .into_iter()
        .map(|o| o.tax_code.as_str().to_owned())
        .collect();
    let mut problems = Vec::new();
    let mut tax_codes = SeenKeys::new();
    let mut prefixes = SeenKeys::new();
    let mut checked: Vec<(NewOrganisation, Vec<CompanyPrefix>)> = Vec::new();
    for row in &rows {
        progress.advance();
        let kind = row.required(&mut problems, "kind", OrganisationKind::parse);
        let name = row.required(&mut problems, "name", OrganisationName::parse);
        let tax_code = row.required(&mut problems, "tax_code", TaxCode::parse);
        let own_prefixes = row.optional(&mut problems, "company_prefixes", |text| {
            items(text)
                .map(CompanyPrefix::parse)
                .collect::<Result<Vec<_>, _>>()
        });
        let (Some(kind), Some(name), Some(tax_code), Some(own_prefixes)) =
            (kind, name, tax_code, own_prefixes)
        else {
            continue;
        };
        let own_prefixes = own_prefixes.unwrap_or_default();
        let new = match NewOrganisation::new(kind, name, tax_code) {
            Ok(new) => new,
            Err(error) => {
                problems.push(row.problem(
                    "tax_code",
                    "số định danh cá nhân 12 chữ số chỉ dùng được cho hộ sản xuất".into(),
                    format!("a 12-digit personal ID is for households only ({error})"),
                ));
                continue;
            }
        };
        let code = new.tax_code().as_str();
        problems.extend(tax_codes.check(row, "tax_code", code));
        if known.contains(code) {
            problems.push(already_registered(row, "tax_code"));
        }
        for prefix in &own_prefixes {
            problems.extend(prefixes.check(row, "company_prefixes", prefix.as_str()));
            if store.organisation_for_key(prefix.as_str()).await?.is_some() {
                problems.push(row.problem(
                    "company_prefixes",
                    format!("mã {} đã thuộc một tổ chức khác", prefix.as_str()),
                    format!(
                        "{} is already held by another organisation",
                        prefix.as_str()
                    ),
                ));
            }
        }
        checked.push((new, own_prefixes));
    }
    refuse_if_any(problems)?;
    progress.start(Phase::Writing, 1);
    let created = store.create_organisations(&checked, importer.actor).await?;
    progress.advance();
    let records: Vec<(String, String)> = created
        .iter()
        .map(|o| (format!("{} · {}", o.name, o.tax_code), String::new()))
        .collect();
    Ok(Imported {
        count: records.len(),
        records,
    })
}

pub(super) async fn organisation_rows(
    store: &dyn Store,
    scope: Option<OrganisationId>,
) -> Result<Vec<Vec<String>>, StoreError> {
    Ok(all_organisations(store)
        .await?
        .into_iter()
        .filter(|o| scope.is_none_or(|own| own == o.id))
        .map(|o| {
            vec![
                o.kind.as_str().to_owned(),
                o.name.as_str().to_owned(),
                o.tax_code.as_str().to_owned(),
                o.company_prefixes
                    .iter()
                    .map(CompanyPrefix::as_str)
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect())
}

/// The organisation a per-organisation import writes into.
fn owner(importer: &Importer<'_>) -> OrganisationId {
    importer
        .organisation
        .map(|o| o.id)
        .expect("checked by import()")
}

/// Stores checked records of kind `D` in one transaction.
async fn store_all<D: RegistryDetails>(
    importer: Importer<'_>,
    details: Vec<D>,
    page: &str,
    progress: &dyn Progress,
) -> Result<Imported, ImportError> {
    progress.start(Phase::Writing, 1);
    let status = if importer.by_province {
        ApprovalStatus::Approved
    } else {
        ApprovalStatus::Pending
    };
    let stored = store(&importer)
        .register_all(Some(owner(&importer)), &details, status, importer.actor)
        .await?;
    progress.advance();
    let records: Vec<(String, String)> = stored
        .iter()
        .map(|r| {
            (
                format!("{} · {}", r.details.display_name(), r.details.key()),
                format!("{page}/{}", r.id),
            )
        })
        .collect();
    Ok(Imported {
        count: records.len(),
        records,
    })
}

/// `kind | number | issuer | issued on [| expires on]`, several separated by `;`.
fn certificates(text: &str) -> Result<Vec<Certificate>, String> {
    let date = |text: &str| {
        Date::parse(text.trim(), format_description!("[year]-[month]-[day]"))
            .map_err(|_| format!("{:?} is not a date such as 2026-05-04", text.trim()))
    };
    items(text)
        .map(|item| {
            let parts: Vec<&str> = item.split('|').map(str::trim).collect();
            let (kind, number, issuer, issued, expires) = match *parts.as_slice() {
                [kind, number, issuer, issued] => (kind, number, issuer, issued, None),
                [kind, number, issuer, issued, expires] => (
                    kind,
                    number,
                    issuer,
                    issued,
                    Some(expires).filter(|e| !e.is_empty()),
                ),
                _ => {
                    return Err(format!(
                        "{item:?} does not have 4 or 5 parts separated by |"
                    ));
                }
            };
            let kind = CertificateKind::parse(kind).map_err(|e| e.to_string())?;
            let expires = expires.map(date).transpose()?;
            Certificate::new(kind, number, issuer, date(issued)?, expires, false)
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn certificates_text(certificates: &[Certificate]) -> String {
    certificates
        .iter()
        .map(|c| {
            let mut parts = vec![
                c.kind().as_str().to_owned(),
                c.number().to_owned(),
                c.issuer().to_owned(),
                c.issued_on().to_string(),
            ];
            parts.extend(c.expires_on().map(|d| d.to_string()));
            parts.join(" | ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A facility from a row, with the same rules as the facility form.
fn facility(
    row: &Row<'_>,
    context: &Context,
    problems: &mut Vec<Problem>,
) -> Option<FacilityDetails> {
    let kind = row.required(problems, "kind", FacilityKind::parse);
    let name = row.required(problems, "name", |t| RecordName::parse("name", t));
    let gln = row.required(problems, "gln", Gln::parse);
    let units = AdminUnits::embedded();
    let commune = row.optional(problems, "commune", |text| {
        CommuneCode::parse(text)
            .ok()
            .filter(|code| units.is_commune_of(*code, context.province))
            .ok_or("not a current commune of the province")
    });
    let street = row.text("street");
    let address = match commune {
        // The commune's problem is already recorded.
        None => None,
        Some(None) if street.is_empty() => Some(None),
        Some(None) => {
            problems.push(row.problem(
                "commune",
                "cần ghi cùng với số nhà, ấp".into(),
                "is needed with the street".into(),
            ));
            None
        }
        Some(Some(_)) if street.is_empty() => {
            problems.push(row.problem(
                "street",
                "cần ghi cùng với mã xã/phường".into(),
                "is needed with the commune".into(),
            ));
            None
        }
        Some(Some(code)) => row
            .required(problems, "street", |_| Address::new(units, street, code))
            .map(Some),
    };
    let geometry = row.optional(problems, "geometry", Geometry::parse);
    let official_code = row.optional(problems, "official_code", |t| {
        OfficialCode::parse("official code", t)
    });
    let certificates = row.optional(problems, "certificates", certificates);
    let (kind, name, gln, address, geometry, official_code, certificates) = (
        kind?,
        name?,
        gln?,
        address?,
        geometry?,
        official_code?,
        certificates?,
    );
    Some(FacilityDetails {
        address,
        geometry,
        official_code,
        certificates: certificates.unwrap_or_default(),
        ..FacilityDetails::new(kind, name, gln)
    })
}

pub(super) async fn import_facilities(
    importer: Importer<'_>,
    context: &Context,
    rows: Vec<Row<'_>>,
    progress: &dyn Progress,
) -> Result<Imported, ImportError> {
    let facilities = KeyedImport {
        column: "gln",
        parse: facility,
        // A GLN starts with the company prefix.
        prefix_digits: |gln| gln,
        page: "/facilities",
    };
    import_keyed(importer, context, rows, progress, facilities).await
}

/// How one kind of registry record is imported: the column of its key, how a row becomes its
/// details, which digits of the key hold the company prefix, and the page that lists it.
struct KeyedImport<D> {
    column: &'static str,
    parse: fn(&Row<'_>, &Context, &mut Vec<Problem>) -> Option<D>,
    prefix_digits: fn(&str) -> &str,
    page: &'static str,
}

/// Checks every row (its own rules, its key against the rest of the file, the store and other
/// organisations' company prefixes), then stores all of them or, with any problem, none.
async fn import_keyed<D: RegistryDetails>(
    importer: Importer<'_>,
    context: &Context,
    rows: Vec<Row<'_>>,
    progress: &dyn Progress,
    kind: KeyedImport<D>,
) -> Result<Imported, ImportError> {
    let store = store(&importer);
    let own = owner(&importer);
    let mut problems = Vec::new();
    let mut keys = SeenKeys::new();
    let mut checked = Vec::with_capacity(rows.len());
    for row in &rows {
        progress.advance();
        let Some(details) = (kind.parse)(row, context, &mut problems) else {
            continue;
        };
        let key = details.key();
        problems.extend(keys.check(row, kind.column, &key));
        if store.find::<D>(&key).await?.is_some() {
            problems.push(already_registered(row, kind.column));
        }
        let digits = (kind.prefix_digits)(&key);
        problems.extend(prefix_problem(store, row, kind.column, own, digits).await?);
        checked.push(details);
    }
    refuse_if_any(problems)?;
    store_all(importer, checked, kind.page, progress).await
}

pub(super) async fn facility_rows(
    store: &dyn Store,
    scope: Option<OrganisationId>,
) -> Result<Vec<Vec<String>>, StoreError> {
    Ok(all_records::<FacilityDetails>(store, scope)
        .await?
        .into_iter()
        .map(|f| {
            let d = f.details;
            vec![
                d.kind.as_str().to_owned(),
                d.name.as_str().to_owned(),
                d.gln.as_str().to_owned(),
                d.address
                    .as_ref()
                    .map(|a| a.street().to_owned())
                    .unwrap_or_default(),
                d.address
                    .as_ref()
                    .map(|a| a.commune().as_str().to_owned())
                    .unwrap_or_default(),
                d.geometry
                    .as_ref()
                    .map(Geometry::to_text)
                    .unwrap_or_default(),
                d.official_code
                    .as_ref()
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
                certificates_text(&d.certificates),
            ]
        })
        .collect())
}

/// A product from a row, with the same rules as the product form.
fn product(
    row: &Row<'_>,
    context: &Context,
    problems: &mut Vec<Problem>,
) -> Option<ProductDetails> {
    let gtin = row.required(problems, "gtin", Gtin::parse);
    let name = row.required(problems, "name_vi", |t| RecordName::parse("name", t));
    let group = row.required(problems, "group", |text| {
        ProductGroupCode::parse(text)
            .ok()
            .filter(|code| context.groups.iter().any(|g| g.code == *code))
            .ok_or("not a group of the catalogue")
    });
    let chain = row.optional(problems, "chain", |text| {
        CATALOGUE
            .get(text)
            .map(|_| ())
            .ok_or("not a chain template")
    });
    let (gtin, name, group, _) = (gtin?, name?, group?, chain?);
    let form = ProductForm {
        name_en: row.text("name_en"),
        brand: row.text("brand"),
        net_content: row.text("net_content"),
        net_content_unit: row.text("net_content_unit"),
        standards: row.text("standards"),
        shelf_life_days: row.text("shelf_life_days"),
        ocop_stars: row.text("ocop_stars"),
        chain: row.text("chain"),
    };
    match ProductDetails::new(gtin, name, group).with_form_fields(&form) {
        Ok(details) => Some(details),
        Err(error) => {
            // The domain names the field it refused; the column is the one of that field.
            let message = error.to_string();
            let field = [
                ("English name", "name_en"),
                ("brand", "brand"),
                ("net content unit", "net_content_unit"),
                ("net content", "net_content"),
                ("applied standard", "standards"),
                ("shelf life", "shelf_life_days"),
                ("OCOP stars", "ocop_stars"),
                ("chain", "chain"),
            ]
            .into_iter()
            .find(|(name, _)| message.starts_with(name))
            .map_or("name_en", |(_, field)| field);
            let column = row.columns.iter().find(|c| c.field == field)?;
            problems.push(row.problem(
                field,
                column.rule_vi.clone(),
                format!("{} ({message})", column.rule_en),
            ));
            None
        }
    }
}

pub(super) async fn import_products(
    importer: Importer<'_>,
    context: &Context,
    rows: Vec<Row<'_>>,
    progress: &dyn Progress,
) -> Result<Imported, ImportError> {
    let products = KeyedImport {
        column: "gtin",
        parse: product,
        // A GTIN-14's first digit is the packaging indicator; the company prefix follows it.
        prefix_digits: |gtin| &gtin[1..],
        page: "/products",
    };
    import_keyed(importer, context, rows, progress, products).await
}

pub(super) async fn product_rows(
    store: &dyn Store,
    scope: Option<OrganisationId>,
) -> Result<Vec<Vec<String>>, StoreError> {
    let text = |value: Option<String>| value.unwrap_or_default();
    Ok(all_records::<ProductDetails>(store, scope)
        .await?
        .into_iter()
        .map(|p| {
            let d = p.details;
            vec![
                d.gtin.as_str().to_owned(),
                d.name_vi.as_str().to_owned(),
                text(d.name_en.map(|n| n.as_str().to_owned())),
                d.group.as_str().to_owned(),
                text(d.brand),
                text(d.net_content.map(|n| n.amount().to_string())),
                text(d.net_content.map(|n| n.unit().as_str().to_owned())),
                d.standards
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                text(d.shelf_life_days.map(|n| n.to_string())),
                text(d.ocop_stars.map(|n| n.to_string())),
                text(d.chain),
            ]
        })
        .collect())
}

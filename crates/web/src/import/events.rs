//! Diary events: one row per event of one stage of a pilot chain, a column per KDE of the stage
//! plus the event's time. Each row becomes an EPCIS event through [`ChainTemplate::event`], the
//! path diary forms take, is indexed like a capture, and the whole file is appended in one
//! transaction by the capture code's [`append_and_notify`].

use std::collections::{BTreeMap, HashSet};

use nguon_chains::{Capture, ChainTemplate, Kde, KdeType, Stage, Target, read_date_time};
use nguon_domain::{ApprovalStatus, EventQuery, FacilityDetails, MAX_PAGE, OrganisationId};
use nguon_epcis::json_ld;
use nguon_gs1::{KeyKind, percent_encode};
use nguon_store::{Store, StoreError};

use super::{
    Column, ImportError, Imported, Importer, Phase, Problem, Progress, Row, SeenKeys,
    refuse_if_any, store,
};
use crate::epcis::capture::{StoreEventError, append_and_notify};
use crate::epcis::index::new_event;
use crate::ui::diary::{VIETNAM, is_own_place, own_gln};

/// The column of the event's time.
const EVENT_TIME: &str = "event_time";

/// What a KDE's value must be, in Vietnamese and English, and an example.
fn rule(stage: &Stage, kde: &Kde) -> (String, String, String) {
    let several = |multiple: bool| {
        if multiple {
            (
                "; nhiều giá trị thì mỗi giá trị một dòng trong ô",
                "; several values one a line in the cell",
            )
        } else {
            ("", "")
        }
    };
    match kde.value() {
        KdeType::Text {
            min_length,
            max_length,
            pattern,
        } => {
            let min = min_length.unwrap_or(1);
            let (vi, en) = match max_length {
                Some(max) => (
                    format!("văn bản từ {min} đến {max} ký tự"),
                    format!("text of {min} to {max} characters"),
                ),
                None => (
                    format!("văn bản, ít nhất {min} ký tự"),
                    format!("text of at least {min} characters"),
                ),
            };
            match pattern {
                Some(p) => (
                    format!("{vi}, viết theo dạng {}", p.example()),
                    format!("{en}, written like {}", p.example()),
                    p.example().to_owned(),
                ),
                None => (vi, en, "OM 5451".to_owned()),
            }
        }
        KdeType::Number { min, max, integer } => {
            let (kind_vi, kind_en) = if *integer {
                ("số nguyên", "a whole number")
            } else {
                ("một số", "a number")
            };
            let bounds = |vi: bool| match (min, max) {
                (Some(a), Some(b)) if vi => format!(" từ {a} đến {b}"),
                (Some(a), Some(b)) => format!(" from {a} to {b}"),
                (Some(a), None) if vi => format!(" không nhỏ hơn {a}"),
                (Some(a), None) => format!(" of at least {a}"),
                (None, Some(b)) if vi => format!(" không lớn hơn {b}"),
                (None, Some(b)) => format!(" of at most {b}"),
                (None, None) => String::new(),
            };
            (
                format!("{kind_vi}{}", bounds(true)),
                format!("{kind_en}{}", bounds(false)),
                min.map_or(1.0, |m| m.max(1.0)).to_string(),
            )
        }
        KdeType::Quantity { units, .. } => {
            let codes: Vec<&str> = units.iter().map(|u| u.code).collect();
            let multiple = matches!(kde.target(), Target::LotQuantity(lot)
                if stage.kde(lot).is_some_and(|l| matches!(l.value(), KdeType::Lot { multiple: true, .. })));
            let (more_vi, more_en) = several(multiple);
            (
                format!(
                    "số lượng kèm đơn vị (1200 {}); đơn vị là một trong {}{more_vi}",
                    codes[0],
                    codes.join(", ")
                ),
                format!(
                    "an amount with its unit (1200 {}); the unit one of {}{more_en}",
                    codes[0],
                    codes.join(", ")
                ),
                format!("1200 {}", codes[0]),
            )
        }
        KdeType::Date => (
            "một ngày: 2026-05-04 hoặc 04/05/2026".into(),
            "a date: 2026-05-04 or 04/05/2026".into(),
            "2026-05-04".into(),
        ),
        KdeType::DateTime => (
            "ngày và giờ theo giờ Việt Nam: 2026-05-04T07:30".into(),
            "a date and time in Vietnam time: 2026-05-04T07:30".into(),
            "2026-05-04T07:30".into(),
        ),
        KdeType::Choice { options } => {
            let vi: Vec<String> = options
                .iter()
                .map(|o| format!("{} ({})", o.value, o.name.vi))
                .collect();
            let en: Vec<String> = options
                .iter()
                .map(|o| format!("{} ({})", o.value, o.name.en))
                .collect();
            (
                format!("một trong: {}", vi.join(", ")),
                format!("one of {}", en.join(", ")),
                options.first().map(|o| o.value.clone()).unwrap_or_default(),
            )
        }
        KdeType::Lot { kinds, multiple } => {
            let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            let (more_vi, more_en) = several(*multiple);
            (
                format!(
                    "mã GS1 của lô ({}), dạng (01)…(10)… hoặc đường dẫn GS1 Digital Link{more_vi}",
                    kinds.join(", ")
                ),
                format!(
                    "the lot's GS1 identifier ({}), as (01)…(10)… or a GS1 Digital Link{more_en}",
                    kinds.join(", ")
                ),
                "(01)08935000000014(10)LO-01".into(),
            )
        }
        KdeType::Facility if is_own_place(kde) => {
            let kinds: Vec<&str> = stage.facilities().iter().map(|k| k.as_str()).collect();
            (
                format!("mã GLN của một cơ sở của tổ chức ({})", kinds.join(", ")),
                format!(
                    "the GLN of one of the organisation's facilities ({})",
                    kinds.join(", ")
                ),
                "8935000000076".into(),
            )
        }
        KdeType::Facility | KdeType::Party => (
            "mã GLN 13 chữ số".into(),
            "a 13-digit GLN".into(),
            "8935000000007".into(),
        ),
        KdeType::Photo => (
            "địa chỉ web của ảnh (https://…)".into(),
            "the web address of a photo (https://…)".into(),
            "https://example.vn/anh.jpg".into(),
        ),
        KdeType::Geo => (
            "vĩ độ, kinh độ (9.2851, 105.7244)".into(),
            "latitude, longitude (9.2851, 105.7244)".into(),
            "9.2851, 105.7244".into(),
        ),
        KdeType::Certificate => (
            "số hoặc địa chỉ web của giấy chứng nhận".into(),
            "the certificate's number or web address".into(),
            "VietGAP-TS-11-12-0042".into(),
        ),
    }
}

pub(super) fn columns(stage: &Stage) -> Vec<Column> {
    let mut columns = vec![Column {
        field: EVENT_TIME.into(),
        vi: "Thời điểm".into(),
        en: "Event time".into(),
        required: false,
        rule_vi: "ngày giờ xảy ra theo giờ Việt Nam: 2026-05-04T07:30 hoặc 04/05/2026 07:30; bỏ trống là lúc nhập tệp".into(),
        rule_en: "when it happened, in Vietnam time: 2026-05-04T07:30 or 04/05/2026 07:30; blank means when the file is imported".into(),
        example: "2026-05-04T07:30".into(),
    }];
    columns.extend(stage.kdes().iter().map(|kde| {
        let (rule_vi, rule_en, example) = rule(stage, kde);
        Column {
            field: kde.key().to_owned(),
            vi: kde.name().vi.clone(),
            en: kde.name().en.clone(),
            required: kde.required(),
            rule_vi,
            rule_en,
            example,
        }
    }));
    columns
}

/// Why an organisation may not record the stage at all, as a problem of the file.
fn refusal(vi: &str, en: &str) -> ImportError {
    Problem {
        row: 0,
        column: String::new(),
        value: String::new(),
        vi: vi.into(),
        en: en.into(),
    }
    .into()
}

pub(super) async fn import(
    importer: Importer<'_>,
    chain: &'static ChainTemplate,
    stage: &'static Stage,
    rows: Vec<Row<'_>>,
    progress: &dyn Progress,
) -> Result<Imported, ImportError> {
    let organisation = importer.organisation.expect("checked by import()");
    if organisation.status != ApprovalStatus::Approved {
        return Err(refusal(
            "tổ chức chưa được tỉnh duyệt nên chưa ghi nhật ký được",
            "the organisation is not approved by the province yet, so it cannot record",
        ));
    }
    if !stage.organisations().contains(&organisation.kind) {
        return Err(refusal(
            "loại hình của tổ chức không ghi công đoạn này",
            "this kind of organisation does not record this stage",
        ));
    }
    let Some(owner) = own_gln(organisation) else {
        return Err(refusal(
            "tổ chức chưa có mã doanh nghiệp GS1",
            "the organisation has no GS1 company prefix",
        ));
    };
    let store = store(&importer);
    let places = own_places(store, organisation.id, stage).await?;
    let now = nguon_store::now_utc()
        .to_offset(VIETNAM)
        .replace_nanosecond(0)
        .expect("zero nanoseconds are valid");
    let mut problems = Vec::new();
    let mut ids = SeenKeys::new();
    let mut checked = Vec::with_capacity(rows.len());
    for row in &rows {
        progress.advance();
        let Some(event_time) = row.optional(&mut problems, EVENT_TIME, |text| {
            read_date_time(text, VIETNAM).ok_or("not a date and time")
        }) else {
            continue;
        };
        let mut form = BTreeMap::new();
        let mut usable = true;
        for kde in stage.kdes() {
            let value = row.text(kde.key());
            if matches!(kde.value(), KdeType::Facility)
                && is_own_place(kde)
                && !value.is_empty()
                && !gln_of(value).is_some_and(|gln| places.contains(&gln))
            {
                let column = &row.columns[row.index(kde.key())];
                problems.push(row.problem(
                    kde.key(),
                    column.rule_vi.clone(),
                    format!("{} (not one of them)", column.rule_en),
                ));
                usable = false;
            }
            form.insert(kde.key().to_owned(), value.to_owned());
        }
        let capture = Capture {
            owner: owner.clone(),
            event_time: event_time.unwrap_or(now),
        };
        let event = match chain.event(stage.id(), &form, &capture) {
            Ok(event) => event,
            Err(errors) => {
                for error in errors {
                    let field = if row.columns.iter().any(|c| c.field == error.key) {
                        error.key.as_str()
                    } else {
                        EVENT_TIME
                    };
                    let mut problem = row.problem(field, error.vi(), error.en());
                    if field != error.key {
                        // A problem of the event as a whole: no one column holds it.
                        problem.column = String::new();
                        problem.value = String::new();
                    }
                    problems.push(problem);
                }
                continue;
            }
        };
        if !usable {
            continue;
        }
        let new = match new_event(
            organisation.id,
            &event,
            None,
            &importer.state.epcis.prefix_lengths,
        ) {
            Ok(new) => new,
            Err(error) => {
                problems.push(Problem {
                    row: row.number(),
                    column: String::new(),
                    value: String::new(),
                    vi: format!("sự kiện không lập chỉ mục được: {}", error.message),
                    en: format!("the event cannot be indexed: {}", error.message),
                });
                continue;
            }
        };
        let id = new.event_id.as_str().to_owned();
        if let Some(mut problem) = ids.check(row, EVENT_TIME, &id) {
            problem.column = String::new();
            problem.value = String::new();
            problem.vi = format!("sự kiện {}", problem.vi);
            problem.en = format!("the event {}", problem.en);
            problems.push(problem);
        } else {
            match store.event(organisation.id, &new.event_id).await {
                Ok(_) => problems.push(Problem {
                    row: row.number(),
                    column: String::new(),
                    value: String::new(),
                    vi: "sự kiện này đã được ghi trước đây".into(),
                    en: "this event was already recorded".into(),
                }),
                Err(StoreError::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        checked.push(new);
    }
    refuse_if_any(problems)?;
    progress.start(Phase::Writing, 1);
    match append_and_notify(importer.state, organisation.id, &checked).await {
        Ok(()) => {}
        Err(StoreEventError::Store(error)) => return Err(error.into()),
        Err(StoreEventError::Duplicate(detail)) => {
            return Err(refusal(
                &format!("một sự kiện đã được ghi trong lúc nhập: {detail}"),
                &format!("an event was recorded meanwhile: {detail}"),
            ));
        }
        Err(StoreEventError::Invalid(error)) => {
            return Err(StoreError::Internal(error.message).into());
        }
    }
    progress.advance();
    let records = checked
        .iter()
        .map(|e| {
            (
                e.event_id.as_str().to_owned(),
                format!("/epcis/events/{}", percent_encode(e.event_id.as_str())),
            )
        })
        .collect::<Vec<_>>();
    Ok(Imported {
        count: records.len(),
        records,
    })
}

/// The GLN a facility cell names, in any GS1 form (bare, `(414)…`, a Digital Link).
fn gln_of(text: &str) -> Option<String> {
    let identified = nguon_gs1::identify(text, Some(KeyKind::Gln)).ok()?;
    let key = identified.link.key();
    (key.kind() == KeyKind::Gln).then(|| key.as_str().to_owned())
}

/// The GLNs of the organisation's facilities where the stage may happen.
async fn own_places(
    store: &dyn Store,
    organisation: OrganisationId,
    stage: &Stage,
) -> Result<HashSet<String>, StoreError> {
    Ok(
        super::registry::all_records::<FacilityDetails>(store, Some(organisation))
            .await?
            .into_iter()
            .filter(|f| f.status != ApprovalStatus::Suspended)
            .filter(|f| {
                stage
                    .facilities()
                    .iter()
                    .any(|kind| kind.as_str() == f.details.kind.as_str())
            })
            .map(|f| f.details.gln.as_str().to_owned())
            .collect(),
    )
}

/// The events of the stage that `scope` owns (every organisation's when `None`), oldest first,
/// as rows of the stage's columns: what imports back as the same events.
pub(super) async fn rows(
    store: &dyn Store,
    stage: &Stage,
    scope: Option<OrganisationId>,
) -> Result<Vec<Vec<String>>, StoreError> {
    let mut query = EventQuery::new(scope);
    query.biz_steps = Some(vec![stage.event().biz_step().to_owned()]);
    query.limit = MAX_PAGE;
    let mut rows = Vec::new();
    loop {
        let page = store.query_events(&query).await?;
        for stored in &page.events {
            let event = json_ld::read_event(&stored.document).map_err(|error| {
                StoreError::Internal(format!(
                    "stored event {} is unreadable: {error:?}",
                    stored.event_id.as_str()
                ))
            })?;
            if !stage.records(&event) {
                continue;
            }
            let mut values = stage.form_values(&event);
            let mut row = vec![nguon_epcis::model::format_timestamp(
                event.event_time.to_offset(VIETNAM),
            )];
            row.extend(
                stage
                    .kdes()
                    .iter()
                    .map(|kde| values.remove(kde.key()).unwrap_or_default()),
            );
            rows.push(row);
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => return Ok(rows),
        }
    }
}

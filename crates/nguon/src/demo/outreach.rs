//! The demo's Plan 140 outreach: guidance documents written from the chain templates (a PDF per
//! chain listing each stage, its EPCIS event and the data it must carry; the shrimp guide twice,
//! so the library shows a second version) and three training sessions attended by the roster's
//! organisations, so the dashboard's "reached" indicator has something to count.

use anyhow::Context;
use nguon_chains::{Catalogue, ChainTemplate};
use nguon_domain::{
    Actor, DocumentFile, NewGuidance, NewTraining, OrganisationId, Participant, ProductGroupCode,
    RecordName,
};
use nguon_report::{Cell, Column, Format, Table};
use nguon_store::{OrganisationQuery, Store};

/// The chains the demo library has a guide for, the first one in two versions.
const GUIDED: [&str; 3] = ["farmed-shrimp", "rice", "salt"];

/// What the demo adds.
pub struct Outreach {
    /// Guidance versions uploaded.
    pub documents: usize,
    /// Training sessions recorded.
    pub sessions: usize,
}

/// Uploads the guides and records the sessions.
pub async fn record(store: &dyn Store, catalogue: &Catalogue) -> anyhow::Result<Outreach> {
    let mut documents = 0;
    for (index, id) in GUIDED.iter().enumerate() {
        let template = catalogue
            .get(id)
            .with_context(|| format!("the demo guide's chain {id}"))?;
        let versions = if index == 0 { 2 } else { 1 };
        for version in 1..=versions {
            store
                .add_guidance(&guide(template, version)?, Actor::Cli)
                .await
                .with_context(|| format!("demo guide for {id}"))?;
            documents += 1;
        }
    }
    let organisations = store
        .list_organisations(&OrganisationQuery {
            limit: OrganisationQuery::MAX_LIMIT,
            ..OrganisationQuery::default()
        })
        .await?
        .organisations;
    let ids: Vec<OrganisationId> = organisations.iter().map(|o| o.id).collect();
    let sessions = sessions(&ids)?;
    for session in &sessions {
        store
            .create_training(session, Actor::Cli)
            .await
            .context("demo training session")?;
    }
    Ok(Outreach {
        documents,
        sessions: sessions.len(),
    })
}

/// The guide of one chain as a PDF: a row per stage with its event and required data.
fn guide(template: &ChainTemplate, version: u32) -> anyhow::Result<NewGuidance> {
    let title = format!("Hướng dẫn truy xuất nguồn gốc: {}", template.name().vi);
    let mut table = Table::new(
        title.clone(),
        vec![
            Column::number("Bước"),
            Column::text("Công đoạn"),
            Column::text("Sự kiện EPCIS"),
            Column::text("Thông tin bắt buộc"),
        ],
    );
    table.note(format!(
        "Phiên bản {version}. Tiêu chuẩn áp dụng: {}.",
        template.standards().join(", ")
    ));
    if version > 1 {
        table.note("Bổ sung: ghi rõ mã lô ở mọi công đoạn có giao nhận hàng.");
    }
    for (n, stage) in template.stages().iter().enumerate() {
        let required: Vec<&str> = stage
            .kdes()
            .iter()
            .filter(|kde| kde.required())
            .map(|kde| kde.name().vi.as_str())
            .collect();
        table.push_row(vec![
            Cell::Number((n + 1) as f64),
            Cell::Text(stage.name().vi.clone()),
            Cell::Text(format!(
                "{} {}",
                stage.event().kind().as_str(),
                stage.event().biz_step()
            )),
            Cell::Text(required.join("; ")),
        ])?;
    }
    let bytes = Format::Pdf.write(&table)?;
    Ok(NewGuidance {
        title: RecordName::parse("title", &title)?,
        product_group: template
            .product_groups()
            .first()
            .map(|code| ProductGroupCode::parse(code))
            .transpose()?,
        file_name: RecordName::parse(
            "file name",
            &format!("huong-dan-{}-v{version}.pdf", template.id()),
        )?,
        file: DocumentFile::parse(bytes)?,
    })
}

/// Three sessions over the organisations (in registration order): every third one at the first,
/// every fourth at the second, the first ten at the third.
fn sessions(ids: &[OrganisationId]) -> anyhow::Result<Vec<NewTraining>> {
    let name = |text: &str| RecordName::parse("name", text);
    let attending = |pick: &dyn Fn(usize) -> bool, people: u32| {
        ids.iter()
            .enumerate()
            .filter(|(n, _)| pick(*n))
            .map(|(n, id)| Participant::new(*id, people + (n % 3) as u32))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(vec![
        NewTraining::new(
            name("Tập huấn truy xuất nguồn gốc tôm theo EPCIS 2.0")?,
            time::macros::date!(2026 - 03 - 12),
            name("Hội trường Sở Khoa học và Công nghệ, phường Bạc Liêu")?,
            Some(ProductGroupCode::parse("shrimp")?),
            attending(&|n| n % 3 == 0, 2)?,
        )?,
        NewTraining::new(
            name("Mã số mã vạch GS1 cho hợp tác xã và hộ sản xuất")?,
            time::macros::date!(2026 - 05 - 20),
            name("UBND xã Vĩnh Hậu")?,
            None,
            attending(&|n| n % 4 == 1, 1)?,
        )?,
        NewTraining::new(
            name("Nhật ký điện tử trên điện thoại cho chuỗi lúa gạo")?,
            time::macros::date!(2026 - 09 - 08),
            name("HTX Nông nghiệp Phước Long")?,
            Some(ProductGroupCode::parse("rice")?),
            attending(&|n| n < 10, 1)?,
        )?,
    ])
}

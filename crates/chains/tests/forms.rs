//! Every stage of every embedded template, filled the way a diary form would be, gives an event
//! that passes EPCIS validation; leaving out a required KDE names it.

use std::collections::BTreeMap;

use nguon_chains::{
    Capture, Catalogue, ChainTemplate, FieldRule, Kde, KdeType, LotKind, NGUON_NS, Stage, TREATING,
    Target,
};
use nguon_epcis::json_ld::{WriteOptions, read_event, write_event};
use nguon_epcis::model::{EpcFormat, EventBody, ExtensionValue};
use nguon_gs1::{Gln, PrefixLengths, mod10_check_digit};
use time::macros::datetime;

/// A GS1 key with its check digit appended.
fn key(body: &str) -> String {
    format!("{body}{}", mod10_check_digit(body).expect("digits"))
}

fn gln(n: u32) -> String {
    key(&format!("893500000{n:03}"))
}

/// One plausible identifier of a kind, different for each `n`, in the notation a scanner or a
/// person would give it (element string, Digital Link or EPC URN).
fn identifier(kind: LotKind, n: u32) -> String {
    let gtin = key(&format!("0893500000{:03}", 100 + n));
    match kind {
        LotKind::Lgtin => format!("(01){gtin}(10)L2026-{n:02}"),
        LotKind::Sgtin => format!("https://id.gs1.org/01/{gtin}/21/S{n}"),
        LotKind::Sscc => format!("(00){}", key(&format!("08935000{n:09}"))),
    }
}

/// How many lots a multiple lot KDE is filled with.
const MANY: usize = 2;

fn plausible(stage: &Stage, kde: &Kde, n: u32) -> String {
    match kde.value() {
        KdeType::Text {
            pattern: Some(pattern),
            ..
        } => pattern.example().to_owned(),
        KdeType::Text {
            min_length,
            max_length,
            pattern: None,
        } => {
            let length = 8.clamp(min_length.unwrap_or(1), max_length.unwrap_or(64));
            "MSKU1234565XYZABCDEFGH"
                .chars()
                .cycle()
                .take(length)
                .collect()
        }
        KdeType::Number { min, max, integer } => {
            let (min, max) = (min.unwrap_or(0.0), max.unwrap_or(100.0));
            let middle = (min + max) / 2.0;
            if *integer {
                middle.round().to_string()
            } else {
                middle.to_string()
            }
        }
        KdeType::Quantity { units, .. } => {
            let lines = match &kde.target() {
                Target::LotQuantity(lot) => match stage.kde(lot).map(|k| k.value()) {
                    Some(KdeType::Lot { multiple: true, .. }) => MANY,
                    _ => 1,
                },
                _ => 1,
            };
            vec![format!("125,5 {}", units[0].code.to_lowercase()); lines].join("\n")
        }
        KdeType::Date => "04/05/2026".into(),
        KdeType::DateTime => "2026-05-04T07:30".into(),
        KdeType::Choice { options } => options[options.len() - 1].value.clone(),
        KdeType::Lot { kinds, multiple } => {
            let count = if *multiple { MANY } else { 1 };
            (0..count)
                .map(|i| identifier(kinds[i % kinds.len()], n * 10 + i as u32))
                .collect::<Vec<_>>()
                .join("\n")
        }
        KdeType::Facility => format!("(414){}", gln(n)),
        KdeType::Party => gln(500 + n),
        KdeType::Photo => "https://nguon.example.vn/anh/ao-1.jpg".into(),
        KdeType::Geo => "9.2941, 105.7278".into(),
        KdeType::Certificate if *kde.target() == Target::CertificationInfo => {
            "https://nguon.example.vn/chung-nhan/vietgap-123".into()
        }
        KdeType::Certificate => "123/2026/KD-TS".into(),
    }
}

fn capture() -> Capture {
    Capture {
        owner: Gln::parse(&gln(900)).expect("a valid GLN"),
        event_time: datetime!(2026-05-04 08:15 +07:00),
    }
}

fn form(stage: &Stage, only_required: bool) -> BTreeMap<String, String> {
    stage
        .kdes()
        .iter()
        .enumerate()
        .filter(|(_, k)| k.required() || !only_required)
        .map(|(i, k)| (k.key().to_owned(), plausible(stage, k, i as u32)))
        .collect()
}

fn catalogue() -> Catalogue {
    Catalogue::embedded().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_stage_filled_completely_or_minimally_makes_a_valid_event() {
    let catalogue = catalogue();
    let mut stages = 0;
    for template in catalogue.iter() {
        for stage in template.stages() {
            for only_required in [false, true] {
                let values = form(stage, only_required);
                let event = template
                    .event(stage.id(), &values, &capture())
                    .unwrap_or_else(|errors| {
                        panic!(
                            "{}/{} ({}): {}",
                            template.id(),
                            stage.id(),
                            if only_required {
                                "required only"
                            } else {
                                "all"
                            },
                            errors
                                .iter()
                                .map(|e| e.to_string())
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    });
                assert_eq!(event.body.type_name(), stage.event().kind().as_str());
                assert_eq!(event.biz_step.as_deref(), Some(stage.event().biz_step()));
            }
            stages += 1;
        }
    }
    assert!(stages >= 40, "only {stages} stages in the pilot chains");
}

#[test]
fn leaving_out_a_required_kde_names_it() {
    let catalogue = catalogue();
    for template in catalogue.iter() {
        for stage in template.stages() {
            for kde in stage.kdes().iter().filter(|k| k.required()) {
                let mut values = form(stage, false);
                values.remove(kde.key());
                let errors = template
                    .event(stage.id(), &values, &capture())
                    .expect_err(&format!(
                        "{}/{} without {}",
                        template.id(),
                        stage.id(),
                        kde.key()
                    ));
                assert!(
                    errors.iter().any(|e| e.key == kde.key()
                        && matches!(e.rule, FieldRule::Required | FieldRule::NoWithdrawalDays(_))),
                    "{}/{} without {}: {errors:?}",
                    template.id(),
                    stage.id(),
                    kde.key()
                );
            }
        }
    }
}

fn shrimp() -> ChainTemplate {
    catalogue().get("farmed-shrimp").expect("embedded").clone()
}

fn treatment_form(days: Option<&str>, substance: &str) -> BTreeMap<String, String> {
    let mut values = BTreeMap::from([
        ("pond".to_owned(), format!("(414){}", gln(7))),
        ("stock_lot".to_owned(), identifier(LotKind::Lgtin, 1)),
        ("substance".to_owned(), substance.to_owned()),
        ("substance_kind".to_owned(), "veterinary_drug".to_owned()),
        ("dose".to_owned(), "2 g/kg thức ăn".to_owned()),
    ]);
    if let Some(days) = days {
        values.insert("withdrawal_days".into(), days.into());
    }
    values
}

#[test]
fn a_treatment_carries_withdrawal_days_where_trace_reads_them() {
    let event = shrimp()
        .event(
            "treatment",
            &treatment_form(Some("21"), "Oxytetracycline"),
            &capture(),
        )
        .expect("a valid treatment");
    // Through JSON-LD and back, as a repository stores it and trace reads it.
    let lengths = PrefixLengths::builtin();
    let options = WriteOptions {
        epc_format: EpcFormat::NeverTranslates,
        prefix_lengths: &lengths,
    };
    let json = write_event(&event, &options);
    assert_eq!(
        json["nguon:withdrawalDays"],
        serde_json::json!(21),
        "{json}"
    );
    let read = read_event(&json.to_string()).expect("reads back");
    assert_eq!(read.biz_step.as_deref(), Some(TREATING));
    let field = |local: &str| {
        read.extensions
            .iter()
            .find(|e| e.name.namespace == NGUON_NS && e.name.local == local)
            .map(|e| e.value.clone())
    };
    assert_eq!(
        field("withdrawalDays"),
        Some(ExtensionValue::Number("21".into()))
    );
    assert_eq!(
        field("substance"),
        Some(ExtensionValue::Text("Oxytetracycline".into()))
    );
    assert_eq!(
        field("substanceKind"),
        Some(ExtensionValue::Text("veterinary_drug".into()))
    );
    assert_eq!(
        read.biz_location.map(|l| l.id),
        Some(format!("https://id.gs1.org/414/{}", gln(7)))
    );
    let EventBody::Object { quantity_list, .. } = read.body else {
        panic!("a treatment is an ObjectEvent");
    };
    assert_eq!(quantity_list.len(), 1);
    assert!(
        quantity_list[0]
            .epc_class
            .starts_with("https://id.gs1.org/01/")
    );
}

#[test]
fn withdrawal_days_default_by_substance_and_are_required_otherwise() {
    let template = shrimp();
    let event = template
        .event("treatment", &treatment_form(None, "zeolite"), &capture())
        .expect("zeolite has a default");
    let days = event
        .extensions
        .iter()
        .find(|e| e.name.local == "withdrawalDays")
        .map(|e| e.value.clone());
    assert_eq!(days, Some(ExtensionValue::Number("0".into())));

    let errors = template
        .event(
            "treatment",
            &treatment_form(None, "Oxytetracycline"),
            &capture(),
        )
        .expect_err("a drug has no default");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].key, "withdrawal_days");
    assert!(errors[0].vi().contains("Oxytetracycline"));
    assert!(errors[0].en().contains("no default withdrawal period"));

    let errors = template
        .event(
            "treatment",
            &treatment_form(Some("2.5"), "Oxytetracycline"),
            &capture(),
        )
        .expect_err("days are whole");
    assert_eq!(errors[0].rule, FieldRule::NotWhole);
}

#[test]
fn every_field_error_is_reported_at_once_in_both_languages() {
    let mut values = treatment_form(Some("400"), "x");
    values.insert("pond".into(), "8935000000077".into());
    values.insert("stock_lot".into(), identifier(LotKind::Sscc, 1));
    values.insert("substance_kind".into(), "magic".into());
    let errors = shrimp()
        .event("treatment", &values, &capture())
        .expect_err("four fields are wrong");
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "pond",
            "stock_lot",
            "substance",
            "substance_kind",
            "withdrawal_days"
        ],
        "{errors:?}"
    );
    for error in &errors {
        assert!(!error.vi().is_empty() && !error.en().is_empty());
        assert_ne!(error.vi(), error.en());
    }
    assert!(matches!(errors[1].rule, FieldRule::WrongIdentifierKind(ref k, _) if k == "sscc"));
    assert_eq!(errors[2].rule, FieldRule::TooShort(2));
    assert_eq!(errors[4].rule, FieldRule::AboveMaximum("365".into()));
}

#[test]
fn lots_in_any_gs1_notation_are_stored_as_digital_links_with_unit_aware_amounts() {
    let template = shrimp();
    let gtin = key("0893500000001");
    let mut values = form(template.stage("commingling").expect("stage"), false);
    values.insert(
        "input_lots".into(),
        format!(
            "(01){gtin}(10)A1\nhttps://example.com/01/{gtin}/10/A2\nurn:epc:class:lgtin:8935000.000001.A3"
        ),
    );
    values.insert("input_weights".into(), "100 KGM\n250,5 kgm\n99.5".into());
    let event = template
        .event("commingling", &values, &capture())
        .expect("three lots, three weights");
    let EventBody::Transformation {
        input_quantity_list,
        ..
    } = &event.body
    else {
        panic!("commingling is a transformation");
    };
    let classes: Vec<&str> = input_quantity_list
        .iter()
        .map(|q| q.epc_class.as_str())
        .collect();
    assert_eq!(
        classes,
        [
            format!("https://id.gs1.org/01/{gtin}/10/A1"),
            format!("https://id.gs1.org/01/{gtin}/10/A2"),
            format!("https://id.gs1.org/01/{gtin}/10/A3"),
        ]
    );
    let amounts: Vec<(Option<&str>, Option<&str>)> = input_quantity_list
        .iter()
        .map(|q| (q.quantity.as_deref(), q.uom.as_deref()))
        .collect();
    assert_eq!(
        amounts,
        [
            (Some("100"), Some("KGM")),
            (Some("250.5"), Some("KGM")),
            (Some("99.5"), Some("KGM"))
        ]
    );

    values.insert("input_weights".into(), "100 LTR\n1\n2".into());
    let errors = template
        .event("commingling", &values, &capture())
        .expect_err("litres");
    assert!(
        matches!(&errors[0].rule, FieldRule::UnitNotAllowed(u, allowed) if u == "LTR" && allowed == &["KGM"])
    );

    values.insert("input_weights".into(), "100\n200".into());
    let errors = template
        .event("commingling", &values, &capture())
        .expect_err("two for three");
    assert_eq!(errors[0].key, "input_weights");
    assert_eq!(errors[0].rule, FieldRule::AmountCount(2, 3));
}

#[test]
fn shipping_names_the_owner_as_source_and_document_numbers_as_cbv_transaction_ids() {
    let template = shrimp();
    let stage = template.stage("export_shipping").expect("stage");
    let mut values = form(stage, true);
    values.insert("bill_of_lading".into(), "MAEU 2604/17".into());
    let event = template
        .event("export_shipping", &values, &capture())
        .expect("valid");
    assert_eq!(event.source_list.len(), 1);
    assert_eq!(
        event.source_list[0].value,
        format!("https://id.gs1.org/417/{}", gln(900))
    );
    assert!(
        event.biz_transaction_list.iter().any(|t| t.value
            == format!("urn:epcglobal:cbv:bt:{}:MAEU%202604%2F17", gln(900))
            && t.kind.as_deref() == Some("https://ref.gs1.org/cbv/BTT-bol")),
        "{:?}",
        event.biz_transaction_list
    );
}

#[test]
fn a_text_that_breaks_its_pattern_is_refused_with_the_example() {
    let template = shrimp();
    let stage = template.stage("export_shipping").expect("stage");
    for container in ["MSKU123456", "mscu1234565", "MSCX1234565"] {
        let mut values = form(stage, true);
        values.insert("container".into(), container.into());
        let errors = template
            .event("export_shipping", &values, &capture())
            .expect_err(container);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].key, "container");
        assert_eq!(errors[0].rule, FieldRule::NotLike("MSKU1234565".into()));
        assert!(errors[0].vi().contains("MSKU1234565"));
    }
}

#[test]
fn a_date_kde_sets_the_event_time_in_the_recorders_offset() {
    let template = catalogue().get("mam").expect("embedded").clone();
    let stage = template
        .stages()
        .iter()
        .find(|s| s.kdes().iter().any(|k| *k.target() == Target::EventTime))
        .expect("fermentation starts on a date");
    let mut values = form(stage, true);
    let key = stage
        .kdes()
        .iter()
        .find(|k| *k.target() == Target::EventTime)
        .expect("kde")
        .key();
    values.insert(key.to_owned(), "2026-01-15".into());
    let event = template
        .event(stage.id(), &values, &capture())
        .expect("valid");
    assert_eq!(event.event_time, datetime!(2026-01-15 00:00 +07:00));
    assert_eq!(event.event_time_zone_offset, "+07:00");
}

#[test]
fn an_unknown_stage_is_a_field_error() {
    let errors = shrimp()
        .event("sunbathing", &BTreeMap::new(), &capture())
        .expect_err("no such stage");
    assert_eq!(errors[0].key, "stage");
    assert_eq!(errors[0].rule, FieldRule::UnknownStage("sunbathing".into()));
}

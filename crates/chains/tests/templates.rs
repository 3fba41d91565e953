//! Loading templates: the embedded pilot chains load, and every broken rule in a province's file
//! is reported with its file, stage and field, all of them at once.

use std::fs;

use nguon_chains::{
    Catalogue, CatalogueError, FARM_HARVEST, HARVESTING, Movement, TREATING, TemplateError,
};

/// A small valid chain a test breaks one rule at a time.
const VALID: &str = r#"
id = "test-chain"
version = 1
name = { vi = "Chuỗi thử", en = "Test chain" }
product_groups = ["test"]
standards = ["TCVN 13987:2024"]

[[stages]]
id = "spraying"
name = { vi = "Phun thuốc", en = "Spraying" }
organisations = ["household"]
facilities = ["field"]
event = { type = "ObjectEvent", action = "OBSERVE", biz_step = "https://nguon.example.vn/epcis/treating" }

[[stages.kdes]]
key = "plot"
name = { vi = "Lô đất", en = "Plot" }
type = "facility"
required = true
target = { to = "biz_location" }

[[stages.kdes]]
key = "crop"
name = { vi = "Lô cây trồng", en = "Planting lot" }
type = "lot"
kinds = ["lgtin"]
required = true
target = { to = "quantity_list" }

[[stages.kdes]]
key = "substance"
name = { vi = "Hoạt chất", en = "Active ingredient" }
type = "text"
required = true
target = { to = "extension", field = "nguon:substance" }

[[stages.kdes]]
key = "days"
name = { vi = "Thời gian cách ly", en = "Pre-harvest interval" }
type = "number"
integer = true
required = true
target = { to = "extension", field = "nguon:withdrawalDays" }

[[stages]]
id = "harvest"
name = { vi = "Thu hoạch", en = "Harvest" }
organisations = ["household"]
facilities = ["field"]
event = { type = "TransformationEvent", biz_step = "https://nguon.example.vn/epcis/harvesting" }

[[stages.kdes]]
key = "plot"
name = { vi = "Lô đất", en = "Plot" }
type = "facility"
required = true
target = { to = "biz_location" }

[[stages.kdes]]
key = "crop"
name = { vi = "Lô cây trồng", en = "Planting lot" }
type = "lot"
kinds = ["lgtin"]
required = true
target = { to = "input_quantity_list" }

[[stages.kdes]]
key = "harvest_lot"
name = { vi = "Lô thu hoạch", en = "Harvested lot" }
type = "lot"
kinds = ["lgtin"]
required = true
target = { to = "output_quantity_list" }

[[stages.kdes]]
key = "weight"
name = { vi = "Khối lượng", en = "Weight" }
type = "quantity"
units = ["KGM"]
required = true
target = { to = "lot_quantity", lot = "harvest_lot" }

[[rules]]
kind = "withdrawal"
treatment = "spraying"
harvest = "harvest"
substance = "substance"
days = "days"
"#;

/// Loads `text` as the only file of a directory and returns its errors.
fn errors_of(text: &str) -> Vec<TemplateError> {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("broken.toml"), text).expect("write");
    match Catalogue::load(dir.path()) {
        Ok(_) => panic!("the broken template loaded"),
        Err(CatalogueError { errors }) => errors,
    }
}

/// `VALID` with `from` replaced by `to` (which must occur).
fn broken(from: &str, to: &str) -> String {
    assert!(
        VALID.contains(from),
        "{from:?} is not in the valid template"
    );
    VALID.replacen(from, to, 1)
}

/// Asserts exactly one error, with this stage, this field and a rule containing `rule`.
fn assert_one(errors: &[TemplateError], stage: Option<&str>, field: &str, rule: &str) {
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = &errors[0];
    assert!(error.file.ends_with("broken.toml"), "{error}");
    assert_eq!(error.stage.as_deref(), stage, "{error}");
    assert_eq!(error.field, field, "{error}");
    assert!(error.rule.contains(rule), "{error}");
    let shown = error.to_string();
    assert!(
        shown.contains("broken.toml") && shown.contains(field),
        "{shown}"
    );
}

#[test]
fn the_valid_test_template_loads_and_is_added_to_the_embedded_chains() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("test.toml"), VALID).expect("write");
    let catalogue = Catalogue::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let template = catalogue.get("test-chain").expect("loaded");
    assert_eq!(template.stages().len(), 2);
    assert_eq!(template.withdrawal_rules()[0].harvest(), "harvest");
    assert_eq!(template.tolerances().transformation_gain, 0.02);
    assert_eq!(template.tolerances().lot_overdraw, 0.01);
    assert!(catalogue.get("farmed-shrimp").is_some());
}

#[test]
fn every_embedded_chain_of_design_section_6_loads() {
    let catalogue = Catalogue::embedded().unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = catalogue.iter().map(|t| t.id()).collect();
    assert_eq!(
        ids,
        [
            "shrimp-seed",
            "farmed-shrimp",
            "rice",
            "salt",
            "kho",
            "mam",
            "vegetables",
            "ocop"
        ]
    );
    for template in catalogue.iter() {
        assert!(
            template.stages().len() >= 4,
            "{} has too few stages",
            template.id()
        );
        assert!(!template.standards().is_empty(), "{}", template.id());
        // One step back, one step forward: every chain receives or ships goods somewhere.
        assert!(
            template
                .stages()
                .iter()
                .any(|s| s.event().movement() == Movement::Ships),
            "{} never ships",
            template.id()
        );
        assert!(
            template.stages().iter().any(|s| s.makes_output_lots()),
            "{} never makes a lot",
            template.id()
        );
    }
    for id in ["farmed-shrimp", "rice", "vegetables"] {
        let template = catalogue.get(id).expect("embedded");
        let rule = template
            .withdrawal_rules()
            .first()
            .unwrap_or_else(|| panic!("{id} has no withdrawal rule"));
        assert_eq!(
            template
                .stage(rule.treatment())
                .expect("stage")
                .event()
                .biz_step(),
            TREATING
        );
        let harvest = template
            .stage(rule.harvest())
            .expect("stage")
            .event()
            .biz_step();
        assert!(
            harvest == FARM_HARVEST || harvest == HARVESTING,
            "{id}: {harvest}"
        );
    }
}

#[test]
fn stages_say_whether_they_consume_or_make_lots() {
    let catalogue = Catalogue::embedded().unwrap_or_else(|e| panic!("{e}"));
    let shrimp = catalogue.get("farmed-shrimp").expect("embedded");
    let flow = |id: &str| {
        let stage = shrimp.stage(id).expect("stage");
        (stage.takes_input_lots(), stage.makes_output_lots())
    };
    assert_eq!(flow("harvest"), (true, true));
    assert_eq!(flow("stocking"), (false, false));
    assert_eq!(flow("packing"), (false, false));
    let salt = catalogue.get("salt").expect("embedded");
    let harvest = salt.stage("harvest").expect("stage");
    assert_eq!(
        (harvest.takes_input_lots(), harvest.makes_output_lots()),
        (false, true),
        "an ObjectEvent ADD brings the raw salt lot into being"
    );
}

#[test]
fn a_file_with_an_embedded_id_replaces_it_and_two_files_with_one_id_clash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let salt = VALID.replacen("id = \"test-chain\"", "id = \"salt\"", 1);
    fs::write(dir.path().join("a.toml"), &salt).expect("write");
    let catalogue = Catalogue::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(catalogue.iter().filter(|t| t.id() == "salt").count(), 1);
    assert_eq!(catalogue.get("salt").expect("salt").name().en, "Test chain");

    fs::write(dir.path().join("b.toml"), &salt).expect("write");
    let errors = Catalogue::load(dir.path())
        .expect_err("two files claim salt")
        .errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].file.ends_with("b.toml"));
    assert_eq!(errors[0].field, "id");
    assert!(
        errors[0]
            .rule
            .contains("'salt' is the id of another template")
    );
}

#[test]
fn a_file_that_is_not_toml_names_the_file() {
    let errors = errors_of("id = \"x\"\nversion = ");
    assert_one(&errors, None, "line 2", "is not a valid template");
    let errors = errors_of(&broken(
        "required = true\ntarget = { to = \"biz_location\" }",
        "requird = true\ntarget = { to = \"biz_location\" }",
    ));
    assert_one(&errors, None, "line 19", "unknown field `requird`");
}

#[test]
fn an_unknown_unit_code_is_named() {
    let errors = errors_of(&broken("units = [\"KGM\"]", "units = [\"KGM\", \"KILO\"]"));
    assert_one(
        &errors,
        Some("harvest"),
        "kdes.weight.units",
        "'KILO' is not a known UN/ECE",
    );
}

#[test]
fn a_lot_amount_in_a_unit_that_cannot_be_balanced_is_refused() {
    let errors = errors_of(&broken("units = [\"KGM\"]", "units = [\"HAR\"]"));
    assert_one(
        &errors,
        Some("harvest"),
        "kdes.weight.units",
        "'HAR' cannot count a lot",
    );
}

#[test]
fn an_unknown_event_type_is_named() {
    let errors = errors_of(&broken(
        "type = \"TransformationEvent\"",
        "type = \"HarvestEvent\"",
    ));
    assert!(!errors.is_empty());
    assert_eq!(errors[0].stage.as_deref(), Some("harvest"));
    assert_eq!(errors[0].field, "event.type");
    assert!(
        errors[0]
            .rule
            .contains("'HarvestEvent' is not an EPCIS event type")
    );
}

#[test]
fn a_target_the_event_type_does_not_have_is_named() {
    let errors = errors_of(&broken(
        "to = \"input_quantity_list\"",
        "to = \"quantity_list\"",
    ));
    assert_one(
        &errors,
        Some("harvest"),
        "kdes.crop.target.to",
        "a TransformationEvent has no such field",
    );
}

#[test]
fn ilmd_in_an_observe_event_is_refused() {
    let errors = errors_of(&broken(
        "target = { to = \"extension\", field = \"nguon:substance\" }",
        "target = { to = \"ilmd\", field = \"nguon:substance\" }",
    ));
    assert!(
        errors
            .iter()
            .any(|e| e.field == "kdes.substance.target.to"
                && e.rule.contains("ilmd is only allowed")),
        "{errors:#?}"
    );
}

#[test]
fn a_target_a_kde_type_cannot_fill_is_named() {
    let errors = errors_of(&broken(
        "type = \"facility\"\nrequired = true\ntarget = { to = \"biz_location\" }",
        "type = \"facility\"\nrequired = true\ntarget = { to = \"sensor\", measurement = \"Temperature\" }",
    ));
    assert!(
        errors.iter().any(|e| e.stage.as_deref() == Some("spraying")
            && e.field == "kdes.plot.target.to"
            && e.rule.contains("not a place a facility KDE can go")),
        "{errors:#?}"
    );
}

#[test]
fn a_class_identifier_in_an_epc_list_is_refused() {
    let errors = errors_of(&broken("to = \"quantity_list\"", "to = \"epc_list\""));
    assert_one(
        &errors,
        Some("spraying"),
        "kdes.crop.target.to",
        "classes go into a quantity list",
    );
}

#[test]
fn duplicate_stage_ids_and_kde_keys_are_named() {
    let errors = errors_of(&broken("id = \"harvest\"", "id = \"spraying\""));
    assert!(
        errors.iter().any(|e| e.stage.as_deref() == Some("spraying")
            && e.field == "id"
            && e.rule.contains("used by another stage")),
        "{errors:#?}"
    );
    let errors = errors_of(&broken("key = \"days\"", "key = \"substance\""));
    assert!(
        errors
            .iter()
            .any(|e| e.field == "kdes.substance" && e.rule.contains("used by another KDE")),
        "{errors:#?}"
    );
}

#[test]
fn a_rule_naming_an_unknown_stage_is_named() {
    let errors = errors_of(&broken("harvest = \"harvest\"", "harvest = \"reaping\""));
    assert_one(
        &errors,
        None,
        "rules[0].harvest",
        "'reaping' is not a stage",
    );
}

#[test]
fn a_withdrawal_rule_needs_whole_days_where_trace_reads_them() {
    let errors = errors_of(&broken(
        "type = \"number\"\ninteger = true",
        "type = \"number\"",
    ));
    assert_one(
        &errors,
        Some("spraying"),
        "kdes.days.type",
        "integer = true",
    );
    let errors = errors_of(&broken("nguon:withdrawalDays", "nguon:phi"));
    assert_one(
        &errors,
        Some("spraying"),
        "kdes.days.target",
        "nguon:withdrawalDays",
    );
    let errors = errors_of(&broken(
        "biz_step = \"https://nguon.example.vn/epcis/harvesting\"",
        "biz_step = \"commissioning\"",
    ));
    assert_one(
        &errors,
        Some("harvest"),
        "event.biz_step",
        "must be urn:gdst:bizStep:farmHarvest",
    );
}

#[test]
fn a_choice_without_options_is_named() {
    let errors = errors_of(&broken(
        "type = \"text\"\nrequired = true",
        "type = \"choice\"\nrequired = true",
    ));
    assert_one(
        &errors,
        Some("spraying"),
        "kdes.substance.options",
        "at least one option",
    );
}

#[test]
fn a_missing_vietnamese_or_english_name_is_named() {
    let errors = errors_of(&broken(
        "name = { vi = \"Lô đất\", en = \"Plot\" }",
        "name = { en = \"Plot\" }",
    ));
    assert_one(
        &errors,
        Some("spraying"),
        "kdes.plot.name.vi",
        "every name needs Vietnamese and English",
    );
    let errors = errors_of(&broken(
        "name = { vi = \"Chuỗi thử\", en = \"Test chain\" }",
        "name = { vi = \"Chuỗi thử\", en = \" \" }",
    ));
    assert_one(&errors, None, "name.en", "is missing");
}

#[test]
fn a_receiving_stage_must_record_where_goods_came_from() {
    let errors = errors_of(&broken(
        "biz_step = \"https://nguon.example.vn/epcis/harvesting\"",
        "biz_step = \"https://nguon.example.vn/epcis/harvesting\", movement = \"receive\"",
    ));
    assert_one(&errors, Some("harvest"), "kdes", "target source");
}

#[test]
fn an_undeclared_extension_prefix_and_a_bad_tolerance_are_named() {
    let errors = errors_of(&broken("nguon:substance", "acme:substance"));
    assert!(
        errors.iter().any(|e| e.field == "kdes.substance.target.to"
            && e.rule.contains("prefix 'acme' is not declared")),
        "{errors:#?}"
    );
    let errors = errors_of(&broken(
        "standards = [",
        "tolerances = { transformation_gain = 2.0 }\nstandards = [",
    ));
    assert_one(
        &errors,
        None,
        "tolerances.transformation_gain",
        "between 0 and 1",
    );
}

#[test]
fn every_broken_rule_is_reported_not_just_the_first() {
    let text = broken("units = [\"KGM\"]", "units = [\"KILO\"]")
        .replacen(
            "name = { vi = \"Lô đất\", en = \"Plot\" }",
            "name = { vi = \"Lô đất\" }",
            1,
        )
        .replacen(
            "type = \"TransformationEvent\"",
            "type = \"Transformation\"",
            1,
        )
        .replacen(
            "organisations = [\"household\"]",
            "organisations = [\"farmer\"]",
            1,
        );
    let errors = errors_of(&text);
    let fields: Vec<(Option<&str>, &str)> = errors
        .iter()
        .map(|e| (e.stage.as_deref(), e.field.as_str()))
        .collect();
    for wanted in [
        (Some("spraying"), "organisations"),
        (Some("spraying"), "kdes.plot.name.en"),
        (Some("harvest"), "event.type"),
        (Some("harvest"), "kdes.weight.units"),
    ] {
        assert!(
            fields.contains(&wanted),
            "{wanted:?} missing from {errors:#?}"
        );
    }
}

#[test]
fn a_pattern_must_compile_and_come_with_an_example_that_matches_it() {
    let text_kde = "type = \"text\"\nrequired = true";
    let errors = errors_of(&broken(
        text_kde,
        "type = \"text\"\npattern = \"[A-Z\"\nexample = \"A\"\nrequired = true",
    ));
    assert_one(
        &errors,
        Some("spraying"),
        "kdes.substance.pattern",
        "not a valid regular expression",
    );
    let errors = errors_of(&broken(
        text_kde,
        "type = \"text\"\npattern = \"[A-Z]{2}\"\nrequired = true",
    ));
    assert_one(
        &errors,
        Some("spraying"),
        "kdes.substance.example",
        "is required with a pattern",
    );
    let errors = errors_of(&broken(
        text_kde,
        "type = \"text\"\npattern = \"[A-Z]{2}\"\nexample = \"USA\"\nrequired = true",
    ));
    assert_one(
        &errors,
        Some("spraying"),
        "kdes.substance.example",
        "'USA' does not match",
    );
    let errors = errors_of(&broken(
        "type = \"facility\"\nrequired = true",
        "type = \"facility\"\npattern = \"x\"\nrequired = true",
    ));
    assert!(
        errors.iter().any(|e| e.field == "kdes.plot.pattern"
            && e.rule.contains("does not apply to a KDE of type facility")),
        "{errors:#?}"
    );
}

//! Reading a template file: TOML into loose `Raw*` structures, then every rule checked at once so
//! a province editing a file sees all its mistakes in one go, each naming the file, the stage and
//! the field.

use std::collections::{BTreeMap, HashSet};

use nguon_epcis::model::{Action, QName};
use nguon_epcis::vocab::Vocabulary;
use serde::Deserialize;

use crate::error::TemplateError;
use crate::template::{
    CBVMDA_NS, ChainTemplate, ChoiceOption, EventKind, EventShape, FARM_HARVEST, FacilityKind,
    GDST_NS, HARVESTING, Kde, KdeType, ListKind, LotKind, Movement, NGUON_NS, Names,
    OrganisationKind, Pattern, Stage, TREATING, Target, Tolerances, WithdrawalRule, cbv_uri,
};
use nguon_domain::units::Unit;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    id: String,
    version: u32,
    name: Option<RawNames>,
    #[serde(default)]
    product_groups: Vec<String>,
    #[serde(default)]
    standards: Vec<String>,
    tolerances: Option<RawTolerances>,
    #[serde(default)]
    namespaces: BTreeMap<String, String>,
    #[serde(default)]
    stages: Vec<RawStage>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawNames {
    vi: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTolerances {
    transformation_gain: Option<f64>,
    lot_overdraw: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    id: String,
    name: Option<RawNames>,
    #[serde(default)]
    organisations: Vec<String>,
    #[serde(default)]
    facilities: Vec<String>,
    event: RawEvent,
    #[serde(default)]
    kdes: Vec<RawKde>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    #[serde(rename = "type")]
    kind: String,
    action: Option<String>,
    biz_step: String,
    disposition: Option<String>,
    movement: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKde {
    key: String,
    name: Option<RawNames>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    required: bool,
    min: Option<f64>,
    max: Option<f64>,
    #[serde(default)]
    integer: bool,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<String>,
    example: Option<String>,
    #[serde(default)]
    units: Vec<String>,
    #[serde(default)]
    options: Vec<RawOption>,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    multiple: bool,
    target: RawTarget,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    value: String,
    vi: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    to: String,
    /// Extension or ILMD field name (`prefix:local`).
    field: Option<String>,
    /// Source/destination or business-transaction type.
    #[serde(rename = "type")]
    kind: Option<String>,
    measurement: Option<String>,
    uom: Option<String>,
    /// For `lot_quantity`: the lot KDE whose amount this is.
    lot: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    kind: String,
    treatment: String,
    harvest: String,
    substance: String,
    days: String,
    #[serde(default)]
    defaults: BTreeMap<String, u32>,
}

/// Collects every broken rule of one file.
struct Problems<'a> {
    file: &'a str,
    errors: Vec<TemplateError>,
}

impl Problems<'_> {
    fn push(&mut self, stage: Option<&str>, field: impl Into<String>, rule: impl Into<String>) {
        self.errors.push(TemplateError {
            file: self.file.to_owned(),
            stage: stage.map(str::to_owned),
            field: field.into(),
            rule: rule.into(),
        });
    }
}

/// Parses and checks one template; `file` names it in every error.
pub(crate) fn parse(file: &str, text: &str) -> Result<ChainTemplate, Vec<TemplateError>> {
    let raw: RawTemplate = toml::from_str(text).map_err(|error| {
        // Before the structure is known there is no stage or field to name, but a line is.
        let line = error
            .span()
            .and_then(|span| text.get(..span.start))
            .map(|before| before.matches('\n').count() + 1);
        vec![TemplateError {
            file: file.to_owned(),
            stage: None,
            field: line.map(|n| format!("line {n}")).unwrap_or_default(),
            rule: format!("is not a valid template: {}", error.message().trim()),
        }]
    })?;
    let mut problems = Problems {
        file,
        errors: Vec::new(),
    };
    let template = convert(raw, &mut problems);
    if problems.errors.is_empty() {
        Ok(template)
    } else {
        Err(problems.errors)
    }
}

fn convert(raw: RawTemplate, p: &mut Problems) -> ChainTemplate {
    if !is_identifier(&raw.id) {
        p.push(None, "id", IDENTIFIER_RULE);
    }
    let name = names(raw.name, None, "name", p);
    if raw.product_groups.is_empty() {
        p.push(
            None,
            "product_groups",
            "must name at least one product group",
        );
    }
    let tolerances = tolerances(raw.tolerances, p);
    let mut namespaces: Vec<(String, String)> = vec![
        ("nguon".into(), NGUON_NS.into()),
        ("gdst".into(), GDST_NS.into()),
        ("cbvmda".into(), CBVMDA_NS.into()),
    ];
    for (prefix, iri) in raw.namespaces {
        let field = format!("namespaces.{prefix}");
        if namespaces.iter().any(|(known, _)| *known == prefix) {
            p.push(None, field, "redefines a built-in prefix");
        } else if cbv_uri(Vocabulary::BizStep, &iri).is_none_or(|uri| uri != iri) {
            p.push(None, field, "must be an absolute IRI");
        } else {
            namespaces.push((prefix, iri));
        }
    }
    if raw.stages.is_empty() {
        p.push(None, "stages", "must list at least one stage");
    }
    let mut seen = HashSet::new();
    let mut stages = Vec::new();
    // Rules are not checked against a stage that already has errors: a KDE dropped for a bad
    // target would otherwise be reported again as missing.
    let mut broken = HashSet::new();
    for stage in raw.stages {
        if !seen.insert(stage.id.clone()) {
            p.push(Some(&stage.id), "id", "is used by another stage");
        }
        let before = p.errors.len();
        let stage = self::stage(stage, &namespaces, p);
        if p.errors.len() > before {
            broken.insert(stage.id.clone());
        }
        stages.push(stage);
    }
    let withdrawal_rules = raw
        .rules
        .into_iter()
        .enumerate()
        .filter_map(|(index, rule)| self::rule(index, rule, &stages, &broken, p))
        .collect();
    ChainTemplate {
        id: raw.id,
        version: raw.version,
        name,
        product_groups: raw.product_groups,
        standards: raw.standards,
        tolerances,
        namespaces,
        stages,
        withdrawal_rules,
    }
}

const IDENTIFIER_RULE: &str =
    "must be lower-case letters, digits, '-' or '_', starting with a letter";

fn is_identifier(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn names(raw: Option<RawNames>, stage: Option<&str>, field: &str, p: &mut Problems) -> Names {
    let raw = raw.unwrap_or_default();
    let mut take = |text: Option<String>, language: &str| match text {
        Some(text) if !text.trim().is_empty() => text,
        _ => {
            p.push(
                stage,
                format!("{field}.{language}"),
                "is missing: every name needs Vietnamese and English",
            );
            String::new()
        }
    };
    Names {
        vi: take(raw.vi, "vi"),
        en: take(raw.en, "en"),
    }
}

fn tolerances(raw: Option<RawTolerances>, p: &mut Problems) -> Tolerances {
    let defaults = Tolerances::default();
    let Some(raw) = raw else {
        return defaults;
    };
    let mut fraction = |value: Option<f64>, default: f64, field: &str| match value {
        None => default,
        Some(v) if (0.0..=1.0).contains(&v) => v,
        Some(_) => {
            p.push(
                None,
                format!("tolerances.{field}"),
                "must be a fraction between 0 and 1 (0.02 = 2 %)",
            );
            default
        }
    };
    Tolerances {
        transformation_gain: fraction(
            raw.transformation_gain,
            defaults.transformation_gain,
            "transformation_gain",
        ),
        lot_overdraw: fraction(raw.lot_overdraw, defaults.lot_overdraw, "lot_overdraw"),
    }
}

fn stage(raw: RawStage, namespaces: &[(String, String)], p: &mut Problems) -> Stage {
    let id = raw.id.as_str();
    let at = Some(id);
    if !is_identifier(id) {
        p.push(at, "id", IDENTIFIER_RULE);
    }
    let name = names(raw.name, at, "name", p);
    let organisations = kinds(
        &raw.organisations,
        |name| OrganisationKind::parse(name).ok(),
        OrganisationKind::ALL.iter().map(|k| k.as_str()),
        at,
        "organisations",
        p,
    );
    let facilities = kinds(
        &raw.facilities,
        |name| FacilityKind::parse(name).ok(),
        FacilityKind::ALL.iter().map(|k| k.as_str()),
        at,
        "facilities",
        p,
    );
    let event = event(raw.event, at, p);
    let mut seen = HashSet::new();
    let mut kdes = Vec::new();
    let declared = raw.kdes.len();
    for kde in raw.kdes {
        if !seen.insert(kde.key.clone()) {
            p.push(
                at,
                format!("kdes.{}", kde.key),
                "is used by another KDE of this stage",
            );
        }
        if let Some(kde) = self::kde(kde, event.as_ref(), namespaces, at, p) {
            kdes.push(kde);
        }
    }
    // Checked only when the event and every KDE are sound: a part dropped for its own error
    // would be reported again as missing.
    if let Some(event) = &event
        && kdes.len() == declared
    {
        check_stage_shape(event, &kdes, at, p);
    }
    // Without an event an error has been reported, so this stage never leaves the loader; the
    // stand-in only keeps the other stages' checks going.
    let event = event.unwrap_or(EventShape {
        kind: EventKind::Object,
        action: Some(Action::Observe),
        biz_step: String::new(),
        disposition: None,
        movement: Movement::Stays,
    });
    Stage {
        id: raw.id,
        name,
        organisations,
        facilities,
        event,
        kdes,
    }
}

fn kinds<T>(
    names: &[String],
    parse: fn(&str) -> Option<T>,
    allowed: impl Iterator<Item = &'static str>,
    stage: Option<&str>,
    field: &str,
    p: &mut Problems,
) -> Vec<T> {
    if names.is_empty() {
        p.push(stage, field, "must name at least one kind");
    }
    let allowed: Vec<&str> = allowed.collect();
    names
        .iter()
        .filter_map(|name| {
            let kind = parse(name);
            if kind.is_none() {
                p.push(
                    stage,
                    field,
                    format!("has unknown kind '{name}' (known: {})", allowed.join(", ")),
                );
            }
            kind
        })
        .collect()
}

fn event(raw: RawEvent, stage: Option<&str>, p: &mut Problems) -> Option<EventShape> {
    let kind = EventKind::parse(&raw.kind);
    if kind.is_none() {
        p.push(
            stage,
            "event.type",
            format!(
                "'{}' is not an EPCIS event type (known: {})",
                raw.kind,
                EventKind::ALL
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let action = match (&raw.action, kind) {
        (None, Some(EventKind::Transformation)) => None,
        (Some(_), Some(EventKind::Transformation)) => {
            p.push(
                stage,
                "event.action",
                "must be absent: a transformation has no action",
            );
            None
        }
        (None, _) => {
            p.push(
                stage,
                "event.action",
                "is required (ADD, OBSERVE or DELETE)",
            );
            None
        }
        (Some(text), _) => {
            let action = Action::parse(text);
            if action.is_none() {
                p.push(
                    stage,
                    "event.action",
                    format!("'{text}' is not ADD, OBSERVE or DELETE"),
                );
            }
            action
        }
    };
    let biz_step = cbv_uri(Vocabulary::BizStep, &raw.biz_step);
    if biz_step.is_none() {
        p.push(
            stage,
            "event.biz_step",
            format!(
                "'{}' is neither a CBV business step nor a URI",
                raw.biz_step
            ),
        );
    }
    let disposition = raw.disposition.as_deref().and_then(|d| {
        let uri = cbv_uri(Vocabulary::Disposition, d);
        if uri.is_none() {
            p.push(
                stage,
                "event.disposition",
                format!("'{d}' is neither a CBV disposition nor a URI"),
            );
        }
        uri
    });
    let movement = match raw.movement.as_deref() {
        None => Some(Movement::Stays),
        Some(text) => {
            let movement = Movement::parse(text);
            if movement.is_none() {
                p.push(
                    stage,
                    "event.movement",
                    format!("'{text}' is not none, receive or ship"),
                );
            }
            movement
        }
    };
    let kind = kind?;
    if kind != EventKind::Transformation && action.is_none() {
        return None;
    }
    Some(EventShape {
        kind,
        action,
        biz_step: biz_step?,
        disposition,
        movement: movement?,
    })
}

fn kde(
    mut raw: RawKde,
    event: Option<&EventShape>,
    namespaces: &[(String, String)],
    stage: Option<&str>,
    p: &mut Problems,
) -> Option<Kde> {
    let field = format!("kdes.{}", raw.key);
    if !is_identifier(&raw.key) {
        p.push(stage, format!("{field}.key"), IDENTIFIER_RULE);
    }
    let name = names(raw.name.take(), stage, &format!("{field}.name"), p);
    let value = kde_type(&raw, stage, &field, p)?;
    let target = target(&raw.target, &value, namespaces, stage, &field, p)?;
    if let Some(event) = event
        && let Err(rule) = target_fits_event(&target, event)
    {
        p.push(stage, format!("{field}.target.to"), rule);
    }
    Some(Kde {
        key: raw.key,
        name,
        required: raw.required,
        value,
        target,
    })
}

fn kde_type(raw: &RawKde, stage: Option<&str>, field: &str, p: &mut Problems) -> Option<KdeType> {
    let errors_before = p.errors.len();
    let mut unused = |present: bool, what: &str| {
        if present {
            p.push(
                stage,
                format!("{field}.{what}"),
                format!("does not apply to a KDE of type {}", raw.kind),
            );
        }
    };
    let bounded = matches!(raw.kind.as_str(), "number" | "quantity");
    unused(!bounded && raw.min.is_some(), "min");
    unused(!bounded && raw.max.is_some(), "max");
    unused(raw.kind != "number" && raw.integer, "integer");
    unused(raw.kind != "text" && raw.min_length.is_some(), "min_length");
    unused(raw.kind != "text" && raw.max_length.is_some(), "max_length");
    unused(raw.kind != "text" && raw.pattern.is_some(), "pattern");
    unused(raw.kind != "text" && raw.example.is_some(), "example");
    unused(raw.kind != "quantity" && !raw.units.is_empty(), "units");
    unused(raw.kind != "choice" && !raw.options.is_empty(), "options");
    unused(raw.kind != "lot" && !raw.kinds.is_empty(), "kinds");
    unused(raw.kind != "lot" && raw.multiple, "multiple");
    if let (Some(min), Some(max)) = (raw.min, raw.max)
        && min > max
    {
        p.push(stage, format!("{field}.min"), "is larger than max");
    }
    if let (Some(min), Some(max)) = (raw.min_length, raw.max_length)
        && min > max
    {
        p.push(
            stage,
            format!("{field}.min_length"),
            "is larger than max_length",
        );
    }
    let value = match raw.kind.as_str() {
        "text" => KdeType::Text {
            min_length: raw.min_length,
            max_length: raw.max_length,
            pattern: pattern(raw, stage, field, p),
        },
        "number" => KdeType::Number {
            min: raw.min,
            max: raw.max,
            integer: raw.integer,
        },
        "quantity" => {
            if raw.units.is_empty() {
                p.push(
                    stage,
                    format!("{field}.units"),
                    "must list at least one UN/ECE unit code",
                );
            }
            let units = raw
                .units
                .iter()
                .filter_map(|code| {
                    let unit = Unit::from_code(code);
                    if unit.is_none() {
                        p.push(
                            stage,
                            format!("{field}.units"),
                            format!("'{code}' is not a known UN/ECE Rec 20 unit code"),
                        );
                    }
                    unit
                })
                .collect();
            KdeType::Quantity {
                units,
                min: raw.min,
                max: raw.max,
            }
        }
        "date" => KdeType::Date,
        "datetime" => KdeType::DateTime,
        "choice" => {
            if raw.options.is_empty() {
                p.push(
                    stage,
                    format!("{field}.options"),
                    "must list at least one option",
                );
            }
            let mut seen = HashSet::new();
            let options = raw
                .options
                .iter()
                .map(|option| {
                    let at = format!("{field}.options.{}", option.value);
                    if option.value.trim().is_empty() {
                        p.push(stage, &at, "has an empty value");
                    }
                    if !seen.insert(option.value.as_str()) {
                        p.push(stage, &at, "is listed twice");
                    }
                    let names = RawNames {
                        vi: option.vi.clone(),
                        en: option.en.clone(),
                    };
                    ChoiceOption {
                        value: option.value.clone(),
                        name: self::names(Some(names), stage, &at, p),
                    }
                })
                .collect();
            KdeType::Choice { options }
        }
        "lot" => {
            if raw.kinds.is_empty() {
                p.push(
                    stage,
                    format!("{field}.kinds"),
                    "must list the identifier kinds accepted (lgtin, sgtin, sscc)",
                );
            }
            let kinds = raw
                .kinds
                .iter()
                .filter_map(|kind| {
                    let parsed = LotKind::parse(kind);
                    if parsed.is_none() {
                        p.push(
                            stage,
                            format!("{field}.kinds"),
                            format!("'{kind}' is not lgtin, sgtin or sscc"),
                        );
                    }
                    parsed
                })
                .collect();
            KdeType::Lot {
                kinds,
                multiple: raw.multiple,
            }
        }
        "facility" => KdeType::Facility,
        "party" => KdeType::Party,
        "photo" => KdeType::Photo,
        "geo" => KdeType::Geo,
        "certificate" => KdeType::Certificate,
        other => {
            p.push(
                stage,
                format!("{field}.type"),
                format!(
                    "'{other}' is not a KDE type (known: text, number, quantity, date, datetime, choice, lot, facility, party, photo, geo, certificate)"
                ),
            );
            return None;
        }
    };
    (p.errors.len() == errors_before).then_some(value)
}

/// A text KDE's pattern, compiled to match whole values, with its example checked against it.
fn pattern(raw: &RawKde, stage: Option<&str>, field: &str, p: &mut Problems) -> Option<Pattern> {
    let (source, example) = match (&raw.pattern, &raw.example) {
        (None, _) => return None,
        (Some(_), None) => {
            p.push(
                stage,
                format!("{field}.example"),
                "is required with a pattern: forms show it instead of the expression",
            );
            return None;
        }
        (Some(source), Some(example)) => (source, example),
    };
    let regex = match regex::Regex::new(&format!("^(?:{source})$")) {
        Ok(regex) => regex,
        Err(error) => {
            p.push(
                stage,
                format!("{field}.pattern"),
                format!("is not a valid regular expression: {error}"),
            );
            return None;
        }
    };
    let length = example.chars().count();
    let fits_lengths = raw.min_length.is_none_or(|min| length >= min)
        && raw.max_length.is_none_or(|max| length <= max);
    if !regex.is_match(example) || !fits_lengths {
        p.push(
            stage,
            format!("{field}.example"),
            format!("'{example}' does not match the pattern and lengths it illustrates"),
        );
    }
    Some(Pattern {
        source: source.clone(),
        example: example.clone(),
        regex,
    })
}

/// The targets each KDE type may fill.
fn allowed_targets(value: &KdeType) -> &'static [&'static str] {
    match value {
        KdeType::Lot { .. } => &[
            "quantity_list",
            "child_quantity_list",
            "input_quantity_list",
            "output_quantity_list",
            "epc_list",
            "child_epcs",
            "input_epc_list",
            "output_epc_list",
            "parent_id",
        ],
        KdeType::Quantity { .. } => &["lot_quantity", "extension", "ilmd"],
        KdeType::Number { .. } => &["extension", "ilmd", "sensor"],
        KdeType::Text { .. } => &["extension", "ilmd", "sensor", "biz_transaction"],
        KdeType::Choice { .. } => &["extension", "ilmd", "sensor"],
        KdeType::Date | KdeType::DateTime => &["extension", "ilmd", "event_time"],
        KdeType::Facility => &[
            "biz_location",
            "read_point",
            "source",
            "destination",
            "extension",
        ],
        KdeType::Party => &["source", "destination", "extension", "ilmd"],
        KdeType::Photo => &["extension"],
        KdeType::Geo => &["extension", "ilmd"],
        KdeType::Certificate => &["certification_info", "biz_transaction", "extension", "ilmd"],
    }
}

fn target(
    raw: &RawTarget,
    value: &KdeType,
    namespaces: &[(String, String)],
    stage: Option<&str>,
    field: &str,
    p: &mut Problems,
) -> Option<Target> {
    let at = |part: &str| format!("{field}.target.{part}");
    let allowed = allowed_targets(value);
    if !allowed.contains(&raw.to.as_str()) {
        p.push(
            stage,
            at("to"),
            format!(
                "'{}' is not a place a {} KDE can go (allowed: {})",
                raw.to,
                value.as_str(),
                allowed.join(", ")
            ),
        );
        return None;
    }
    let errors_before = p.errors.len();
    let uses = |part: &str| match part {
        "field" => matches!(raw.to.as_str(), "extension" | "ilmd"),
        "type" => matches!(
            raw.to.as_str(),
            "source" | "destination" | "biz_transaction"
        ),
        "measurement" | "uom" => raw.to == "sensor",
        "lot" => raw.to == "lot_quantity",
        _ => false,
    };
    for (part, present) in [
        ("field", raw.field.is_some()),
        ("type", raw.kind.is_some()),
        ("measurement", raw.measurement.is_some()),
        ("uom", raw.uom.is_some()),
        ("lot", raw.lot.is_some()),
    ] {
        if present && !uses(part) {
            p.push(
                stage,
                at(part),
                format!("does not apply to target {}", raw.to),
            );
        }
    }
    // An empty `Err` means the problem is already reported (at the missing part).
    let mut require = |part: &str, present: Option<&String>| -> Result<String, String> {
        if present.is_none() {
            p.push(
                stage,
                at(part),
                format!("is required for target {}", raw.to),
            );
        }
        present.cloned().ok_or_else(String::new)
    };
    let lots = |list: ListKind, instance: bool| -> Result<Target, String> {
        let KdeType::Lot { kinds, .. } = value else {
            return Err("only lot KDEs go into lot lists".into());
        };
        match kinds.iter().find(|k| k.is_class() == instance) {
            Some(kind) if instance => Err(format!(
                "accepts {}, which is a class of goods: classes go into a quantity list",
                kind.as_str()
            )),
            Some(kind) => Err(format!(
                "accepts {}, which is one item or unit: instances go into an EPC list",
                kind.as_str()
            )),
            None => Ok(Target::Lots(list)),
        }
    };
    let target = (|| match raw.to.as_str() {
        "quantity_list" => lots(ListKind::Plain, false),
        "child_quantity_list" => lots(ListKind::Child, false),
        "input_quantity_list" => lots(ListKind::Input, false),
        "output_quantity_list" => lots(ListKind::Output, false),
        "epc_list" => lots(ListKind::Plain, true),
        "child_epcs" => lots(ListKind::Child, true),
        "input_epc_list" => lots(ListKind::Input, true),
        "output_epc_list" => lots(ListKind::Output, true),
        "parent_id" => match value {
            KdeType::Lot { multiple: true, .. } => {
                Err("takes one identifier: the KDE must not be multiple".into())
            }
            _ => lots(ListKind::Plain, true).map(|_| Target::ParentId),
        },
        "lot_quantity" => Ok(Target::LotQuantity(require("lot", raw.lot.as_ref())?)),
        "biz_location" => Ok(Target::BizLocation),
        "read_point" => Ok(Target::ReadPoint),
        "source" | "destination" => {
            let kind = require("type", raw.kind.as_ref())?;
            match cbv_uri(Vocabulary::SourceDestinationType, &kind) {
                None => Err(format!(
                    "type '{kind}' is neither a CBV source/destination type nor a URI"
                )),
                Some(uri) => {
                    let location = uri.ends_with("SDT-location");
                    let party =
                        uri.ends_with("_party") && uri.starts_with("https://ref.gs1.org/cbv/");
                    match value {
                        KdeType::Facility if party => {
                            Err(format!("type '{kind}' names a party: use a party KDE"))
                        }
                        KdeType::Party if location => Err(format!(
                            "type '{kind}' names a location: use a facility KDE"
                        )),
                        _ if raw.to == "source" => Ok(Target::Source(uri)),
                        _ => Ok(Target::Destination(uri)),
                    }
                }
            }
        }
        "biz_transaction" => match raw.kind.as_deref() {
            None => Ok(Target::BizTransaction(None)),
            Some(kind) => cbv_uri(Vocabulary::BizTransactionType, kind)
                .map(|uri| Target::BizTransaction(Some(uri)))
                .ok_or_else(|| {
                    format!("type '{kind}' is neither a CBV business transaction type nor a URI")
                }),
        },
        "extension" | "ilmd" => {
            let name = require("field", raw.field.as_ref())?;
            let qname = qualified(&name, namespaces)?;
            Ok(if raw.to == "ilmd" {
                Target::Ilmd(qname)
            } else {
                Target::Extension(qname)
            })
        }
        "sensor" => {
            let measurement = require("measurement", raw.measurement.as_ref())?;
            let uom = raw.uom.as_deref().map(Unit::from_code);
            match (cbv_uri(Vocabulary::MeasurementType, &measurement), uom) {
                (None, _) => Err(format!(
                    "measurement '{measurement}' is neither a GS1 measurement type nor a URI"
                )),
                (_, Some(None)) => Err(format!(
                    "uom '{}' is not a known UN/ECE Rec 20 unit code",
                    raw.uom.as_deref().unwrap_or_default()
                )),
                (Some(measurement), uom) => Ok(Target::Sensor {
                    measurement,
                    uom: uom.flatten(),
                }),
            }
        }
        "certification_info" => Ok(Target::CertificationInfo),
        "event_time" => Ok(Target::EventTime),
        other => Err(format!("'{other}' is not a known target")),
    })();
    match target {
        Ok(target) => (p.errors.len() == errors_before).then_some(target),
        Err(rule) => {
            if !rule.is_empty() {
                p.push(stage, at("to"), rule);
            }
            None
        }
    }
}

/// `prefix:local` against the template's namespaces.
fn qualified(name: &str, namespaces: &[(String, String)]) -> Result<QName, String> {
    let Some((prefix, local)) = name.split_once(':') else {
        return Err(format!(
            "field '{name}' must be written prefix:name (e.g. nguon:{name})"
        ));
    };
    let valid_local = local.starts_with(|c: char| c.is_ascii_alphabetic())
        && local.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_local {
        return Err(format!(
            "field '{name}': '{local}' must be letters, digits or '_'"
        ));
    }
    match namespaces.iter().find(|(known, _)| known == prefix) {
        Some((_, iri)) => {
            let mut qname = QName::new(iri.clone(), local);
            qname.prefix = Some(prefix.to_owned());
            Ok(qname)
        }
        None => Err(format!(
            "field '{name}': prefix '{prefix}' is not declared (built in: nguon, gdst, cbvmda; add others under [namespaces])"
        )),
    }
}

/// Whether the event type has the field the target fills.
fn target_fits_event(target: &Target, event: &EventShape) -> Result<(), String> {
    use EventKind::*;
    let kind = event.kind;
    let fits = match target {
        Target::Lots(ListKind::Plain) => matches!(kind, Object | Transaction),
        Target::Lots(ListKind::Child) => matches!(kind, Aggregation | Association),
        Target::Lots(ListKind::Input | ListKind::Output) => kind == Transformation,
        Target::ParentId => matches!(kind, Aggregation | Transaction | Association),
        Target::Ilmd(_) => {
            kind == Transformation || (kind == Object && event.action == Some(Action::Add))
        }
        _ => true,
    };
    if fits {
        Ok(())
    } else if matches!(target, Target::Ilmd(_)) {
        Err(format!(
            "ilmd is only allowed in a TransformationEvent or an ObjectEvent with action ADD, not in this {}",
            kind.as_str()
        ))
    } else {
        Err(format!("a {} has no such field", kind.as_str()))
    }
}

/// Rules that look at a stage's KDEs together.
fn check_stage_shape(event: &EventShape, kdes: &[Kde], stage: Option<&str>, p: &mut Problems) {
    let required =
        |wanted: &dyn Fn(&Target) -> bool| kdes.iter().any(|k| k.required && wanted(&k.target));
    let what = required(&|t| matches!(t, Target::Lots(_) | Target::ParentId));
    if !what {
        p.push(
            stage,
            "kdes",
            "needs a required lot KDE: an event must say which goods it is about",
        );
    }
    let parent_needed = match event.kind {
        EventKind::Association => true,
        EventKind::Aggregation => event.action != Some(Action::Observe),
        _ => false,
    };
    if parent_needed && !required(&|t| *t == Target::ParentId) {
        p.push(
            stage,
            "kdes",
            format!(
                "needs a required KDE with target parent_id: a {} with this action must name its parent",
                event.kind.as_str()
            ),
        );
    }
    if event.kind == EventKind::Transaction
        && !required(&|t| matches!(t, Target::BizTransaction(_)))
    {
        p.push(
            stage,
            "kdes",
            "needs a required KDE with target biz_transaction: a TransactionEvent names its transaction",
        );
    }
    match event.movement {
        Movement::Receives if !required(&|t| matches!(t, Target::Source(_))) => p.push(
            stage,
            "kdes",
            "needs a required KDE with target source: a receiving stage records where goods came from",
        ),
        Movement::Ships if !required(&|t| matches!(t, Target::Destination(_))) => p.push(
            stage,
            "kdes",
            "needs a required KDE with target destination: a shipping stage records where goods go",
        ),
        _ => {}
    }
    for kde in kdes {
        let Target::LotQuantity(lot) = &kde.target else {
            continue;
        };
        let field = format!("kdes.{}.target.lot", kde.key);
        let amounts = kdes.iter().filter(|k| k.target == kde.target).count();
        match kdes.iter().find(|k| k.key == *lot) {
            Some(Kde {
                value: KdeType::Lot { kinds, .. },
                target: Target::Lots(_),
                ..
            }) => {
                if !kinds.iter().all(|k| k.is_class()) {
                    p.push(
                        stage,
                        &field,
                        format!("'{lot}' accepts single items: only lots in a quantity list have amounts"),
                    );
                }
                if amounts > 1 {
                    p.push(
                        stage,
                        &field,
                        format!("'{lot}' has more than one amount KDE"),
                    );
                }
                if let KdeType::Quantity { units, .. } = &kde.value {
                    for unit in units.iter().filter(|u| !u.lot_amount) {
                        p.push(
                            stage,
                            format!("kdes.{}.units", kde.key),
                            format!(
                                "'{}' cannot count a lot: trace balances only masses, volumes and counts",
                                unit.code
                            ),
                        );
                    }
                }
            }
            _ => p.push(
                stage,
                field,
                format!("'{lot}' is not a lot KDE of this stage"),
            ),
        }
    }
}

fn rule(
    index: usize,
    raw: RawRule,
    stages: &[Stage],
    broken: &HashSet<String>,
    p: &mut Problems,
) -> Option<WithdrawalRule> {
    let field = |part: &str| format!("rules[{index}].{part}");
    if raw.kind != "withdrawal" {
        p.push(
            None,
            field("kind"),
            format!("'{}' is not a rule kind (known: withdrawal)", raw.kind),
        );
        return None;
    }
    let errors_before = p.errors.len();
    let located = |stage: &Stage| {
        stage
            .kdes
            .iter()
            .any(|k| k.required && matches!(k.target, Target::BizLocation | Target::ReadPoint))
    };
    match stages.iter().find(|s| s.id == raw.treatment) {
        Some(stage) if broken.contains(&stage.id) => {}
        None => p.push(
            None,
            field("treatment"),
            format!("'{}' is not a stage of this template", raw.treatment),
        ),
        Some(stage) => {
            if stage.event.biz_step != TREATING {
                p.push(
                    Some(&stage.id),
                    "event.biz_step",
                    format!("must be {TREATING}: trace reads treatments by that business step"),
                );
            }
            if !located(stage) {
                p.push(
                    Some(&stage.id),
                    "kdes",
                    "needs a required biz_location or read_point: the withdrawal period holds for one pond or field",
                );
            }
            let extension =
                |key: &str, local: &str, part: &str, p: &mut Problems| match stage.kde(key) {
                    None => {
                        p.push(
                            None,
                            field(part),
                            format!("'{key}' is not a KDE of stage {}", stage.id),
                        );
                        None
                    }
                    Some(kde) => {
                        let name = QName::new(NGUON_NS, local);
                        if kde.target != Target::Extension(name) {
                            p.push(
                            Some(&stage.id),
                            format!("kdes.{key}.target"),
                            format!(
                                "must be the extension field nguon:{local}: trace reads it there"
                            ),
                        );
                        }
                        Some(kde)
                    }
                };
            extension(&raw.substance, "substance", "substance", p);
            if let Some(days) = extension(&raw.days, "withdrawalDays", "days", p)
                && !matches!(days.value, KdeType::Number { integer: true, .. })
            {
                p.push(
                    Some(&stage.id),
                    format!("kdes.{}.type", raw.days),
                    "must be a number with integer = true: trace reads whole days",
                );
            }
        }
    }
    match stages.iter().find(|s| s.id == raw.harvest) {
        Some(stage) if broken.contains(&stage.id) => {}
        None => p.push(
            None,
            field("harvest"),
            format!("'{}' is not a stage of this template", raw.harvest),
        ),
        Some(stage) => {
            if stage.event.biz_step != FARM_HARVEST && stage.event.biz_step != HARVESTING {
                p.push(
                    Some(&stage.id),
                    "event.biz_step",
                    format!(
                        "must be {FARM_HARVEST} or {HARVESTING}: trace recognises harvests by them"
                    ),
                );
            }
            if !located(stage) {
                p.push(
                    Some(&stage.id),
                    "kdes",
                    "needs a required biz_location or read_point: a harvest is blocked per pond or field",
                );
            }
        }
    }
    (p.errors.len() == errors_before).then(|| WithdrawalRule {
        treatment: raw.treatment,
        harvest: raw.harvest,
        substance: raw.substance,
        days: raw.days,
        defaults: raw.defaults.into_iter().collect(),
    })
}

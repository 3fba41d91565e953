//! From a stage's form to an EPCIS event: the one path diary forms and the demo generator take,
//! so every event a person records has the shape its template promises and passes EPCIS
//! validation.

use std::collections::BTreeMap;
use std::fmt;

use nguon_epcis::json_ld::{WriteOptions, write_event};
use nguon_epcis::model::{
    EpcFormat, Event, EventBody, Extension, ExtensionValue, Location, QName, QuantityElement,
    SensorElement, SensorReport, TypedValue, format_timestamp, parse_timestamp,
};
use nguon_epcis::validate::validate_value;
use nguon_gs1::{DigitalLink, Gln, Key, KeyKind, PrefixLengths, identify, percent_encode};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::template::{
    ChainTemplate, EventKind, Kde, KdeType, ListKind, LotKind, Movement, Stage, Target,
};
use nguon_domain::units::Unit;

/// Who records the event and when, besides what the form holds.
#[derive(Debug, Clone)]
pub struct Capture {
    /// The recording organisation's GLN: the owner in a shipment's source or a receipt's
    /// destination, and the issuer of business-document identifiers typed as numbers.
    pub owner: Gln,
    /// When it happened, in the recorder's offset (a form's date and time KDEs are read in it).
    pub event_time: OffsetDateTime,
}

/// What is wrong with one form field, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The KDE key (the form field name); `stage` for an unknown stage, `event` for a problem
    /// of the event as a whole.
    pub key: String,
    /// The broken rule.
    pub rule: FieldRule,
}

/// The rules a form value can break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldRule {
    /// No value for a required KDE.
    Required,
    /// The template has no stage of this id.
    UnknownStage(String),
    /// Fewer characters than allowed.
    TooShort(usize),
    /// More characters than allowed.
    TooLong(usize),
    /// Not of the template's pattern; holds its example.
    NotLike(String),
    /// Not a decimal number.
    NotANumber,
    /// A fraction where a whole number is needed.
    NotWhole,
    /// Below the minimum (as written in the template).
    BelowMinimum(String),
    /// Above the maximum.
    AboveMaximum(String),
    /// No unit given and the KDE allows several; lists the allowed codes.
    UnitMissing(Vec<String>),
    /// A unit not in the KDE's list; lists the allowed codes.
    UnitNotAllowed(String, Vec<String>),
    /// Not a date (`2026-05-04` or `04/05/2026`).
    NotADate,
    /// Not a date and time.
    NotADateTime,
    /// Not one of the options; lists them.
    NotAnOption(Vec<String>),
    /// Not a GS1 identifier; the reason from the GS1 reader.
    NotAnIdentifier(String),
    /// A GS1 identifier of a kind the KDE does not accept.
    WrongIdentifierKind(String, Vec<String>),
    /// Several identifiers where the KDE takes one.
    OneOnly,
    /// Not a GLN.
    NotAGln(String),
    /// Not an absolute URI where one is needed.
    NotAUri,
    /// Not `latitude, longitude` within range.
    NotAGeoPoint,
    /// Amounts and lots do not pair up.
    AmountCount(usize, usize),
    /// No withdrawal days and no default for the substance.
    NoWithdrawalDays(String),
    /// The built event fails EPCIS validation (the issue as the validator writes it).
    InvalidEvent(String),
}

impl FieldError {
    fn new(key: &str, rule: FieldRule) -> Self {
        Self {
            key: key.to_owned(),
            rule,
        }
    }

    /// The message in English.
    pub fn en(&self) -> String {
        use FieldRule::*;
        match &self.rule {
            Required => "is required".into(),
            UnknownStage(id) => format!("'{id}' is not a stage of this chain"),
            TooShort(n) => format!("must have at least {n} characters"),
            TooLong(n) => format!("must have at most {n} characters"),
            NotLike(example) => format!("must be written like {example}"),
            NotANumber => "must be a number".into(),
            NotWhole => "must be a whole number".into(),
            BelowMinimum(min) => format!("must be at least {min}"),
            AboveMaximum(max) => format!("must be at most {max}"),
            UnitMissing(units) => format!("needs a unit: one of {}", units.join(", ")),
            UnitNotAllowed(unit, units) => {
                format!(
                    "unit '{unit}' is not allowed here: use one of {}",
                    units.join(", ")
                )
            }
            NotADate => "must be a date (2026-05-04 or 04/05/2026)".into(),
            NotADateTime => "must be a date and time (2026-05-04T07:30)".into(),
            NotAnOption(options) => format!("must be one of {}", options.join(", ")),
            NotAnIdentifier(reason) => format!("is not a GS1 identifier: {reason}"),
            WrongIdentifierKind(kind, kinds) => {
                format!("is a {kind}; this field takes {}", kinds.join(", "))
            }
            OneOnly => "takes one identifier only".into(),
            NotAGln(reason) => format!("is not a GLN: {reason}"),
            NotAUri => "must be a web address (https://…) or another absolute URI".into(),
            NotAGeoPoint => "must be latitude, longitude in degrees (10.2853, 105.7244)".into(),
            AmountCount(amounts, lots) => {
                format!("gives {amounts} amount(s) for {lots} lot(s): give one a line for each")
            }
            NoWithdrawalDays(substance) => {
                format!("is required: there is no default withdrawal period for '{substance}'")
            }
            InvalidEvent(issue) => format!("would make an invalid EPCIS event: {issue}"),
        }
    }

    /// The message in Vietnamese.
    pub fn vi(&self) -> String {
        use FieldRule::*;
        match &self.rule {
            Required => "là bắt buộc".into(),
            UnknownStage(id) => format!("'{id}' không phải là một công đoạn của chuỗi này"),
            TooShort(n) => format!("phải có ít nhất {n} ký tự"),
            TooLong(n) => format!("chỉ được có tối đa {n} ký tự"),
            NotLike(example) => format!("phải được viết theo dạng {example}"),
            NotANumber => "phải là một số".into(),
            NotWhole => "phải là số nguyên".into(),
            BelowMinimum(min) => format!("không được nhỏ hơn {min}"),
            AboveMaximum(max) => format!("không được lớn hơn {max}"),
            UnitMissing(units) => format!("cần ghi đơn vị: một trong {}", units.join(", ")),
            UnitNotAllowed(unit, units) => format!(
                "không dùng được đơn vị '{unit}' ở đây: hãy dùng một trong {}",
                units.join(", ")
            ),
            NotADate => "phải là một ngày (2026-05-04 hoặc 04/05/2026)".into(),
            NotADateTime => "phải là ngày và giờ (2026-05-04T07:30)".into(),
            NotAnOption(options) => format!("phải là một trong {}", options.join(", ")),
            NotAnIdentifier(reason) => format!("không phải là mã GS1: {reason}"),
            WrongIdentifierKind(kind, kinds) => {
                format!("là mã {kind}; ô này nhận {}", kinds.join(", "))
            }
            OneOnly => "chỉ nhận một mã".into(),
            NotAGln(reason) => format!("không phải là mã GLN: {reason}"),
            NotAUri => "phải là một địa chỉ web (https://…) hoặc một URI đầy đủ".into(),
            NotAGeoPoint => "phải là vĩ độ, kinh độ tính bằng độ (10.2853, 105.7244)".into(),
            AmountCount(amounts, lots) => format!(
                "có {amounts} số lượng cho {lots} lô: mỗi lô một dòng, mỗi dòng một số lượng"
            ),
            NoWithdrawalDays(substance) => {
                format!("là bắt buộc: chưa có thời gian ngừng sử dụng mặc định cho '{substance}'")
            }
            InvalidEvent(issue) => format!("sẽ tạo ra sự kiện EPCIS không hợp lệ: {issue}"),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} / {}", self.key, self.vi(), self.en())
    }
}

/// An amount as a JSON number literal, and its unit.
type Amount = (String, Unit);

/// A form value read according to its KDE.
enum Value {
    Text(String),
    Number(String),
    Quantities(Vec<Amount>),
    Date(Date),
    DateTime(OffsetDateTime),
    Lots(Vec<DigitalLink>),
    Link(String),
    Uri(String),
    Geo(String, String),
}

impl ChainTemplate {
    /// Builds the event of `stage` from a form's values (KDE key → text as posted; keys the
    /// stage does not have are ignored). Every field's problems are returned together.
    pub fn event(
        &self,
        stage: &str,
        form: &BTreeMap<String, String>,
        capture: &Capture,
    ) -> Result<Event, Vec<FieldError>> {
        let Some(stage) = self.stage(stage) else {
            return Err(vec![FieldError::new(
                "stage",
                FieldRule::UnknownStage(stage.to_owned()),
            )]);
        };
        let offset = capture.event_time.offset();
        let mut errors = Vec::new();
        let mut values: Vec<(&Kde, Value)> = Vec::new();
        for kde in &stage.kdes {
            let given = form
                .get(&kde.key)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty());
            let given = match given {
                Some(text) => text.to_owned(),
                None => match self.default_days(stage, kde, form) {
                    Ok(Some(days)) => days.to_string(),
                    Ok(None) if kde.required => {
                        errors.push(FieldError::new(&kde.key, FieldRule::Required));
                        continue;
                    }
                    Ok(None) => continue,
                    Err(rule) => {
                        errors.push(FieldError::new(&kde.key, rule));
                        continue;
                    }
                },
            };
            match read(kde, &given, offset) {
                Ok(value) => values.push((kde, value)),
                Err(rule) => errors.push(FieldError::new(&kde.key, rule)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let event = assemble(stage, values, capture)?;
        check(&event)?;
        Ok(event)
    }

    /// The default withdrawal days for an empty days KDE of a treatment stage, from the
    /// substance the form names. `Err` when the days are required and no default exists.
    fn default_days(
        &self,
        stage: &Stage,
        kde: &Kde,
        form: &BTreeMap<String, String>,
    ) -> Result<Option<u32>, FieldRule> {
        let Some(rule) = self
            .withdrawal_rules
            .iter()
            .find(|r| r.treatment == stage.id && r.days == kde.key)
        else {
            return Ok(None);
        };
        let substance = form.get(&rule.substance).map_or("", |s| s.trim());
        match rule.default_days(substance) {
            Some(days) => Ok(Some(days)),
            None if kde.required && !substance.is_empty() => {
                Err(FieldRule::NoWithdrawalDays(substance.to_owned()))
            }
            None => Ok(None),
        }
    }
}

/// Reads one non-empty value.
fn read(kde: &Kde, text: &str, offset: UtcOffset) -> Result<Value, FieldRule> {
    match &kde.value {
        KdeType::Text {
            min_length,
            max_length,
            pattern,
        } => {
            let length = text.chars().count();
            match (min_length, max_length, pattern) {
                (Some(min), _, _) if length < *min => Err(FieldRule::TooShort(*min)),
                (_, Some(max), _) if length > *max => Err(FieldRule::TooLong(*max)),
                (_, _, Some(pattern)) if !pattern.matches(text) => {
                    Err(FieldRule::NotLike(pattern.example().to_owned()))
                }
                _ => Ok(Value::Text(text.to_owned())),
            }
        }
        KdeType::Number { min, max, integer } => {
            let number = number(text, *min, *max)?;
            if *integer && number.contains('.') {
                return Err(FieldRule::NotWhole);
            }
            Ok(Value::Number(number))
        }
        KdeType::Quantity { units, min, max } => {
            let multiple = matches!(kde.target, Target::LotQuantity(_));
            let lines: Vec<&str> = if multiple {
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect()
            } else {
                vec![text]
            };
            lines
                .into_iter()
                .map(|line| quantity(line, units, *min, *max))
                .collect::<Result<_, _>>()
                .map(Value::Quantities)
        }
        KdeType::Date => date(text).map(Value::Date).ok_or(FieldRule::NotADate),
        KdeType::DateTime => date_time(text, offset)
            .map(Value::DateTime)
            .ok_or(FieldRule::NotADateTime),
        KdeType::Choice { options } => options
            .iter()
            .find(|o| o.value == text)
            .map(|o| Value::Text(o.value.clone()))
            .ok_or_else(|| {
                FieldRule::NotAnOption(options.iter().map(|o| o.value.clone()).collect())
            }),
        KdeType::Lot { kinds, multiple } => {
            let lines: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            if lines.len() > 1 && !multiple {
                return Err(FieldRule::OneOnly);
            }
            lines
                .into_iter()
                .map(|line| lot(line, kinds))
                .collect::<Result<_, _>>()
                .map(Value::Lots)
        }
        KdeType::Facility => gln(text, KeyKind::Gln).map(Value::Link),
        KdeType::Party => gln(text, KeyKind::PartyGln).map(Value::Link),
        KdeType::Photo => uri(text)
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(Value::Uri)
            .ok_or(FieldRule::NotAUri),
        KdeType::Geo => geo(text).ok_or(FieldRule::NotAGeoPoint),
        KdeType::Certificate => Ok(match uri(text) {
            Some(uri) => Value::Uri(uri),
            None if kde.target == Target::CertificationInfo => return Err(FieldRule::NotAUri),
            None => Value::Text(text.to_owned()),
        }),
    }
}

/// A decimal as a JSON number literal; a comma is read as the decimal mark, as Vietnamese
/// writes it, when there is no dot.
fn number(text: &str, min: Option<f64>, max: Option<f64>) -> Result<String, FieldRule> {
    let text = if text.contains('.') {
        text.to_owned()
    } else {
        text.replacen(',', ".", 1)
    };
    let digits = text.strip_prefix('-').unwrap_or(&text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let valid = [whole, fraction]
        .iter()
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    let value: f64 = match text.parse() {
        Ok(value) if valid => value,
        _ => return Err(FieldRule::NotANumber),
    };
    if let Some(min) = min.filter(|min| value < *min) {
        return Err(FieldRule::BelowMinimum(min.to_string()));
    }
    if let Some(max) = max.filter(|max| value > *max) {
        return Err(FieldRule::AboveMaximum(max.to_string()));
    }
    Ok(value.to_string())
}

/// `1200 KGM`, `1200KGM`, or `1200` when the KDE allows one unit.
fn quantity(
    text: &str,
    units: &[Unit],
    min: Option<f64>,
    max: Option<f64>,
) -> Result<Amount, FieldRule> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (amount, code) = text.split_at(split);
    let codes = || units.iter().map(|u| u.code.to_owned()).collect::<Vec<_>>();
    let code = code.trim().to_ascii_uppercase();
    let unit = match (code.as_str(), units) {
        ("", [only]) => *only,
        ("", _) => return Err(FieldRule::UnitMissing(codes())),
        (code, _) => *units
            .iter()
            .find(|u| u.code == code)
            .ok_or_else(|| FieldRule::UnitNotAllowed(code.to_owned(), codes()))?,
    };
    let amount = number(amount.trim(), min.or(Some(0.0)), max)?;
    Ok((amount, unit))
}

/// `2026-05-04` (an HTML date input) or `04/05/2026` (day first, as Vietnamese writes it).
fn date(text: &str) -> Option<Date> {
    let parts: Vec<&str> = text.split(['-', '/']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (year, month, day) = if text.contains('-') {
        (a, b, c)
    } else {
        (c, b, a)
    };
    if year.len() != 4 {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

/// Reads a date and time as a datetime KDE does: `2026-05-04T07:30` or `04/05/2026 07:30`
/// (seconds optional) in `offset`, or an RFC 3339 time with its own offset; an import's event
/// time column uses it.
pub fn read_date_time(text: &str, offset: UtcOffset) -> Option<OffsetDateTime> {
    date_time(text.trim(), offset)
}

/// `2026-05-04T07:30` (an HTML datetime-local input, read in `offset`), with optional seconds,
/// or an RFC 3339 time with its own offset.
fn date_time(text: &str, offset: UtcOffset) -> Option<OffsetDateTime> {
    let (day, clock) = text.split_once(['T', ' '])?;
    let has_offset = clock.ends_with(['Z', 'z']) || clock.contains(['+', '-']);
    if has_offset {
        return parse_timestamp(&format!("{day}T{clock}"));
    }
    let fields: Vec<&str> = clock.split(':').collect();
    let number = |s: &&str| (s.len() == 2).then(|| s.parse::<u8>().ok()).flatten();
    let time = match fields.as_slice() {
        [h, m] => Time::from_hms(number(h)?, number(m)?, 0).ok()?,
        [h, m, s] => Time::from_hms(number(h)?, number(m)?, number(s)?).ok()?,
        _ => return None,
    };
    Some(PrimitiveDateTime::new(date(day)?, time).assume_offset(offset))
}

/// A scanned or typed identifier of an accepted kind, as its canonical Digital Link.
fn lot(text: &str, kinds: &[LotKind]) -> Result<DigitalLink, FieldRule> {
    let identified = identify(text, None).map_err(|e| FieldRule::NotAnIdentifier(e.to_string()))?;
    let link = identified.link;
    let kind = link.kind();
    if kinds.iter().any(|k| k.as_str() == kind) {
        Ok(link)
    } else {
        Err(FieldRule::WrongIdentifierKind(
            kind.to_owned(),
            kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        ))
    }
}

/// A GLN in any GS1 form (bare, `(414)…`, `(417)…`, an SGLN URN, a Digital Link) as the
/// canonical Digital Link of `as_kind`: AI 414 (with its AI 254 extension) for a place, AI 417
/// for a party.
fn gln(text: &str, as_kind: KeyKind) -> Result<String, FieldRule> {
    let identified =
        identify(text, Some(as_kind)).map_err(|e| FieldRule::NotAGln(e.to_string()))?;
    let key = identified.link.key();
    if !matches!(key.kind(), KeyKind::Gln | KeyKind::PartyGln) {
        return Err(FieldRule::NotAGln(format!("it is a {}", key.kind().name())));
    }
    if key.kind() == as_kind {
        return Ok(identified.link.canonical_id());
    }
    let rekeyed =
        Key::parse(as_kind, key.as_str()).map_err(|e| FieldRule::NotAGln(e.to_string()))?;
    let extension = identified.link.get("254").map(|e| ("254", e));
    let qualifiers: Vec<(&str, &str)> = extension
        .filter(|_| as_kind == KeyKind::Gln)
        .into_iter()
        .collect();
    DigitalLink::from_key(&rekeyed, &qualifiers)
        .map(|link| link.canonical_id())
        .map_err(|e| FieldRule::NotAGln(e.to_string()))
}

/// An absolute URI without spaces: `scheme:rest`, the scheme a letter then letters, digits,
/// `+`, `-` or `.`.
fn uri(text: &str) -> Option<String> {
    let (scheme, rest) = text.split_once(':')?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (scheme_ok && !rest.is_empty() && !text.contains(char::is_whitespace)).then(|| text.to_owned())
}

/// `latitude, longitude` in decimal degrees.
fn geo(text: &str) -> Option<Value> {
    let (lat, lon) = text.split_once(',').or_else(|| text.split_once(' '))?;
    let lat = number(lat.trim(), Some(-90.0), Some(90.0)).ok()?;
    let lon = number(lon.trim(), Some(-180.0), Some(180.0)).ok()?;
    Some(Value::Geo(lat, lon))
}

/// Places every value where its KDE says.
fn assemble(
    stage: &Stage,
    values: Vec<(&Kde, Value)>,
    capture: &Capture,
) -> Result<Event, Vec<FieldError>> {
    let shape = &stage.event;
    let mut event = Event {
        event_id: None,
        event_time: capture.event_time,
        event_time_zone_offset: offset_text(capture.event_time.offset()),
        record_time: None,
        certification_info: Vec::new(),
        error_declaration: None,
        body: empty_body(shape.kind, shape.action),
        biz_step: Some(shape.biz_step.clone()),
        disposition: shape.disposition.clone(),
        persistent_disposition: None,
        read_point: None,
        biz_location: None,
        biz_transaction_list: Vec::new(),
        source_list: Vec::new(),
        destination_list: Vec::new(),
        sensor_element_list: Vec::new(),
        extensions: Vec::new(),
    };
    let owner = DigitalLink::from_key(
        &Key::parse(KeyKind::PartyGln, capture.owner.as_str())
            .expect("a GLN's digits make a party GLN"),
        &[],
    )
    .expect("a bare key makes a Digital Link")
    .canonical_id();
    let owning_party = "https://ref.gs1.org/cbv/SDT-owning_party".to_owned();
    match shape.movement {
        Movement::Receives => event.destination_list.push(TypedValue {
            kind: Some(owning_party),
            value: owner.clone(),
        }),
        Movement::Ships => event.source_list.push(TypedValue {
            kind: Some(owning_party),
            value: owner.clone(),
        }),
        Movement::Stays => {}
    }
    let mut ilmd = Vec::new();
    let mut reports = Vec::new();
    // Amounts are applied after every lot is placed: which element an amount belongs to is
    // known only then.
    let mut amounts: Vec<(&Kde, &str, Vec<Amount>)> = Vec::new();
    let mut placed: BTreeMap<&str, (ListKind, usize, usize)> = BTreeMap::new();
    let mut errors = Vec::new();
    for (kde, value) in values {
        match (&kde.target, value) {
            (Target::Lots(list), Value::Lots(links)) => {
                let (epcs, quantities) = lists(&mut event.body, *list);
                let start = quantities.len();
                for link in links {
                    let id = link.canonical_id();
                    if LotKind::parse(link.kind()).is_some_and(LotKind::is_class) {
                        quantities.push(QuantityElement {
                            epc_class: id,
                            quantity: None,
                            uom: None,
                        });
                    } else {
                        epcs.push(id);
                    }
                }
                placed.insert(&kde.key, (*list, start, quantities.len()));
            }
            (Target::ParentId, Value::Lots(links)) => {
                let parent = links.first().map(DigitalLink::canonical_id);
                set_parent(&mut event.body, parent);
            }
            (Target::LotQuantity(lot), Value::Quantities(q)) => amounts.push((kde, lot, q)),
            (Target::BizLocation, Value::Link(id)) => {
                event.biz_location = Some(Location {
                    id,
                    extensions: Vec::new(),
                });
            }
            (Target::ReadPoint, Value::Link(id)) => {
                event.read_point = Some(Location {
                    id,
                    extensions: Vec::new(),
                });
            }
            (Target::Source(kind), Value::Link(value)) => event.source_list.push(TypedValue {
                kind: Some(kind.clone()),
                value,
            }),
            (Target::Destination(kind), Value::Link(value)) => {
                event.destination_list.push(TypedValue {
                    kind: Some(kind.clone()),
                    value,
                });
            }
            (Target::BizTransaction(kind), value) => {
                let value = match value {
                    Value::Uri(uri) => uri,
                    Value::Text(number) => format!(
                        "urn:epcglobal:cbv:bt:{}:{}",
                        capture.owner.as_str(),
                        percent_encode(&number)
                    ),
                    _ => unreachable!("the loader allows only text and certificates here"),
                };
                event.biz_transaction_list.push(TypedValue {
                    kind: kind.clone(),
                    value,
                });
            }
            (Target::CertificationInfo, Value::Uri(uri)) => event.certification_info.push(uri),
            (Target::EventTime, Value::Date(day)) => {
                event.event_time = day.midnight().assume_offset(capture.event_time.offset());
            }
            (Target::EventTime, Value::DateTime(at)) => {
                event.event_time = at;
                event.event_time_zone_offset = offset_text(at.offset());
            }
            (Target::Sensor { measurement, uom }, value) => {
                let mut report = SensorReport {
                    kind: Some(measurement.clone()),
                    uom: uom.map(|u| u.code.to_owned()),
                    ..SensorReport::default()
                };
                match value {
                    Value::Number(n) => report.value = Some(n),
                    Value::Text(t) => report.string_value = Some(t),
                    _ => unreachable!("the loader allows only numbers, text and choices here"),
                }
                reports.push(report);
            }
            (Target::Extension(name), value) => event.extensions.push(extension(name, value)),
            (Target::Ilmd(name), value) => ilmd.push(extension(name, value)),
            (target, _) => unreachable!("the loader pairs KDE types and targets: {target:?}"),
        }
    }
    for (kde, lot, quantities) in amounts {
        let Some(&(list, start, end)) = placed.get(lot) else {
            // The lot KDE was optional and left empty: an amount of nothing.
            errors.push(FieldError::new(lot, FieldRule::Required));
            continue;
        };
        if quantities.len() != end - start {
            errors.push(FieldError::new(
                &kde.key,
                FieldRule::AmountCount(quantities.len(), end - start),
            ));
            continue;
        }
        let (_, elements) = lists(&mut event.body, list);
        for (element, (amount, unit)) in elements[start..end].iter_mut().zip(quantities) {
            element.quantity = Some(amount);
            element.uom = Some(unit.code.to_owned());
        }
    }
    if !reports.is_empty() {
        event.sensor_element_list.push(SensorElement {
            metadata: None,
            reports,
            extensions: Vec::new(),
        });
    }
    if !ilmd.is_empty() {
        match &mut event.body {
            EventBody::Object { ilmd: slot, .. } | EventBody::Transformation { ilmd: slot, .. } => {
                *slot = Some(ilmd);
            }
            _ => unreachable!("the loader allows ilmd only in object and transformation events"),
        }
    }
    if errors.is_empty() {
        Ok(event)
    } else {
        Err(errors)
    }
}

fn empty_body(kind: EventKind, action: Option<nguon_epcis::model::Action>) -> EventBody {
    let action = action.unwrap_or(nguon_epcis::model::Action::Observe);
    match kind {
        EventKind::Object => EventBody::Object {
            action,
            epc_list: Vec::new(),
            quantity_list: Vec::new(),
            ilmd: None,
        },
        EventKind::Aggregation => EventBody::Aggregation {
            action,
            parent_id: None,
            child_epcs: Vec::new(),
            child_quantity_list: Vec::new(),
        },
        EventKind::Transaction => EventBody::Transaction {
            action,
            parent_id: None,
            epc_list: Vec::new(),
            quantity_list: Vec::new(),
        },
        EventKind::Transformation => EventBody::Transformation {
            transformation_id: None,
            input_epc_list: Vec::new(),
            input_quantity_list: Vec::new(),
            output_epc_list: Vec::new(),
            output_quantity_list: Vec::new(),
            ilmd: None,
        },
        EventKind::Association => EventBody::Association {
            action,
            parent_id: String::new(),
            child_epcs: Vec::new(),
            child_quantity_list: Vec::new(),
        },
    }
}

/// The EPC list and quantity list of one kind in the body.
fn lists(body: &mut EventBody, list: ListKind) -> (&mut Vec<String>, &mut Vec<QuantityElement>) {
    match (body, list) {
        (
            EventBody::Object {
                epc_list,
                quantity_list,
                ..
            }
            | EventBody::Transaction {
                epc_list,
                quantity_list,
                ..
            },
            ListKind::Plain,
        ) => (epc_list, quantity_list),
        (
            EventBody::Aggregation {
                child_epcs,
                child_quantity_list,
                ..
            }
            | EventBody::Association {
                child_epcs,
                child_quantity_list,
                ..
            },
            ListKind::Child,
        ) => (child_epcs, child_quantity_list),
        (
            EventBody::Transformation {
                input_epc_list,
                input_quantity_list,
                ..
            },
            ListKind::Input,
        ) => (input_epc_list, input_quantity_list),
        (
            EventBody::Transformation {
                output_epc_list,
                output_quantity_list,
                ..
            },
            ListKind::Output,
        ) => (output_epc_list, output_quantity_list),
        (_, list) => unreachable!("the loader allows {list:?} lots only where the event has them"),
    }
}

fn set_parent(body: &mut EventBody, parent: Option<String>) {
    match body {
        EventBody::Aggregation { parent_id, .. } | EventBody::Transaction { parent_id, .. } => {
            *parent_id = parent;
        }
        EventBody::Association { parent_id, .. } => *parent_id = parent.unwrap_or_default(),
        _ => unreachable!("the loader allows parent_id only where the event has one"),
    }
}

/// A value as an extension field: numbers as JSON numbers (trace reads `withdrawalDays` as
/// one), dates as `xsd:date` text, a point as latitude/longitude fields, an amount as
/// value/unit fields.
fn extension(name: &QName, value: Value) -> Extension {
    let child = |local: &str, value| Extension {
        name: QName {
            local: local.to_owned(),
            ..name.clone()
        },
        value,
    };
    let value = match value {
        Value::Text(text) | Value::Link(text) | Value::Uri(text) => ExtensionValue::Text(text),
        Value::Number(number) => ExtensionValue::Number(number),
        Value::Date(day) => ExtensionValue::Text(iso_date(day)),
        Value::DateTime(at) => ExtensionValue::Text(format_timestamp(at)),
        Value::Geo(lat, lon) => ExtensionValue::Fields(vec![
            child("latitude", ExtensionValue::Number(lat)),
            child("longitude", ExtensionValue::Number(lon)),
        ]),
        Value::Quantities(mut amounts) => {
            let (amount, unit) = amounts.remove(0);
            ExtensionValue::Fields(vec![
                child("value", ExtensionValue::Number(amount)),
                child("uom", ExtensionValue::Text(unit.code.to_owned())),
            ])
        }
        Value::Lots(_) => unreachable!("the loader puts lots only into lot lists"),
    };
    Extension {
        name: name.clone(),
        value,
    }
}

fn iso_date(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

fn offset_text(offset: UtcOffset) -> String {
    let (hours, minutes, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!(
        "{sign}{:02}:{:02}",
        hours.unsigned_abs(),
        minutes.unsigned_abs()
    )
}

/// Runs the EPCIS validator over the event as JSON-LD: the templates are meant to make only
/// valid events, and this makes sure a template edit cannot silently break that.
fn check(event: &Event) -> Result<(), Vec<FieldError>> {
    let lengths = PrefixLengths::builtin();
    let options = WriteOptions {
        epc_format: EpcFormat::NeverTranslates,
        prefix_lengths: &lengths,
    };
    validate_value(&write_event(event, &options)).map_err(|issues| {
        issues
            .into_iter()
            .map(|issue| FieldError::new("event", FieldRule::InvalidEvent(issue.to_string())))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_take_a_decimal_comma_and_refuse_anything_else() {
        assert_eq!(number("12,5", None, None), Ok("12.5".into()));
        assert_eq!(number("-3", None, None), Ok("-3".into()));
        assert_eq!(number("007.50", None, None), Ok("7.5".into()));
        for bad in [
            "", "1,000.5", "1.2.3", "1e3", "12 kg", ".5", "5.", "+5", "NaN", "inf",
        ] {
            assert_eq!(
                number(bad, None, None),
                Err(FieldRule::NotANumber),
                "{bad:?}"
            );
        }
        assert_eq!(
            number("0.5", Some(1.0), None),
            Err(FieldRule::BelowMinimum("1".into()))
        );
        assert_eq!(
            number("14.5", None, Some(14.0)),
            Err(FieldRule::AboveMaximum("14".into()))
        );
    }

    #[test]
    fn dates_are_iso_or_day_first() {
        let may_4 = Date::from_calendar_date(2026, time::Month::May, 4).ok();
        assert_eq!(date("2026-05-04"), may_4);
        assert_eq!(date("04/05/2026"), may_4);
        assert_eq!(date("4/5/2026"), may_4);
        for bad in ["2026-13-01", "31/02/2026", "05/04/26", "2026-05", "today"] {
            assert_eq!(date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn local_times_take_the_recorders_offset_and_explicit_offsets_are_kept() {
        let offset = UtcOffset::from_hms(7, 0, 0).expect("offset");
        assert_eq!(
            date_time("2026-05-04T07:30", offset),
            Some(time::macros::datetime!(2026-05-04 07:30 +07:00))
        );
        assert_eq!(
            date_time("2026-05-04 07:30:15", offset),
            Some(time::macros::datetime!(2026-05-04 07:30:15 +07:00))
        );
        assert_eq!(
            date_time("2026-05-04T00:30:00Z", offset),
            Some(time::macros::datetime!(2026-05-04 00:30 UTC))
        );
        for bad in ["2026-05-04", "2026-05-04T7:30", "2026-05-04T25:00", "noon"] {
            assert_eq!(date_time(bad, offset), None, "{bad:?}");
        }
    }

    #[test]
    fn a_gln_becomes_a_place_or_a_party_whatever_form_it_came_in() {
        let place = "https://id.gs1.org/414/8935000000076";
        let party = "https://id.gs1.org/417/8935000000076";
        for input in [
            "8935000000076",
            "(414)8935000000076",
            "(417)8935000000076",
            "urn:epc:id:sgln:8935000.00007.0",
            "https://id.gs1.org/414/8935000000076",
        ] {
            assert_eq!(gln(input, KeyKind::Gln).as_deref(), Ok(place), "{input}");
            assert_eq!(
                gln(input, KeyKind::PartyGln).as_deref(),
                Ok(party),
                "{input}"
            );
        }
        // A sub-location keeps its AI 254 extension as a place and drops it as a party.
        assert_eq!(
            gln("(414)8935000000076(254)AO-3", KeyKind::Gln).as_deref(),
            Ok("https://id.gs1.org/414/8935000000076/254/AO-3")
        );
        assert_eq!(
            gln("(414)8935000000076(254)AO-3", KeyKind::PartyGln).as_deref(),
            Ok(party)
        );
        assert!(matches!(
            gln("(01)08935000001004", KeyKind::Gln),
            Err(FieldRule::NotAGln(_))
        ));
        assert!(matches!(
            gln("8935000000077", KeyKind::Gln),
            Err(FieldRule::NotAGln(_))
        ));
    }

    #[test]
    fn uris_need_a_scheme_and_no_spaces() {
        assert!(uri("https://nguon.example.vn/a.jpg").is_some());
        assert!(uri("urn:epcglobal:cbv:bt:8935000000076:1").is_some());
        for bad in ["123/KD-TS", "https://a b", ":x", "1http://x"] {
            assert_eq!(uri(bad), None, "{bad:?}");
        }
    }
}

//! Import and export of the registries (organisations, facilities, products) and of diary events
//! as CSV and XLSX files, for the portal's `/import` page and the `nguon import` command alike.
//!
//! A file has one header row — each column's Vietnamese name with its machine name in
//! parentheses, `Tên cơ sở (name)`, or either of them alone — and one record per row. Every row
//! is checked before anything is written, and the problems come back together as a row-level
//! report (row as the spreadsheet numbers it, column, value, rule broken, in Vietnamese and
//! English). A file with any problem stores nothing; a clean one is stored in one transaction.
//! An export writes the same columns, so an exported file imports again.

mod events;
mod registry;

use std::collections::HashMap;
use std::fmt;

use nguon_chains::{ChainTemplate, Stage};
use nguon_domain::{Actor, Organisation, OrganisationId, ProductGroupDetails, ProvinceCode};
use nguon_store::{RecordQuery, Registry, Store, StoreError};

pub use nguon_sheet as sheet;
pub use nguon_sheet::{Column, FileFormat, Sheet, SheetRow};

use crate::AppState;
use crate::quality::CHAINS as CATALOGUE;
use crate::ui::i18n::Lang;

/// One problem of an import file: where it is and the rule broken, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The row as the spreadsheet numbers it (the header row is 1); 0 for the file as a whole.
    pub row: usize,
    /// The column's header; empty for a problem of the whole row or file.
    pub column: String,
    /// The value found.
    pub value: String,
    /// The rule broken, in Vietnamese.
    pub vi: String,
    /// The rule broken, in English.
    pub en: String,
}

impl From<sheet::SheetError> for Problem {
    fn from(error: sheet::SheetError) -> Self {
        Self::file(error.vi, error.en)
    }
}

impl Problem {
    /// A problem of the file as a whole.
    fn file(vi: String, en: String) -> Self {
        Self {
            row: 0,
            column: String::new(),
            value: String::new(),
            vi,
            en,
        }
    }

    /// The rule broken, in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row > 0 {
            write!(f, "dòng/row {}", self.row)?;
        } else {
            f.write_str("tệp/file")?;
        }
        if !self.column.is_empty() {
            write!(f, ", {}", self.column)?;
        }
        if !self.value.is_empty() {
            write!(f, ", {:?}", self.value)?;
        }
        write!(f, ": {} / {}", self.vi, self.en)
    }
}

/// What a file holds.
#[derive(Debug, Clone, Copy)]
pub enum ImportKind {
    /// Organisations of the registry (province administrators only).
    Organisations,
    /// One organisation's facilities.
    Facilities,
    /// One organisation's products.
    Products,
    /// One organisation's diary events of one stage of a pilot chain.
    Events(&'static ChainTemplate, &'static Stage),
}

impl ImportKind {
    /// The kinds a page lists, events aside (they are one per chain stage).
    pub const REGISTRIES: [&'static str; 3] = ["organisations", "facilities", "products"];

    /// Reads a kind's name; `events` needs a chain template id and one of its stages.
    pub fn parse(kind: &str, chain: Option<&str>, stage: Option<&str>) -> Result<Self, Problem> {
        match kind {
            "organisations" => Ok(Self::Organisations),
            "facilities" => Ok(Self::Facilities),
            "products" => Ok(Self::Products),
            "events" => {
                let chain_id = chain.unwrap_or_default();
                let template = CATALOGUE.get(chain_id).ok_or_else(|| {
                    let ids: Vec<&str> = CATALOGUE.iter().map(ChainTemplate::id).collect();
                    Problem::file(
                        format!(
                            "chuỗi mẫu {chain_id:?} không có; hãy dùng một trong {}",
                            ids.join(", ")
                        ),
                        format!(
                            "no chain template {chain_id:?}: use one of {}",
                            ids.join(", ")
                        ),
                    )
                })?;
                let stage_id = stage.unwrap_or_default();
                let stage = template.stage(stage_id).ok_or_else(|| {
                    let ids: Vec<&str> = template.stages().iter().map(Stage::id).collect();
                    Problem::file(
                        format!("chuỗi {chain_id} không có công đoạn {stage_id:?}; hãy dùng một trong {}", ids.join(", ")),
                        format!("chain {chain_id} has no stage {stage_id:?}: use one of {}", ids.join(", ")),
                    )
                })?;
                Ok(Self::Events(template, stage))
            }
            other => Err(Problem::file(
                format!(
                    "không có loại dữ liệu {other:?}; hãy dùng organisations, facilities, products hoặc events"
                ),
                format!("no kind {other:?}: use organisations, facilities, products or events"),
            )),
        }
    }

    /// The kind's name, as `parse` reads it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Organisations => "organisations",
            Self::Facilities => "facilities",
            Self::Products => "products",
            Self::Events(..) => "events",
        }
    }

    /// The file name of its template or export, without extension.
    pub fn file_stem(self) -> String {
        match self {
            Self::Events(chain, stage) => format!("events-{}-{}", chain.id(), stage.id()),
            other => other.name().to_owned(),
        }
    }

    /// Whether the file's records belong to one organisation, which the importer names.
    pub fn per_organisation(self) -> bool {
        !matches!(self, Self::Organisations)
    }
}

/// What the columns' rules depend on: the province's communes and the product catalogue.
pub struct Context {
    /// The province whose communes addresses name.
    pub province: ProvinceCode,
    /// The catalogue's product groups.
    pub groups: Vec<ProductGroupDetails>,
}

impl Context {
    /// The context of `state`'s portal.
    pub async fn of(state: &AppState) -> Result<Self, StoreError> {
        let mut groups: Vec<ProductGroupDetails> = state
            .store
            .list::<ProductGroupDetails>(&RecordQuery::default())
            .await?
            .into_iter()
            .map(|g| g.details)
            .collect();
        groups.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(Self {
            province: state.ui.province,
            groups,
        })
    }
}

/// The columns of `kind`.
pub fn columns(kind: ImportKind, context: &Context) -> Vec<Column> {
    match kind {
        ImportKind::Organisations => registry::organisation_columns(),
        ImportKind::Facilities => registry::facility_columns(context),
        ImportKind::Products => registry::product_columns(context),
        ImportKind::Events(_, stage) => events::columns(stage),
    }
}

/// The downloadable template of `kind`: the headers and one example row; as XLSX, with a second
/// sheet explaining every column.
pub async fn template(
    state: &AppState,
    kind: ImportKind,
    format: FileFormat,
) -> Result<Vec<u8>, ImportError> {
    let context = Context::of(state).await?;
    let columns = columns(kind, &context);
    let example: Vec<String> = columns.iter().map(|c| c.example.clone()).collect();
    sheet::write(format, &columns, &[example], true).map_err(ImportError::Write)
}

/// Watches a long import: the command line draws a progress bar, the portal ignores it.
pub trait Progress: Send + Sync {
    /// A phase starts with `total` steps.
    fn start(&self, phase: Phase, total: usize);
    /// One more step is done.
    fn advance(&self);
}

/// The phases of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Every row is read and checked.
    Checking,
    /// The checked records are stored.
    Writing,
}

impl Progress for () {
    fn start(&self, _: Phase, _: usize) {}
    fn advance(&self) {}
}

/// Who imports, into what.
#[derive(Clone, Copy)]
pub struct Importer<'a> {
    /// The server state: the store and the settings.
    pub state: &'a AppState,
    /// The organisation whose records a per-organisation file holds.
    pub organisation: Option<&'a Organisation>,
    /// Who the audit log names.
    pub actor: Actor,
    /// Whether the province imports: facilities and products it registers are approved, as
    /// when it registers one itself; an organisation's wait for review.
    pub by_province: bool,
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// How many records.
    pub count: usize,
    /// Each record's label and portal path, in file order.
    pub records: Vec<(String, String)>,
}

/// Why an import stored nothing.
#[derive(Debug)]
pub enum ImportError {
    /// The file broke rules: every problem found.
    Refused(Vec<Problem>),
    /// The store failed.
    Store(StoreError),
    /// A file could not be written.
    Write(String),
}

impl From<StoreError> for ImportError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<Problem> for ImportError {
    fn from(problem: Problem) -> Self {
        Self::Refused(vec![problem])
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(problems) => write!(f, "{} problem(s) in the file", problems.len()),
            Self::Store(error) => write!(f, "{error}"),
            Self::Write(reason) => write!(f, "cannot write the file: {reason}"),
        }
    }
}

impl std::error::Error for ImportError {}

/// Reads, checks and stores a file of `kind`: everything or, at the first problem found after
/// checking every row, nothing.
pub async fn import(
    importer: Importer<'_>,
    kind: ImportKind,
    format: FileFormat,
    bytes: &[u8],
    progress: &dyn Progress,
) -> Result<Imported, ImportError> {
    if kind.per_organisation() && importer.organisation.is_none() {
        return Err(Problem::file(
            "cần chọn tổ chức sở hữu các bản ghi".into(),
            "the organisation the records belong to is needed".into(),
        )
        .into());
    }
    let sheet = sheet::read(format, bytes).map_err(Problem::from)?;
    let context = Context::of(importer.state).await?;
    let columns = columns(kind, &context);
    let rows = rows(&columns, &sheet).map_err(ImportError::Refused)?;
    progress.start(Phase::Checking, rows.len());
    match kind {
        ImportKind::Organisations => registry::import_organisations(importer, rows, progress).await,
        ImportKind::Facilities => {
            registry::import_facilities(importer, &context, rows, progress).await
        }
        ImportKind::Products => registry::import_products(importer, &context, rows, progress).await,
        ImportKind::Events(chain, stage) => {
            events::import(importer, chain, stage, rows, progress).await
        }
    }
}

/// The records of `kind` that `scope` may see (every organisation's when `None`), in the
/// columns an import reads.
pub async fn export(
    state: &AppState,
    kind: ImportKind,
    scope: Option<OrganisationId>,
    format: FileFormat,
) -> Result<Vec<u8>, ImportError> {
    let context = Context::of(state).await?;
    let columns = columns(kind, &context);
    let rows = match kind {
        ImportKind::Organisations => registry::organisation_rows(&*state.store, scope).await?,
        ImportKind::Facilities => registry::facility_rows(&*state.store, scope).await?,
        ImportKind::Products => registry::product_rows(&*state.store, scope).await?,
        ImportKind::Events(_, stage) => events::rows(&*state.store, stage, scope).await?,
    };
    sheet::write(format, &columns, &rows, false).map_err(ImportError::Write)
}

/// One data row, its cells put in column order.
pub(crate) struct Row<'a> {
    number: usize,
    cells: Vec<&'a str>,
    columns: &'a [Column],
}

/// Matches the file's headers to the columns and puts every row's cells in column order. An
/// unknown, repeated or missing required column is a problem of row 1.
fn rows<'a>(columns: &'a [Column], sheet: &'a Sheet) -> Result<Vec<Row<'a>>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut positions: Vec<Option<usize>> = vec![None; columns.len()];
    let expected: Vec<String> = columns.iter().map(Column::header).collect();
    for (at, header) in sheet.headers.iter().enumerate() {
        if header.is_empty() {
            continue;
        }
        match columns.iter().position(|c| c.named_by(header)) {
            Some(index) if positions[index].is_some() => problems.push(Problem {
                row: 1,
                column: header.clone(),
                value: String::new(),
                vi: "cột này có hai lần".into(),
                en: "this column appears twice".into(),
            }),
            Some(index) => positions[index] = Some(at),
            None => problems.push(Problem {
                row: 1,
                column: header.clone(),
                value: String::new(),
                vi: format!(
                    "không phải là cột của mẫu; các cột là: {}",
                    expected.join("; ")
                ),
                en: format!(
                    "is not a column of the template; the columns are: {}",
                    expected.join("; ")
                ),
            }),
        }
    }
    for (column, position) in columns.iter().zip(&positions) {
        if column.required && position.is_none() {
            problems.push(Problem {
                row: 1,
                column: column.header(),
                value: String::new(),
                vi: "thiếu cột bắt buộc này".into(),
                en: "this required column is missing".into(),
            });
        }
    }
    if sheet.rows.is_empty() {
        problems.push(Problem::file(
            "tệp không có dòng dữ liệu nào dưới dòng tiêu đề".into(),
            "the file has no data row under the header row".into(),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(sheet
        .rows
        .iter()
        .map(|row| Row {
            number: row.number,
            cells: positions
                .iter()
                .map(|p| {
                    p.and_then(|at| row.cells.get(at))
                        .map_or("", String::as_str)
                })
                .collect(),
            columns,
        })
        .collect())
}

impl Row<'_> {
    /// The row number as the spreadsheet shows it.
    fn number(&self) -> usize {
        self.number
    }

    fn index(&self, field: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.field == field)
            .expect("a column of the kind")
    }

    /// The text of the column `field` (empty when the file leaves the column out).
    fn text(&self, field: &str) -> &str {
        self.cells[self.index(field)]
    }

    /// A problem with the value of `field`.
    fn problem(&self, field: &str, vi: String, en: String) -> Problem {
        Problem {
            row: self.number,
            column: self.columns[self.index(field)].header(),
            value: self.text(field).to_owned(),
            vi,
            en,
        }
    }

    /// The value of `field` read by `parse`; a blank required value or one `parse` refuses adds
    /// a problem naming the column's rule, and a blank optional value is `Some(None)`.
    fn optional<T, E: fmt::Display>(
        &self,
        problems: &mut Vec<Problem>,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        let column = &self.columns[self.index(field)];
        let text = self.text(field);
        if text.is_empty() {
            if column.required {
                problems.push(self.problem(
                    field,
                    format!("là bắt buộc: {}", column.rule_vi),
                    format!("is required: {}", column.rule_en),
                ));
                return None;
            }
            return Some(None);
        }
        match parse(text) {
            Ok(value) => Some(Some(value)),
            Err(error) => {
                problems.push(self.problem(
                    field,
                    column.rule_vi.clone(),
                    format!("{} ({error})", column.rule_en),
                ));
                None
            }
        }
    }

    /// The value of a required `field`, as [`Row::optional`] reads it.
    fn required<T, E: fmt::Display>(
        &self,
        problems: &mut Vec<Problem>,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        self.optional(problems, field, parse).flatten()
    }
}

/// Remembers the row of every key seen, so a key repeated in the file names its first row.
struct SeenKeys(HashMap<String, usize>);

impl SeenKeys {
    fn new() -> Self {
        Self(HashMap::new())
    }

    /// A problem when `key` was already on an earlier row.
    fn check(&mut self, row: &Row<'_>, field: &str, key: &str) -> Option<Problem> {
        match self.0.get(key) {
            Some(first) => Some(row.problem(
                field,
                format!("trùng với dòng {first} của tệp"),
                format!("repeats row {first} of the file"),
            )),
            None => {
                self.0.insert(key.to_owned(), row.number());
                None
            }
        }
    }
}

/// The problem of a key already registered.
fn already_registered(row: &Row<'_>, field: &str) -> Problem {
    row.problem(
        field,
        "đã được đăng ký trong hệ thống".into(),
        "is already registered".into(),
    )
}

/// Finishes the checking phase: the problems found, or nothing.
fn refuse_if_any(problems: Vec<Problem>) -> Result<(), ImportError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ImportError::Refused(problems))
    }
}

/// The store, for the helpers that take one.
fn store<'a>(importer: &Importer<'a>) -> &'a dyn Store {
    &*importer.state.store
}

//! The set of chain templates a running Nguồn knows: the embedded pilot chains, optionally
//! replaced or extended by a province's own files.

use std::collections::HashSet;
use std::path::Path;

use crate::error::{CatalogueError, TemplateError};
use crate::load;
use crate::template::ChainTemplate;

/// The pilot chains of DESIGN §6, compiled into the binary so a fresh install has them.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "shrimp-seed.toml",
        include_str!("../templates/shrimp-seed.toml"),
    ),
    (
        "farmed-shrimp.toml",
        include_str!("../templates/farmed-shrimp.toml"),
    ),
    ("rice.toml", include_str!("../templates/rice.toml")),
    ("salt.toml", include_str!("../templates/salt.toml")),
    ("kho.toml", include_str!("../templates/kho.toml")),
    ("mam.toml", include_str!("../templates/mam.toml")),
    (
        "vegetables.toml",
        include_str!("../templates/vegetables.toml"),
    ),
    ("ocop.toml", include_str!("../templates/ocop.toml")),
];

/// Loaded, checked chain templates, one per id.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    templates: Vec<ChainTemplate>,
}

impl Catalogue {
    /// The embedded pilot chains.
    pub fn embedded() -> Result<Self, CatalogueError> {
        let mut catalogue = Self {
            templates: Vec::new(),
        };
        let mut errors = Vec::new();
        for (file, text) in EMBEDDED {
            if let Some(template) = parse(file, text, &mut errors) {
                if catalogue.get(&template.id).is_some() {
                    errors.push(duplicate(file, &template.id));
                } else {
                    catalogue.templates.push(template);
                }
            }
        }
        catalogue.finish(errors)
    }

    /// The embedded chains plus every `*.toml` file in `dir` (in file-name order); a file whose
    /// id is an embedded chain's replaces it. Two files of `dir` with one id are an error.
    pub fn load(dir: &Path) -> Result<Self, CatalogueError> {
        let mut catalogue = Self::embedded()?;
        let mut errors = Vec::new();
        let unreadable = |path: &Path, error: std::io::Error| TemplateError {
            file: path.display().to_string(),
            stage: None,
            field: String::new(),
            rule: format!("cannot be read: {error}"),
        };
        let mut files: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|entry| match entry {
                    Ok(entry) => Some(entry.path()),
                    Err(error) => {
                        errors.push(unreadable(dir, error));
                        None
                    }
                })
                .filter(|path| path.extension().is_some_and(|e| e == "toml"))
                .collect(),
            Err(error) => {
                errors.push(unreadable(dir, error));
                Vec::new()
            }
        };
        files.sort();
        let mut from_dir = HashSet::new();
        for path in files {
            let file = path.display().to_string();
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(error) => {
                    errors.push(unreadable(&path, error));
                    continue;
                }
            };
            let Some(template) = parse(&file, &text, &mut errors) else {
                continue;
            };
            if !from_dir.insert(template.id.clone()) {
                errors.push(duplicate(&file, &template.id));
                continue;
            }
            match catalogue.templates.iter_mut().find(|t| t.id == template.id) {
                Some(embedded) => *embedded = template,
                None => catalogue.templates.push(template),
            }
        }
        catalogue.finish(errors)
    }

    fn finish(self, errors: Vec<TemplateError>) -> Result<Self, CatalogueError> {
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(CatalogueError { errors })
        }
    }

    /// The template with this id.
    pub fn get(&self, id: &str) -> Option<&ChainTemplate> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// Every template, embedded ones first in DESIGN §6 order.
    pub fn iter(&self) -> impl Iterator<Item = &ChainTemplate> {
        self.templates.iter()
    }
}

fn parse(file: &str, text: &str, errors: &mut Vec<TemplateError>) -> Option<ChainTemplate> {
    load::parse(file, text)
        .map_err(|mut found| errors.append(&mut found))
        .ok()
}

fn duplicate(file: &str, id: &str) -> TemplateError {
    TemplateError {
        file: file.to_owned(),
        stage: None,
        field: "id".into(),
        rule: format!("'{id}' is the id of another template"),
    }
}

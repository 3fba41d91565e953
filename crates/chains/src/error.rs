//! Errors of loading templates and of turning a form into an event.

use std::fmt;

/// One broken rule in a template file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TemplateError {
    /// The file (`farmed-shrimp.toml`, or a path for a file from a directory).
    pub file: String,
    /// The stage's id, when the problem is inside a stage.
    pub stage: Option<String>,
    /// The field, as a dotted path (`kdes.pond.target.to`); empty for the whole file.
    pub field: String,
    /// The rule that was broken.
    pub rule: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(stage) = &self.stage {
            write!(f, ": stage {stage}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, " {}", self.rule)
    }
}

/// Every broken rule found while loading a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogueError {
    /// The problems, file by file in the order the files were read.
    pub errors: Vec<TemplateError>,
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} problem(s) in chain templates", self.errors.len())?;
        for error in &self.errors {
            write!(f, "\n- {error}")?;
        }
        Ok(())
    }
}

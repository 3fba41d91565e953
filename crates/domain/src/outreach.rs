//! Plan 140's outreach records: training sessions with the organisations that attended, and the
//! guidance library's documents, versioned by title.

use time::{Date, OffsetDateTime};

use crate::{
    Actor, DomainError, GuidanceId, ImageType, OrganisationId, ProductGroupCode, RecordName,
    TrainingId,
};

/// One organisation at a training session and how many of its people came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Participant {
    /// The organisation.
    pub organisation: OrganisationId,
    people: u16,
}

impl Participant {
    /// Most people one organisation is recorded as sending to one session.
    pub const MAX_PEOPLE: u16 = 10_000;

    /// Checks the head count: 1 to [`Self::MAX_PEOPLE`].
    pub fn new(organisation: OrganisationId, people: u32) -> Result<Self, DomainError> {
        match u16::try_from(people) {
            Ok(people) if (1..=Self::MAX_PEOPLE).contains(&people) => Ok(Self {
                organisation,
                people,
            }),
            _ => Err(DomainError::OutOfRange {
                field: "people",
                rule: "a whole number from 1 to 10000",
                found: people.to_string(),
            }),
        }
    }

    /// How many people came.
    pub fn people(&self) -> u16 {
        self.people
    }
}

/// A training session as recorded: what it was, when and where, and who came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTraining {
    /// Its title.
    pub title: RecordName,
    /// The day it was held.
    pub held_on: Date,
    /// Where.
    pub place: RecordName,
    /// The product group it was about, if one.
    pub product_group: Option<ProductGroupCode>,
    /// The organisations that came, each once.
    pub participants: Vec<Participant>,
}

impl NewTraining {
    /// Checks that no organisation is listed twice (its people are one number).
    pub fn new(
        title: RecordName,
        held_on: Date,
        place: RecordName,
        product_group: Option<ProductGroupCode>,
        participants: Vec<Participant>,
    ) -> Result<Self, DomainError> {
        for (index, participant) in participants.iter().enumerate() {
            if participants[..index]
                .iter()
                .any(|earlier| earlier.organisation == participant.organisation)
            {
                return Err(DomainError::NotInList {
                    field: "participants",
                    allowed: "each organisation once".into(),
                    found: participant.organisation.to_string(),
                });
            }
        }
        Ok(Self {
            title,
            held_on,
            place,
            product_group,
            participants,
        })
    }

    /// How many people came, over every organisation.
    pub fn people(&self) -> u32 {
        self.participants
            .iter()
            .map(|p| u32::from(p.people()))
            .sum()
    }
}

/// A stored training session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Training {
    /// Its id.
    pub id: TrainingId,
    /// What was recorded.
    pub details: NewTraining,
    /// When it was recorded.
    pub created_at: OffsetDateTime,
    /// When it was last changed.
    pub updated_at: OffsetDateTime,
}

/// The formats the guidance library accepts: documents, spreadsheets and images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentType {
    /// PDF.
    Pdf,
    /// A Word document (Office Open XML).
    Docx,
    /// An Excel workbook (Office Open XML).
    Xlsx,
    /// An image.
    Image(ImageType),
}

impl DocumentType {
    /// Every type.
    pub const ALL: [Self; 6] = [
        Self::Pdf,
        Self::Docx,
        Self::Xlsx,
        Self::Image(ImageType::Png),
        Self::Image(ImageType::Jpeg),
        Self::Image(ImageType::WebP),
    ];

    /// The media type to serve it with.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Image(image) => image.media_type(),
        }
    }

    /// The file extension a download is named with.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Image(ImageType::Png) => "png",
            Self::Image(ImageType::Jpeg) => "jpg",
            Self::Image(ImageType::WebP) => "webp",
        }
    }

    /// Parses a stored media type.
    pub fn from_media_type(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.media_type() == input)
            .ok_or_else(|| DomainError::NotInList {
                field: "document type",
                allowed: "PDF, DOCX, XLSX, PNG, JPEG, WebP".into(),
                found: input.to_owned(),
            })
    }

    /// Recognises the format by content, whatever the file name or the browser claims. An
    /// Office file is a ZIP archive; its part names (`word/`, `xl/`) tell which.
    fn sniff(bytes: &[u8]) -> Option<Self> {
        let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if bytes.starts_with(b"PK\x03\x04") {
            if contains(b"word/document.xml") {
                Some(Self::Docx)
            } else if contains(b"xl/workbook.xml") {
                Some(Self::Xlsx)
            } else {
                None
            }
        } else {
            ImageType::sniff(bytes).map(Self::Image)
        }
    }
}

/// An uploaded guidance file that passed the checks: one of the accepted formats, not too large.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFile {
    kind: DocumentType,
    bytes: Vec<u8>,
}

impl DocumentFile {
    /// Largest file accepted: 10 MiB, enough for an illustrated guide.
    pub const MAX_BYTES: usize = 10 * 1024 * 1024;

    /// Checks the size and recognises the format by content.
    pub fn parse(bytes: Vec<u8>) -> Result<Self, DomainError> {
        let refuse = |found: String| DomainError::DocumentFile {
            max: Self::MAX_BYTES,
            found,
        };
        if bytes.is_empty() {
            return Err(refuse("the file is empty".into()));
        }
        if bytes.len() > Self::MAX_BYTES {
            return Err(refuse(format!("found {} bytes", bytes.len())));
        }
        let kind = DocumentType::sniff(&bytes)
            .ok_or_else(|| refuse("the file is not one of those formats".into()))?;
        Ok(Self { kind, bytes })
    }

    /// Its format.
    pub fn kind(&self) -> DocumentType {
        self.kind
    }

    /// Its bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A guidance document to add to the library: a later upload of the same title is its next
/// version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGuidance {
    /// The title, which names the document across versions.
    pub title: RecordName,
    /// The product group it is for, if one.
    pub product_group: Option<ProductGroupCode>,
    /// The name the file was uploaded with, for the download.
    pub file_name: RecordName,
    /// The file.
    pub file: DocumentFile,
}

/// One stored version of a guidance document, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guidance {
    /// This version's id.
    pub id: GuidanceId,
    /// The title.
    pub title: RecordName,
    /// The version, from 1.
    pub version: u32,
    /// The product group it is for, if one.
    pub product_group: Option<ProductGroupCode>,
    /// The name the file was uploaded with.
    pub file_name: RecordName,
    /// Its format.
    pub kind: DocumentType,
    /// Its size in bytes.
    pub size: u64,
    /// When it was uploaded.
    pub created_at: OffsetDateTime,
    /// Who uploaded it.
    pub created_by: Actor,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_content() {
        let pdf = DocumentFile::parse(b"%PDF-1.7\n...".to_vec()).unwrap();
        assert_eq!(pdf.kind().media_type(), "application/pdf");
        let docx = b"PK\x03\x04....word/document.xml....".to_vec();
        assert_eq!(
            DocumentFile::parse(docx).unwrap().kind(),
            DocumentType::Docx
        );
        let xlsx = b"PK\x03\x04....xl/workbook.xml....".to_vec();
        assert_eq!(
            DocumentFile::parse(xlsx).unwrap().kind().extension(),
            "xlsx"
        );
        let png = b"\x89PNG\r\n\x1a\n....".to_vec();
        assert_eq!(
            DocumentFile::parse(png).unwrap().kind(),
            DocumentType::Image(ImageType::Png)
        );
        for refused in [
            b"<html>".to_vec(),
            b"PK\x03\x04 some other zip".to_vec(),
            Vec::new(),
            [b"%PDF-".to_vec(), vec![0; DocumentFile::MAX_BYTES]].concat(),
        ] {
            let error = DocumentFile::parse(refused).unwrap_err().to_string();
            assert!(error.starts_with("file: must be a PDF"), "{error}");
        }
        for kind in DocumentType::ALL {
            assert_eq!(
                DocumentType::from_media_type(kind.media_type()).unwrap(),
                kind
            );
        }
    }

    #[test]
    fn a_session_lists_each_organisation_once_with_a_sane_head_count() {
        let org = OrganisationId::generate();
        let name = |text| RecordName::parse("title", text).unwrap();
        let day = time::macros::date!(2026 - 03 - 12);
        let ok = NewTraining::new(
            name("Tập huấn TXNG"),
            day,
            name("Bạc Liêu"),
            None,
            vec![Participant::new(org, 3).unwrap()],
        )
        .unwrap();
        assert_eq!(ok.people(), 3);
        let twice = vec![
            Participant::new(org, 1).unwrap(),
            Participant::new(org, 2).unwrap(),
        ];
        assert!(NewTraining::new(name("a"), day, name("b"), None, twice).is_err());
        assert!(Participant::new(org, 0).is_err());
        assert!(Participant::new(org, 10_001).is_err());
        assert!(Participant::new(org, 10_000).is_ok());
    }
}

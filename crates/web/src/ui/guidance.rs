//! The guidance library: documents per product group, versioned by title. Everyone signed in
//! reads and downloads them; the province admin uploads, and an upload of a title already in the
//! library becomes its next version, the older ones staying reachable.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::{
    Actor, DocumentFile, Guidance, GuidanceId, NewGuidance, ProductGroupCode, RecordName,
};
use nguon_store::StoreError;

use crate::AppState;
use crate::ui::Chrome;
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::registry::{FieldErrors, not_found, optional_product_group, product_groups};
use crate::ui::session::SignedIn;
use crate::ui::training::group_label;

/// What the upload form sends.
#[derive(Debug, Default)]
pub struct UploadForm {
    title: String,
    product_group: String,
    csrf: String,
    /// The file's name as the browser gave it.
    file_name: String,
    /// The file's bytes, when one was chosen.
    file: Option<Vec<u8>>,
}

impl UploadForm {
    /// Reads a multipart form; a part that cannot be read (or a body over the limit) ends the
    /// request with its 4xx.
    async fn read(mut multipart: Multipart) -> Result<Self, Response> {
        let bad = |error: axum::extract::multipart::MultipartError| {
            (error.status(), error.body_text()).into_response()
        };
        let mut form = Self::default();
        while let Some(part) = multipart.next_field().await.map_err(bad)? {
            let name = part.name().unwrap_or_default().to_owned();
            if name == "file" {
                form.file_name = part.file_name().unwrap_or_default().to_owned();
                let bytes = part.bytes().await.map_err(bad)?;
                form.file = (!bytes.is_empty()).then(|| bytes.to_vec());
                continue;
            }
            let value = part.text().await.map_err(bad)?;
            match name.as_str() {
                "title" => form.title = value,
                "product_group" => form.product_group = value,
                "csrf" => form.csrf = value,
                _ => {}
            }
        }
        Ok(form)
    }

    /// Reads every field, one message per bad field.
    fn parse(&self, tr: Tr) -> Result<NewGuidance, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = errors.check("title", RecordName::parse("title", &self.title), |_| {
            tr.t("registry-error-name")
        });
        let group = optional_product_group(&mut errors, tr, &self.product_group);
        let file = match &self.file {
            None => {
                errors.add("file", tr.t("guidance-error-file-missing"));
                None
            }
            Some(bytes) => errors.check("file", DocumentFile::parse(bytes.clone()), |_| {
                tr.t1(
                    "guidance-error-file",
                    "max",
                    &(DocumentFile::MAX_BYTES / (1024 * 1024)).to_string(),
                )
            }),
        };
        // A name the browser did not give, or one that is not a plain line, is replaced by the
        // title with the extension of what the file really is.
        let file_name = file.as_ref().map(|file: &DocumentFile| {
            RecordName::parse("file name", safe_file_name(&self.file_name)).unwrap_or_else(|_| {
                RecordName::parse(
                    "file name",
                    &format!("document.{}", file.kind().extension()),
                )
                .expect("a fixed name is valid")
            })
        });
        match (title, group, file, file_name) {
            (Some(title), Some(product_group), Some(file), Some(file_name)) => Ok(NewGuidance {
                title,
                product_group,
                file_name,
                file,
            }),
            _ => Err(errors),
        }
    }
}

/// The last path segment of a browser-given file name, without the characters a
/// `Content-Disposition` header cannot carry as is.
fn safe_file_name(name: &str) -> &str {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if base.chars().any(|c| c == '"' || c.is_control()) {
        ""
    } else {
        base
    }
}

/// One document as the library lists it: its latest version, with the older ones.
struct DocumentRow {
    title: String,
    group: String,
    latest: VersionRow,
    older: Vec<VersionRow>,
}

/// One version of a document.
struct VersionRow {
    id: GuidanceId,
    version: u32,
    file_name: String,
    kind: &'static str,
    size: String,
    uploaded_on: String,
}

impl VersionRow {
    fn of(guidance: &Guidance) -> Self {
        Self {
            id: guidance.id,
            version: guidance.version,
            file_name: guidance.file_name.to_string(),
            kind: guidance.kind.extension(),
            size: size_text(guidance.size),
            uploaded_on: guidance.created_at.date().to_string(),
        }
    }
}

/// A size in kB (at least 1) or MB, as people read it.
fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} kB", bytes.div_ceil(1024).max(1))
    }
}

/// The library page.
#[derive(Template, WebTemplate)]
#[template(path = "guidance.html")]
struct GuidancePage {
    chrome: Chrome,
    csrf: String,
    documents: Vec<DocumentRow>,
    can_upload: bool,
    form: UploadForm,
    groups: Vec<(String, String)>,
    errors: FieldErrors,
    max_mb: usize,
}

async fn page(
    state: &AppState,
    who: &SignedIn,
    form: UploadForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, UiError> {
    let tr = Tr { lang: who.lang };
    let versions = state.store.list_guidance().await?;
    let groups = product_groups(state).await?;
    let group_name = |code: &ProductGroupCode| {
        groups
            .iter()
            .find(|g| g.code == *code)
            .map_or_else(|| code.to_string(), |g| group_label(tr, g))
    };
    // The store lists by title, latest version first: a new title starts a document.
    let mut documents: Vec<DocumentRow> = Vec::new();
    for version in &versions {
        match documents.last_mut() {
            Some(document) if document.title == version.title.as_str() => {
                document.older.push(VersionRow::of(version));
            }
            _ => documents.push(DocumentRow {
                title: version.title.to_string(),
                group: version
                    .product_group
                    .as_ref()
                    .map(group_name)
                    .unwrap_or_else(|| tr.t("guidance-all-groups")),
                latest: VersionRow::of(version),
                older: Vec::new(),
            }),
        }
    }
    let page = GuidancePage {
        chrome: Chrome::signed_in(who, "/guidance"),
        csrf: who.session.csrf_token.clone(),
        documents,
        can_upload: who.user.access.can_manage_outreach(),
        form,
        groups: groups
            .iter()
            .map(|g| (g.code.to_string(), group_label(tr, g)))
            .collect(),
        errors,
        max_mb: DocumentFile::MAX_BYTES / (1024 * 1024),
    };
    Ok((status, page).into_response())
}

/// `GET /guidance`: the library, for everyone signed in.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> Response {
    page(
        &state,
        &who,
        UploadForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
    .unwrap_or_else(|error| error.into_page(who.lang))
}

/// `POST /guidance` (multipart): the province admin uploads a document or a new version of one.
pub async fn upload(
    State(state): State<AppState>,
    who: SignedIn,
    multipart: Multipart,
) -> Response {
    let form = match UploadForm::read(multipart).await {
        Ok(form) => form,
        Err(refusal) => return refusal,
    };
    if !who.user.access.can_manage_outreach() || !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let tr = Tr { lang: who.lang };
    let result = match form.parse(tr) {
        Ok(new) => match state
            .store
            .add_guidance(&new, Actor::User(who.user.id))
            .await
        {
            Ok(_) => Ok(Redirect::to("/guidance").into_response()),
            Err(error) => Err(UiError::from(error)),
        },
        Err(errors) => page(&state, &who, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    result.unwrap_or_else(|error| error.into_page(who.lang))
}

/// `GET /guidance/{id}`: one version's file, as an attachment with its own media type.
pub async fn download(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = GuidanceId::parse(&id) else {
        return not_found(&who);
    };
    match state.store.guidance_file(id).await {
        Ok((guidance, file)) => (
            [
                (header::CONTENT_TYPE, guidance.kind.media_type().to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    content_disposition(guidance.file_name.as_str()),
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            file.bytes().to_vec(),
        )
            .into_response(),
        Err(StoreError::NotFound { .. }) => not_found(&who),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// An attachment header naming the file: an ASCII fallback and the exact name in RFC 5987
/// form, since Vietnamese file names are not ASCII.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_in_a_header() {
        assert_eq!(
            safe_file_name("C:\\Tài liệu\\hướng dẫn.pdf"),
            "hướng dẫn.pdf"
        );
        assert_eq!(safe_file_name("a\"b.pdf"), "");
        assert_eq!(
            content_disposition("Hướng dẫn tôm.pdf"),
            "attachment; filename=\"H__ng d_n t_m.pdf\"; filename*=UTF-8''H%C6%B0%E1%BB%9Bng%20d%E1%BA%ABn%20t%C3%B4m.pdf"
        );
        assert_eq!(size_text(10), "1 kB");
        assert_eq!(size_text(3 * 1024 * 1024 / 2), "1.5 MB");
    }
}

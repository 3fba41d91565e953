//! Product pages: an organisation registers its products with their GTIN, label details,
//! catalogue group, pilot chain and photos; the province sees every product and approves or
//! suspends them.

use std::sync::LazyLock;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use nguon_chains::Catalogue;
use nguon_domain::units::{UnitCode, amount_text};
use nguon_domain::{
    Actor, ApprovalStatus, Image, OrganisationId, Product, ProductDetails, ProductForm,
    ProductGroupCode, ProductGroupDetails, RecordName,
};
use nguon_gs1::Gtin;
use nguon_store::{RecordQuery, Registry, StoreError};

use crate::AppState;
use crate::ui::Chrome;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::pages::{UiError, forbidden};
use crate::ui::registry::{
    FieldErrors, StatusForm, editable, prefix_of_another, product_groups, review, review_actions,
    reviewer, status_label, visible, writer,
};
use crate::ui::session::SignedIn;

/// The pilot-chain templates a product may follow; `None` if the embedded set is broken, which
/// its own tests rule out, so the select is then only empty.
static CHAINS: LazyLock<Option<Catalogue>> = LazyLock::new(|| match Catalogue::embedded() {
    Ok(catalogue) => Some(catalogue),
    Err(error) => {
        tracing::error!(%error, "the embedded chain templates do not load");
        None
    }
});

/// A value a select offers: value, label, picked.
type Choice = (String, String, bool);

/// What the product form sends, kept as typed so a refused form shows it again.
#[derive(Debug, Default)]
pub struct ProductFields {
    gtin: String,
    name_vi: String,
    name_en: String,
    brand: String,
    net_content: String,
    net_content_unit: String,
    standards: String,
    shelf_life_days: String,
    ocop_stars: String,
    group: String,
    chain: String,
    csrf: String,
    /// The photo's bytes, when one was chosen.
    image: Option<Vec<u8>>,
}

impl ProductFields {
    /// The form filled with a stored product.
    fn of(details: &ProductDetails) -> Self {
        let text = |value: Option<String>| value.unwrap_or_default();
        Self {
            gtin: details.gtin.as_str().to_owned(),
            name_vi: details.name_vi.as_str().to_owned(),
            name_en: text(details.name_en.as_ref().map(|n| n.as_str().to_owned())),
            brand: text(details.brand.clone()),
            net_content: text(details.net_content.map(|n| amount_text(n.amount()))),
            net_content_unit: text(details.net_content.map(|n| n.unit().as_str().to_owned())),
            standards: details
                .standards
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            shelf_life_days: text(details.shelf_life_days.map(|d| d.to_string())),
            ocop_stars: text(details.ocop_stars.map(|s| s.to_string())),
            group: details.group.as_str().to_owned(),
            chain: text(details.chain.clone()),
            csrf: String::new(),
            image: None,
        }
    }

    /// Reads a multipart form; a part that cannot be read ends the request with 400.
    async fn read(mut multipart: Multipart) -> Result<Self, Response> {
        let bad = |error: axum::extract::multipart::MultipartError| {
            (error.status(), error.body_text()).into_response()
        };
        let mut fields = Self::default();
        while let Some(part) = multipart.next_field().await.map_err(bad)? {
            let name = part.name().unwrap_or_default().to_owned();
            if name == "image" {
                let bytes = part.bytes().await.map_err(bad)?;
                fields.image = (!bytes.is_empty()).then(|| bytes.to_vec());
                continue;
            }
            let value = part.text().await.map_err(bad)?;
            let slot = match name.as_str() {
                "gtin" => &mut fields.gtin,
                "name_vi" => &mut fields.name_vi,
                "name_en" => &mut fields.name_en,
                "brand" => &mut fields.brand,
                "net_content" => &mut fields.net_content,
                "net_content_unit" => &mut fields.net_content_unit,
                "standards" => &mut fields.standards,
                "shelf_life_days" => &mut fields.shelf_life_days,
                "ocop_stars" => &mut fields.ocop_stars,
                "group" => &mut fields.group,
                "chain" => &mut fields.chain,
                "csrf" => &mut fields.csrf,
                _ => continue,
            };
            *slot = value;
        }
        Ok(fields)
    }

    /// Reads every field, with one message in the user's language per bad field. The group must
    /// be in the catalogue and the chain one of the templates.
    fn parse(
        &self,
        tr: Tr,
        groups: &[ProductGroupDetails],
    ) -> Result<(ProductDetails, Option<Image>), FieldErrors> {
        let mut errors = FieldErrors::default();
        let gtin = errors.check("gtin", Gtin::parse(&self.gtin), |_| {
            tr.t("product-error-gtin")
        });
        let name = errors.check("name_vi", RecordName::parse("name", &self.name_vi), |_| {
            tr.t("registry-error-name")
        });
        let group = ProductGroupCode::parse(&self.group)
            .ok()
            .filter(|code| groups.iter().any(|g| g.code == *code));
        let group = errors.check("group", group.ok_or(()), |()| tr.t("product-error-group"));
        let chain_known = self.chain.trim().is_empty()
            || CHAINS
                .as_ref()
                .is_some_and(|c| c.get(self.chain.trim()).is_some());
        if !chain_known {
            errors.add("chain", tr.t("product-error-chain"));
        }
        let image = match self.image.clone() {
            None => Some(None),
            Some(bytes) => errors
                .check("image", Image::parse(bytes), |_| {
                    tr.t("product-error-image")
                })
                .map(Some),
        };
        let form = ProductForm {
            name_en: &self.name_en,
            brand: &self.brand,
            net_content: &self.net_content,
            net_content_unit: &self.net_content_unit,
            standards: &self.standards,
            shelf_life_days: &self.shelf_life_days,
            ocop_stars: &self.ocop_stars,
            chain: self.chain.trim(),
        };
        let (Some(gtin), Some(name), Some(group), Some(image)) = (gtin, name, group, image) else {
            return Err(errors);
        };
        let details = ProductDetails::new(gtin, name, group).with_form_fields(&form);
        match details {
            Ok(details) if errors.is_empty() => Ok((details, image)),
            Ok(_) => Err(errors),
            Err(error) => {
                errors.add(
                    optional_field(&error),
                    tr.t(&format!(
                        "product-error-{}",
                        optional_field(&error).replace('_', "-")
                    )),
                );
                Err(errors)
            }
        }
    }
}

/// The form field an optional product field's error names.
fn optional_field(error: &nguon_domain::DomainError) -> &'static str {
    let text = error.to_string();
    [
        ("English name", "name_en"),
        ("brand", "brand"),
        ("net content", "net_content"),
        ("applied standard", "standards"),
        ("shelf life", "shelf_life_days"),
        ("OCOP stars", "ocop_stars"),
    ]
    .into_iter()
    .find(|(label, _)| text.starts_with(label))
    .map_or("chain", |(_, field)| field)
}

/// The product form, new or edit.
#[derive(Template, WebTemplate)]
#[template(path = "product_form.html")]
struct FormPage {
    chrome: Chrome,
    csrf: String,
    action: String,
    editing: bool,
    units: Vec<Choice>,
    groups: Vec<Choice>,
    chains: Vec<Choice>,
    form: ProductFields,
    errors: FieldErrors,
}

/// A group's name in `lang`.
fn group_name(lang: Lang, group: &ProductGroupDetails) -> String {
    match lang {
        Lang::Vi => group.name_vi.as_str().to_owned(),
        Lang::En => group.name_en.as_str().to_owned(),
    }
}

async fn form_page(
    state: &AppState,
    who: &SignedIn,
    editing: Option<&Product>,
    form: ProductFields,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let catalogue = match product_groups(state).await {
        Ok(groups) => groups,
        Err(error) => return error.into_page(who.lang),
    };
    let action = match editing {
        Some(product) => format!("/products/{}/edit", product.id),
        None => "/products".to_owned(),
    };
    let here = if editing.is_some() {
        action.clone()
    } else {
        "/products/new".to_owned()
    };
    let vi = who.lang == Lang::Vi;
    let page = FormPage {
        chrome: Chrome::signed_in(who, &here),
        csrf: who.session.csrf_token.clone(),
        action,
        editing: editing.is_some(),
        units: UnitCode::amounts()
            .map(|unit| {
                let label = if vi { unit.vi } else { unit.en };
                let picked = unit.code == form.net_content_unit;
                (unit.code.to_owned(), label.to_owned(), picked)
            })
            .collect(),
        groups: catalogue
            .iter()
            .map(|g| {
                let code = g.code.as_str().to_owned();
                let picked = code == form.group;
                (code, group_name(who.lang, g), picked)
            })
            .collect(),
        chains: CHAINS
            .iter()
            .flat_map(Catalogue::iter)
            .map(|c| {
                let label = if vi { &c.name().vi } else { &c.name().en };
                let picked = c.id() == form.chain.trim();
                (c.id().to_owned(), label.clone(), picked)
            })
            .collect(),
        form,
        errors,
    };
    (status, page).into_response()
}

/// `GET /products/new`: the empty form, for organisation users.
pub async fn new_form(State(state): State<AppState>, who: SignedIn) -> Response {
    if writer(&who).is_none() {
        return forbidden(who.lang, Some(&who));
    }
    let form = ProductFields::default();
    form_page(
        &state,
        &who,
        None,
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Parses a form, checks the GTIN's company prefix is not another organisation's, and stores
/// the photo; the product's details, or the form again with its errors.
async fn accept(
    state: &AppState,
    who: &SignedIn,
    own: OrganisationId,
    form: &ProductFields,
    mut images: Vec<nguon_domain::MediaId>,
) -> Result<Result<ProductDetails, FieldErrors>, UiError> {
    let tr = Tr { lang: who.lang };
    let (mut details, image) = match form.parse(tr, &product_groups(state).await?) {
        Ok(parsed) => parsed,
        Err(errors) => return Ok(Err(errors)),
    };
    // A GTIN-14's first digit is the packaging indicator; the company prefix follows it.
    if let Some(owner) = prefix_of_another(state, own, &details.gtin.as_str()[1..]).await? {
        let mut errors = FieldErrors::default();
        errors.add("gtin", tr.t1("registry-error-prefix", "owner", &owner));
        return Ok(Err(errors));
    }
    if let Some(image) = image {
        images.push(
            state
                .store
                .store_image(own, &image, Actor::User(who.user.id))
                .await?,
        );
    }
    details.images = images;
    Ok(Ok(details))
}

/// `POST /products` (multipart): registers a product of the user's organisation, pending review.
pub async fn create(
    State(state): State<AppState>,
    who: SignedIn,
    multipart: Multipart,
) -> Response {
    let form = match ProductFields::read(multipart).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let Some(own) = writer(&who).filter(|_| who.csrf_ok(&form.csrf)) else {
        return forbidden(who.lang, Some(&who));
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let details = match accept(&state, &who, own, &form, Vec::new()).await {
        Ok(Ok(details)) => details,
        Ok(Err(errors)) => return form_page(&state, &who, None, form, errors, unprocessable).await,
        Err(error) => return error.into_page(who.lang),
    };
    let actor = Actor::User(who.user.id);
    match state
        .store
        .register(Some(own), &details, ApprovalStatus::Pending, actor)
        .await
    {
        Ok(product) => Redirect::to(&format!("/products/{}", product.id)).into_response(),
        Err(StoreError::Conflict { .. }) => {
            let mut errors = FieldErrors::default();
            errors.add("gtin", Tr { lang: who.lang }.t("product-error-gtin-taken"));
            form_page(&state, &who, None, form, errors, StatusCode::CONFLICT).await
        }
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// `GET /products/{id}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    match editable::<ProductDetails>(&state, &who, &id).await {
        Ok(product) => {
            let form = ProductFields::of(&product.details);
            let errors = FieldErrors::default();
            form_page(&state, &who, Some(&product), form, errors, StatusCode::OK).await
        }
        Err(refusal) => refusal.into_page(&who),
    }
}

/// `POST /products/{id}/edit` (multipart): replaces the details; a chosen photo is added to the
/// ones it has. The GTIN may not change, since it is printed.
pub async fn update(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let form = match ProductFields::read(multipart).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let product = match editable::<ProductDetails>(&state, &who, &id).await {
        Ok(product) => product,
        Err(refusal) => return refusal.into_page(&who),
    };
    let Some(own) = product.organisation else {
        return forbidden(who.lang, Some(&who));
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let gtin_changed = Gtin::parse(&form.gtin).is_ok_and(|gtin| gtin != product.details.gtin);
    if gtin_changed {
        let mut errors = FieldErrors::default();
        errors.add("gtin", Tr { lang: who.lang }.t("registry-error-key-fixed"));
        return form_page(&state, &who, Some(&product), form, errors, unprocessable).await;
    }
    let images = product.details.images.clone();
    let details = match accept(&state, &who, own, &form, images).await {
        Ok(Ok(details)) => details,
        Ok(Err(errors)) => {
            return form_page(&state, &who, Some(&product), form, errors, unprocessable).await;
        }
        Err(error) => return error.into_page(who.lang),
    };
    match state
        .store
        .edit(product.id, &details, Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to(&format!("/products/{}", product.id)).into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// A product as the list shows it.
struct ProductRow {
    id: String,
    name: String,
    gtin: String,
    group: String,
    status: String,
}

/// The product list.
#[derive(Template, WebTemplate)]
#[template(path = "products.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<ProductRow>,
    can_add: bool,
}

/// `GET /products`: an organisation's own products, or every product for province roles.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> Response {
    let tr = Tr { lang: who.lang };
    let organisation = who.user.access.organisation();
    if organisation.is_none() && !who.user.access.sees_all_organisations() {
        return forbidden(who.lang, Some(&who));
    }
    let query = RecordQuery {
        organisation: organisation.filter(|_| !who.user.access.sees_all_organisations()),
        ..RecordQuery::default()
    };
    let listed = async {
        let products = state.store.list::<ProductDetails>(&query).await?;
        Ok::<_, UiError>((products, product_groups(&state).await?))
    };
    let (products, catalogue) = match listed.await {
        Ok(listed) => listed,
        Err(error) => return error.into_page(who.lang),
    };
    let group_label = |code: &ProductGroupCode| {
        catalogue
            .iter()
            .find(|g| g.code == *code)
            .map_or_else(|| code.to_string(), |g| group_name(who.lang, g))
    };
    ListPage {
        chrome: Chrome::signed_in(&who, "/products"),
        rows: products
            .iter()
            .map(|p| ProductRow {
                id: p.id.to_string(),
                name: p.details.name_vi.as_str().to_owned(),
                gtin: p.details.gtin.as_str().to_owned(),
                group: group_label(&p.details.group),
                status: status_label(tr, p.status),
            })
            .collect(),
        can_add: writer(&who).is_some(),
    }
    .into_response()
}

/// The product page.
#[derive(Template, WebTemplate)]
#[template(path = "product.html")]
struct DetailPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    name_vi: String,
    name_en: String,
    gtin: String,
    brand: String,
    net_content: String,
    standards: Vec<String>,
    shelf_life_days: String,
    ocop_stars: String,
    group: String,
    chain: String,
    images: Vec<String>,
    status: String,
    can_edit: bool,
    actions: Vec<(&'static str, String)>,
}

/// `GET /products/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let product = match visible::<ProductDetails>(&state, &who, &id).await {
        Ok(product) => product,
        Err(refusal) => return refusal.into_page(&who),
    };
    let catalogue = match product_groups(&state).await {
        Ok(groups) => groups,
        Err(error) => return error.into_page(who.lang),
    };
    let tr = Tr { lang: who.lang };
    let vi = who.lang == Lang::Vi;
    let details = &product.details;
    let text = |value: Option<String>| value.unwrap_or_default();
    DetailPage {
        chrome: Chrome::signed_in(&who, &format!("/products/{}", product.id)),
        csrf: who.session.csrf_token.clone(),
        id: product.id.to_string(),
        name_vi: details.name_vi.as_str().to_owned(),
        name_en: text(details.name_en.as_ref().map(|n| n.as_str().to_owned())),
        gtin: details.gtin.as_str().to_owned(),
        brand: text(details.brand.clone()),
        net_content: text(
            details
                .net_content
                .map(|n| format!("{} {}", amount_text(n.amount()), n.unit().symbol(vi))),
        ),
        standards: details
            .standards
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        shelf_life_days: text(details.shelf_life_days.map(|d| d.to_string())),
        ocop_stars: text(details.ocop_stars.map(|s| "★".repeat(usize::from(s)))),
        group: catalogue
            .iter()
            .find(|g| g.code == details.group)
            .map_or_else(|| details.group.to_string(), |g| group_name(who.lang, g)),
        chain: text(details.chain.as_ref().map(|id| {
            CHAINS.as_ref().and_then(|c| c.get(id)).map_or_else(
                || id.clone(),
                |c| {
                    if vi {
                        c.name().vi.clone()
                    } else {
                        c.name().en.clone()
                    }
                },
            )
        })),
        images: details
            .images
            .iter()
            .map(|m| format!("/media/{m}"))
            .collect(),
        status: status_label(tr, product.status),
        can_edit: writer(&who).is_some() && writer(&who) == product.organisation,
        actions: if reviewer(&who) {
            review_actions(tr, product.status)
        } else {
            Vec::new()
        },
    }
    .into_response()
}

/// `POST /products/{id}/status`: a province admin approves or suspends a product.
pub async fn set_status(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    review::<ProductDetails>(&state, &who, &id, &form.status, "/products").await
}

//! The registry as JSON: `/api/v1/facilities`, `/api/v1/products` and `/api/v1/product-groups`
//! (list, create, read, replace), and `POST /api/v1/{facilities|products}/{id}/status` for the
//! province's review.
//!
//! Bodies are the records' typed details, so a body that deserialises is valid. An
//! organisation key sees and writes only its organisation's facilities and products; another
//! organisation's record is a 404, as if it did not exist. Province keys read everything,
//! review, and keep the product-group catalogue.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use nguon_domain::{
    Actor, ApprovalStatus, FacilityDetails, OrganisationId, ProductDetails, ProductGroupDetails,
    RecordId, Registered, RegistryDetails,
};
use nguon_store::{RecordQuery, Registry, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Largest request body: a facility outline of 500 points fits many times over.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// What the API needs to know of a kind of record beyond its details.
trait ApiRecord: RegistryDetails {
    /// The collection's path under `/api/v1`.
    const PATH: &'static str;
    /// Whether the province keeps these records (the catalogue) rather than organisations.
    const PROVINCE_KEPT: bool;

    /// The digits of the GS1 key from where its company prefix starts, if it has one, so a key
    /// from another organisation's prefix is refused.
    fn prefix_digits(&self) -> Option<&str>;
}

impl ApiRecord for FacilityDetails {
    const PATH: &'static str = "facilities";
    const PROVINCE_KEPT: bool = false;

    fn prefix_digits(&self) -> Option<&str> {
        Some(self.gln.as_str())
    }
}

impl ApiRecord for ProductDetails {
    const PATH: &'static str = "products";
    const PROVINCE_KEPT: bool = false;

    fn prefix_digits(&self) -> Option<&str> {
        // A GTIN-14's first digit is the packaging indicator; the prefix follows it.
        Some(&self.gtin.as_str()[1..])
    }
}

impl ApiRecord for ProductGroupDetails {
    const PATH: &'static str = "product-groups";
    const PROVINCE_KEPT: bool = true;

    fn prefix_digits(&self) -> Option<&str> {
        None
    }
}

/// What `POST /api/v1/{facilities|products}/{id}/status` reads.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusChange {
    status: String,
}

async fn read_body<T: serde::de::DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::BadRequest {
            field: "body",
            rule: format!("must be at most {MAX_BODY_BYTES} bytes"),
        })?;
    serde_json::from_slice(&bytes).map_err(|error| ApiError::BadRequest {
        field: "body",
        rule: error.to_string(),
    })
}

/// The organisation that writes records of `D` for the caller, or `None` for the province.
fn writer<D: ApiRecord>(caller: &Caller) -> Result<Option<OrganisationId>, ApiError> {
    match (D::PROVINCE_KEPT, caller.reading_scope()) {
        (true, None) => Ok(None),
        (true, Some(_)) => Err(ApiError::forbidden(
            "only a province key keeps the product-group catalogue",
        )),
        (false, Some(own)) => Ok(Some(own)),
        (false, None) => Err(ApiError::forbidden(format!(
            "a province key reviews {} but registers none; use the organisation's key",
            D::PATH
        ))),
    }
}

/// The `NotFound` for a record the caller may not see, the same as for one that does not exist.
fn hidden<D: ApiRecord>(id: RecordId) -> ApiError {
    ApiError::Store(nguon_store::no_such_record(D::KIND, id))
}

fn record_id(id: &str) -> Result<RecordId, ApiError> {
    RecordId::parse(id).map_err(|error| ApiError::BadRequest {
        field: "id",
        rule: error.to_string(),
    })
}

/// The record `id`, if the caller may see it.
async fn visible<D: ApiRecord>(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Registered<D>, ApiError> {
    let id = record_id(id)?;
    let record = state.store.get::<D>(id).await?;
    match caller.reading_scope() {
        Some(own) if !D::PROVINCE_KEPT && record.organisation != Some(own) => Err(hidden::<D>(id)),
        _ => Ok(record),
    }
}

/// Refuses a key whose company prefix another organisation holds, and images of others.
async fn check_owner<D: ApiRecord>(
    state: &AppState,
    owner: Option<OrganisationId>,
    details: &D,
    images: &[nguon_domain::MediaId],
) -> Result<(), ApiError> {
    let Some(own) = owner else { return Ok(()) };
    if let Some(digits) = details.prefix_digits()
        && let Some((holder, prefix)) = state.store.organisation_for_key(digits).await?
        && holder.id != own
    {
        return Err(ApiError::BadRequest {
            field: "key",
            rule: format!(
                "the company prefix {prefix} belongs to another organisation; use your own"
            ),
        });
    }
    for image in images {
        match state.store.image(*image).await {
            Ok((uploader, _)) if uploader == own => {}
            Ok(_) | Err(StoreError::NotFound { .. }) => {
                return Err(ApiError::BadRequest {
                    field: "images",
                    rule: format!("{image} is not an image of this organisation"),
                });
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

async fn list<D: ApiRecord>(
    state: &AppState,
    caller: &Caller,
) -> Result<Json<Vec<Registered<D>>>, ApiError> {
    let query = RecordQuery {
        organisation: caller.reading_scope().filter(|_| !D::PROVINCE_KEPT),
        ..RecordQuery::default()
    };
    Ok(Json(state.store.list::<D>(&query).await?))
}

async fn create<D: ApiRecord>(
    state: &AppState,
    caller: &Caller,
    body: Body,
    images: impl Fn(&D) -> Vec<nguon_domain::MediaId>,
) -> Result<Response, ApiError> {
    let owner = writer::<D>(caller)?;
    let details: D = read_body(body).await?;
    check_owner(state, owner, &details, &images(&details)).await?;
    // The province's own records need no review; an organisation's wait for it.
    let status = match owner {
        None => ApprovalStatus::Approved,
        Some(_) => ApprovalStatus::Pending,
    };
    let record = state
        .store
        .register(owner, &details, status, Actor::ApiKey(caller.key_id))
        .await?;
    let location = format!("/api/v1/{}/{}", D::PATH, record.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(record),
    )
        .into_response())
}

async fn replace<D: ApiRecord>(
    state: &AppState,
    caller: &Caller,
    id: &str,
    body: Body,
    images: impl Fn(&D) -> Vec<nguon_domain::MediaId>,
) -> Result<Json<Registered<D>>, ApiError> {
    let owner = writer::<D>(caller)?;
    let record = visible::<D>(state, caller, id).await?;
    let details: D = read_body(body).await?;
    check_owner(state, owner, &details, &images(&details)).await?;
    Ok(Json(
        state
            .store
            .edit(record.id, &details, Actor::ApiKey(caller.key_id))
            .await?,
    ))
}

async fn review<D: ApiRecord>(
    state: &AppState,
    caller: &Caller,
    id: &str,
    body: Body,
) -> Result<Json<Registered<D>>, ApiError> {
    if caller.reading_scope().is_some() {
        return Err(ApiError::forbidden(
            "only a province key approves or suspends records",
        ));
    }
    let record = visible::<D>(state, caller, id).await?;
    let change: StatusChange = read_body(body).await?;
    let status = ApprovalStatus::parse(&change.status).map_err(|error| ApiError::BadRequest {
        field: "status",
        rule: error.to_string(),
    })?;
    Ok(Json(
        state
            .store
            .review::<D>(record.id, status, Actor::ApiKey(caller.key_id))
            .await?,
    ))
}

/// Facility and product-group bodies name no images.
fn no_images<D>(_: &D) -> Vec<nguon_domain::MediaId> {
    Vec::new()
}

fn product_images(product: &ProductDetails) -> Vec<nguon_domain::MediaId> {
    product.images.clone()
}

/// Declares the annotated handlers of one collection, which differ only in their kind, path
/// and words.
macro_rules! collection {
    (
        $details:ty, $path:literal, $tag:literal, $what:literal, $plural:literal, $images:expr,
        $list:ident, $create:ident, $one:ident, $replace:ident
    ) => {
        #[utoipa::path(
            get,
            path = concat!("/api/v1/", $path),
            tag = $tag,
            summary = concat!("List ", $plural),
            description = concat!("Every ", $what, " the key may see, oldest first: an organisation key sees its own (product groups: the whole catalogue), a province key all."),
            responses(
                (status = 200, description = concat!("The ", $plural, ": id, organisation, status, created_at, updated_at, details"), body = serde_json::Value),
                crate::error::responses::Unauthorized
            ),
            security(("api_key" = []))
        )]
        #[doc = concat!("`GET /api/v1/", $path, "`.")]
        pub async fn $list(
            State(state): State<AppState>,
            caller: Caller,
        ) -> Result<Json<Vec<Registered<$details>>>, ApiError> {
            list::<$details>(&state, &caller).await
        }

        #[utoipa::path(
            post,
            path = concat!("/api/v1/", $path),
            tag = $tag,
            summary = concat!("Register a ", $what),
            description = concat!("Body: the ", $what, "'s details. An organisation's record starts pending review; the province's catalogue entries start approved."),
            request_body(content = serde_json::Value, content_type = "application/json"),
            responses(
                (status = 201, description = concat!("The stored ", $what, "; Location names it"), body = serde_json::Value),
                (status = 400, description = "The body breaks a rule, or its key's company prefix belongs to another organisation", body = crate::error::Problem, content_type = "application/problem+json"),
                crate::error::responses::Unauthorized,
                (status = 403, description = "The key may not register these records", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "The key is already registered", body = crate::error::Problem, content_type = "application/problem+json")
            ),
            security(("api_key" = []))
        )]
        #[doc = concat!("`POST /api/v1/", $path, "`.")]
        pub async fn $create(
            State(state): State<AppState>,
            caller: Caller,
            body: Body,
        ) -> Result<Response, ApiError> {
            create::<$details>(&state, &caller, body, $images).await
        }

        #[utoipa::path(
            get,
            path = concat!("/api/v1/", $path, "/{id}"),
            tag = $tag,
            summary = concat!("Read a ", $what),
            params(("id" = inline(crate::schema::Uuid7), Path, description = "The record's id")),
            responses(
                (status = 200, description = concat!("The ", $what), body = serde_json::Value),
                crate::error::responses::MalformedId,
                crate::error::responses::Unauthorized,
                (status = 404, description = "No such record, or another organisation's", body = crate::error::Problem, content_type = "application/problem+json")
            ),
            security(("api_key" = []))
        )]
        #[doc = concat!("`GET /api/v1/", $path, "/{id}`.")]
        pub async fn $one(
            State(state): State<AppState>,
            caller: Caller,
            Path(id): Path<String>,
        ) -> Result<Json<Registered<$details>>, ApiError> {
            Ok(Json(visible::<$details>(&state, &caller, &id).await?))
        }

        #[utoipa::path(
            put,
            path = concat!("/api/v1/", $path, "/{id}"),
            tag = $tag,
            summary = concat!("Replace a ", $what, "'s details"),
            description = "Body: the new details. The key (GLN, GTIN, group code) cannot change once registered, since it may be printed.",
            params(("id" = inline(crate::schema::Uuid7), Path, description = "The record's id")),
            request_body(content = serde_json::Value, content_type = "application/json"),
            responses(
                (status = 200, description = concat!("The ", $what, " as stored"), body = serde_json::Value),
                (status = 400, description = "The body breaks a rule", body = crate::error::Problem, content_type = "application/problem+json"),
                crate::error::responses::Unauthorized,
                (status = 403, description = "The key may not write these records", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such record, or another organisation's", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "The key would change", body = crate::error::Problem, content_type = "application/problem+json")
            ),
            security(("api_key" = []))
        )]
        #[doc = concat!("`PUT /api/v1/", $path, "/{id}`.")]
        pub async fn $replace(
            State(state): State<AppState>,
            caller: Caller,
            Path(id): Path<String>,
            body: Body,
        ) -> Result<Json<Registered<$details>>, ApiError> {
            replace::<$details>(&state, &caller, &id, body, $images).await
        }
    };
}

collection!(
    FacilityDetails,
    "facilities",
    "Registry",
    "facility",
    "facilities",
    no_images,
    list_facilities,
    create_facility,
    facility,
    replace_facility
);

collection!(
    ProductDetails,
    "products",
    "Registry",
    "product",
    "products",
    product_images,
    list_products,
    create_product,
    product,
    replace_product
);

collection!(
    ProductGroupDetails,
    "product-groups",
    "Registry",
    "product group",
    "product groups",
    no_images,
    list_product_groups,
    create_product_group,
    product_group,
    replace_product_group
);

/// Declares the review handler of one collection.
macro_rules! review_route {
    ($details:ty, $path:literal, $what:literal, $name:ident) => {
        #[utoipa::path(
            post,
            path = concat!("/api/v1/", $path, "/{id}/status"),
            tag = "Registry",
            summary = concat!("Approve or suspend a ", $what),
            description = "Body: `{\"status\": \"approved\"|\"suspended\"|\"pending\"}`, along the approval lifecycle. Needs a province key.",
            params(("id" = inline(crate::schema::Uuid7), Path, description = "The record's id")),
            request_body(content = serde_json::Value, content_type = "application/json"),
            responses(
                (status = 200, description = concat!("The ", $what, " with its new status"), body = serde_json::Value),
                (status = 400, description = "The status is unknown", body = crate::error::Problem, content_type = "application/problem+json"),
                crate::error::responses::Unauthorized,
                (status = 403, description = "Not a province key", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such record", body = crate::error::Problem, content_type = "application/problem+json")
            ),
            security(("api_key" = []))
        )]
        #[doc = concat!("`POST /api/v1/", $path, "/{id}/status`.")]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            Path(id): Path<String>,
            body: Body,
        ) -> Result<Json<Registered<$details>>, ApiError> {
            review::<$details>(&state, &caller, &id, body).await
        }
    };
}

review_route!(FacilityDetails, "facilities", "facility", review_facility);
review_route!(ProductDetails, "products", "product", review_product);

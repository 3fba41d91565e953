//! OpenAPI schemas of values the routes read by hand (ids in paths, headers and bodies), so
//! that the document states the rule a request must follow instead of "any string".

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, SchemaFormat, Type};

/// A record id in a path, a header or a body: a UUID version 7 in its hyphenated form, as
/// every id here is.
pub struct Uuid7;

impl utoipa::PartialSchema for Uuid7 {
    fn schema() -> RefOr<Schema> {
        uuid7().into()
    }
}

impl utoipa::ToSchema for Uuid7 {}

/// [`Uuid7`]'s schema, for a body field's `schema_with`.
pub fn uuid7() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("uuid".to_owned())))
        .pattern(Some(format!("^{UUID7}$")))
        .examples(["0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f"])
        .build()
}

/// A UUID version 7, hyphenated.
const UUID7: &str =
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}";

/// A filter by record id that a form may send empty: a [`Uuid7`], or nothing for any.
pub struct Uuid7OrEmpty;

impl utoipa::PartialSchema for Uuid7OrEmpty {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!("^({UUID7})?$")))
            .examples(["0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f"])
            .build()
            .into()
    }
}

impl utoipa::ToSchema for Uuid7OrEmpty {}

/// A named query's name in a path or a body: 1 to 128 unreserved URI characters.
pub struct QueryName;

impl utoipa::PartialSchema for QueryName {
    fn schema() -> RefOr<Schema> {
        query_name().into()
    }
}

impl utoipa::ToSchema for QueryName {}

/// [`QueryName`]'s schema, for a body field's `schema_with`.
pub fn query_name() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9._~-]{1,128}$"))
        .examples(["shipments-of-frozen-shrimp"])
        .build()
}

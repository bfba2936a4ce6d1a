//! Schemas written by hand, for values that take more than one form.

/// A query flag's schema: `true`/`false`, or `1`/`0`.
pub(crate) fn flag_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(SchemaType::new(Type::Boolean)))
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::Integer))
                    .enum_values(Some([0, 1])),
            )
            .build(),
    )
}

/// A date (`2025-04-01`) or an RFC 3339 time (`2025-04-01T10:00:00Z`).
pub(crate) fn date_or_time_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{
        KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType, Type,
    };
    let string = |format| {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .format(Some(SchemaFormat::KnownFormat(format)))
    };
    Schema::OneOf(
        OneOfBuilder::new()
            .item(string(KnownFormat::Date))
            .item(string(KnownFormat::DateTime))
            .build(),
    )
}

/// A priority in a request: its code, 1-4, or its name.
pub(crate) fn priority_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::Integer))
                    .minimum(Some(1))
                    .maximum(Some(4)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::String))
                    .enum_values(Some(["low", "normal", "high", "urgent"])),
            )
            .build(),
    )
}

/// A query flag, for `value_type` (unlike `schema_with`, it keeps the
/// parameter's own description): [`flag_schema`].
pub(crate) struct Flag;

impl utoipa::PartialSchema for Flag {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        flag_schema().into()
    }
}

impl utoipa::ToSchema for Flag {}

/// A date or a time in a query, for `value_type`: [`date_or_time_schema`].
pub(crate) struct DateOrTime;

impl utoipa::PartialSchema for DateOrTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        date_or_time_schema().into()
    }
}

impl utoipa::ToSchema for DateOrTime {}

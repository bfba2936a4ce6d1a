//! The domain's rules on text, written into the document: each request
//! field's `minLength`, `maxLength` and `pattern`, the attachments' count,
//! and the query parameters that follow a rule.

use ticketd_domain::rules::{self, TextRule};
use utoipa::openapi::{OpenApi, RefOr};

/// Which request field follows which of the domain's rules: the document's
/// `minLength`, `maxLength` and `pattern` of each are written from the rule,
/// as the DTOs' `validator` attributes are, so the two cannot disagree.
pub const FIELD_RULES: &[(&str, &str, TextRule)] = &[
    ("OpenTicketRequest", "subject", rules::SUBJECT),
    ("OpenTicketRequest", "description", rules::DESCRIPTION),
    ("OpenTicketRequest", "userId", rules::USER_ID),
    ("OpenTicketRequest", "assigneeId", rules::USER_ID),
    ("UpdateTicketRequest", "assigneeId", rules::USER_ID),
    ("AddMessageRequest", "message", rules::MESSAGE_BODY),
    ("AttachmentRef", "fileName", rules::FILE_NAME),
    ("AttachmentRef", "filePath", rules::FILE_PATH),
    (
        "CreateCategoryRequest",
        "categoryName",
        rules::CATEGORY_NAME,
    ),
];

/// Query parameters that follow a rule: a single value, or a comma-separated
/// list of values.
const PARAMETER_RULES: &[(&str, TextRule, bool)] = &[
    ("keyword", rules::KEYWORD, false),
    ("assigneeId", rules::USER_ID, true),
    ("userId", rules::USER_ID, true),
];

/// Writes the domain's rules into the document: request fields, the
/// attachments' count, and query parameters.
pub(super) fn apply_rules(openapi: &mut OpenApi) {
    use utoipa::openapi::schema::Schema;
    fn object(schema: Option<&mut RefOr<Schema>>) -> Option<&mut utoipa::openapi::schema::Object> {
        match schema {
            Some(RefOr::T(Schema::Object(o))) => Some(o),
            _ => None,
        }
    }
    if let Some(components) = openapi.components.as_mut() {
        for (schema, field, rule) in FIELD_RULES {
            let Some(RefOr::T(Schema::Object(owner))) = components.schemas.get_mut(*schema) else {
                continue;
            };
            if let Some(property) = object(owner.properties.get_mut(*field)) {
                property.min_length = usize::try_from(rule.min_chars).ok();
                property.max_length = usize::try_from(rule.max_chars).ok();
                property.pattern = Some(rule.pattern());
            }
        }
        if let Some(RefOr::T(Schema::Object(message))) =
            components.schemas.get_mut("AddMessageRequest")
            && let Some(RefOr::T(Schema::Array(list))) = message.properties.get_mut("attachments")
        {
            list.max_items = usize::try_from(rules::MAX_ATTACHMENTS).ok();
        }
    }
    for item in openapi.paths.paths.values_mut() {
        for operation in super::operations_mut(item) {
            for parameter in operation.parameters.iter_mut().flatten() {
                let Some((_, rule, list)) = PARAMETER_RULES
                    .iter()
                    .find(|(name, ..)| *name == parameter.name)
                else {
                    continue;
                };
                if let Some(schema) = object(parameter.schema.as_mut()) {
                    if *list {
                        schema.pattern = Some(rule.list_pattern());
                    } else {
                        schema.max_length = usize::try_from(rule.max_chars).ok();
                        schema.pattern = Some(rule.pattern());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use ticketd_app::FieldError;

    use super::FIELD_RULES;
    use crate::dto::{
        AddMessageRequest, CreateCategoryRequest, OpenTicketRequest, UpdateTicketRequest,
    };

    /// The fields `validator` (and the conversion after it) finds wrong when
    /// `field` of the request body `schema` is `value`, the other fields valid.
    fn invalid_fields(schema: &str, field: &str, value: &str) -> Vec<String> {
        fn errors<T: serde::de::DeserializeOwned>(
            body: Value,
            convert: impl FnOnce(T) -> Result<(), Vec<FieldError>>,
        ) -> Vec<String> {
            let request: T = serde_json::from_value(body).unwrap();
            convert(request)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect()
        }
        let mut body = match schema {
            "OpenTicketRequest" => json!({"subject": "s", "description": "d", "categoryId": 1}),
            "UpdateTicketRequest" => json!({}),
            "AddMessageRequest" => json!({}),
            "AttachmentRef" => json!({"fileName": "a.pdf", "filePath": "/uploads/a.pdf"}),
            "CreateCategoryRequest" => json!({"categoryName": "c"}),
            other => panic!("no request body {other}"),
        };
        body[field] = json!(value);
        match schema {
            "OpenTicketRequest" => errors(body, |r: OpenTicketRequest| r.into_input().map(drop)),
            "UpdateTicketRequest" => {
                errors(body, |r: UpdateTicketRequest| r.into_changes().map(drop))
            }
            "AddMessageRequest" => errors(body, |r: AddMessageRequest| r.into_input().map(drop)),
            "AttachmentRef" => errors(json!({"attachments": [body]}), |r: AddMessageRequest| {
                r.into_input().map(drop)
            })
            .into_iter()
            .map(|f| f.trim_start_matches("attachments[0].").to_owned())
            .collect(),
            _ => errors(body, |r: CreateCategoryRequest| r.into_parts().map(drop)),
        }
    }

    /// The `max` of the `length` check `validator` reports for `field` when
    /// its value is `value`, if it reports one.
    fn length_max(schema: &str, field: &str, value: &str) -> Option<u64> {
        use validator::Validate;
        fn check<T: serde::de::DeserializeOwned + Validate>(
            body: Value,
        ) -> Option<validator::ValidationErrors> {
            serde_json::from_value::<T>(body).unwrap().validate().err()
        }
        let body = json!({ *field: value });
        let errors = match schema {
            "OpenTicketRequest" => check::<OpenTicketRequest>(body),
            "UpdateTicketRequest" => check::<UpdateTicketRequest>(body),
            "AddMessageRequest" => check::<AddMessageRequest>(body),
            "AttachmentRef" => check::<crate::dto::AttachmentRef>(json!({
                "fileName": "a", "filePath": "/uploads/a", *field: value
            })),
            _ => check::<CreateCategoryRequest>(body),
        }?;
        let rust_name: String = field
            .chars()
            .flat_map(|c| {
                if c.is_uppercase() {
                    vec!['_', c.to_ascii_lowercase()]
                } else {
                    vec![c]
                }
            })
            .collect();
        errors
            .field_errors()
            .get(rust_name.as_str())
            .and_then(|list| {
                list.iter()
                    .find(|e| e.code == "length")
                    .and_then(|e| e.params.get("max"))
                    .and_then(Value::as_u64)
            })
    }

    #[test]
    fn the_validator_takes_exactly_the_lengths_the_document_states() {
        for (schema, field, rule) in FIELD_RULES {
            let max = usize::try_from(rule.max_chars).unwrap();
            let min = usize::try_from(rule.min_chars).unwrap();
            let fits = if field.contains("Path") {
                format!("/uploads/{}", "é".repeat(max - "/uploads/".len()))
            } else {
                "é".repeat(max)
            };
            assert_eq!(
                invalid_fields(schema, field, &fits),
                Vec::<String>::new(),
                "{schema}.{field} at its maxLength {max}"
            );
            let over = format!("{fits}x");
            assert_eq!(
                length_max(schema, field, &over),
                Some(rule.max_chars),
                "{schema}.{field}: validator's own length check"
            );
            assert_eq!(
                invalid_fields(schema, field, &over),
                [field.to_string()],
                "{schema}.{field} past its maxLength {max}"
            );
            if min > 0 {
                assert_eq!(
                    invalid_fields(schema, field, &"x".repeat(min - 1)),
                    [field.to_string()],
                    "{schema}.{field} below its minLength {min}"
                );
            }
        }
    }

    #[test]
    fn the_validator_counts_attachments_as_the_document_states() {
        let max = usize::try_from(ticketd_domain::rules::MAX_ATTACHMENTS).unwrap();
        let files = |n: usize| {
            let list: Vec<Value> = (0..n)
                .map(|i| json!({"fileName": "a", "filePath": format!("/uploads/{i}")}))
                .collect();
            json!({ "attachments": list })
        };
        let errors = |body: Value| {
            serde_json::from_value::<AddMessageRequest>(body)
                .unwrap()
                .into_input()
                .err()
                .unwrap_or_default()
        };
        assert!(errors(files(max)).is_empty());
        let over = errors(files(max + 1));
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].field, "attachments");
        assert_eq!(
            over[0].message,
            format!("at most {max} attachments per message")
        );
    }
}

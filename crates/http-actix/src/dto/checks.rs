//! Request bodies are checked with `validator`: each DTO derives `Validate`
//! with lengths and ranges taken from the domain's rule constants
//! (`ticketd_domain::rules`) and custom checks that ask the domain's own
//! constructors. This module turns `validator`'s errors into the API's
//! `errors: [{field, message}]`, with the JSON field paths
//! (`attachments[1].fileName`) in the order the fields are declared.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use ticketd_app::FieldError;
use ticketd_domain::{
    CategoryName, Description, FileName, FilePath, MessageBody, Subject, TicketStatus, UserId,
};
use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

use super::ticket_requests::PriorityInput;

/// A request body that `validator` checks.
pub(crate) trait Checked: Validate + DeserializeOwned {
    /// The JSON field names of the items of the nested list `field`, in
    /// declaration order (none by default: no nested lists).
    fn item_fields(_field: &str) -> &'static [&'static str] {
        &[]
    }

    /// Checks every field, reporting each that is wrong (its first problem).
    fn check(&self) -> Result<(), Vec<FieldError>> {
        self.validate().map_err(|errors| {
            let mut found = Vec::new();
            collect(
                &errors,
                json_fields::<Self>(),
                &Self::item_fields,
                "",
                &mut found,
            );
            found.sort_by_key(|(order, _)| order.clone());
            found.into_iter().map(|(_, e)| e).collect()
        })
    }
}

/// Walks `errors` into `found`, each keyed by where its field comes: the
/// field's position among `fields`, then the list index and the item field's
/// position.
fn collect(
    errors: &ValidationErrors,
    fields: &[&str],
    item_fields: &dyn Fn(&str) -> &'static [&'static str],
    prefix: &str,
    found: &mut Vec<(Vec<usize>, FieldError)>,
) {
    let position = |name: &str| fields.iter().position(|f| *f == name).unwrap_or(usize::MAX);
    for (key, kind) in errors.errors() {
        let name = camel_case(key);
        match kind {
            ValidationErrorsKind::Field(list) => {
                if let Some(first) = list.first() {
                    found.push((
                        vec![position(&name)],
                        FieldError::new(format!("{prefix}{name}"), message(first)),
                    ));
                }
            }
            ValidationErrorsKind::List(items) => {
                let inner = item_fields(&name);
                for (index, item) in items {
                    let mut nested = Vec::new();
                    collect(item, inner, &|_| &[], "", &mut nested);
                    for (mut order, e) in nested {
                        order.insert(0, *index);
                        order.insert(0, position(&name));
                        let field = format!("{prefix}{name}[{index}].{}", e.field);
                        found.push((order, FieldError::new(field, e.message)));
                    }
                }
            }
            ValidationErrorsKind::Struct(inner) => {
                let mut nested = Vec::new();
                collect(inner, &[], &|_| &[], "", &mut nested);
                for (mut order, e) in nested {
                    order.insert(0, position(&name));
                    found.push((
                        order,
                        FieldError::new(format!("{prefix}{name}.{}", e.field), e.message),
                    ));
                }
            }
        }
    }
}

/// `file_name` as JSON names it: `fileName`.
fn camel_case(rust_name: &str) -> String {
    let mut out = String::with_capacity(rust_name.len());
    let mut upper = false;
    for c in rust_name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The sentence for one problem: the check's own message, or one made from
/// its parameters in the words the domain uses.
fn message(e: &ValidationError) -> String {
    if let Some(m) = &e.message {
        return m.to_string();
    }
    let param = |name: &str| e.params.get(name).and_then(serde_json::Value::as_u64);
    match e.code.as_ref() {
        "length" => {
            let len = match e.params.get("value") {
                Some(serde_json::Value::String(s)) => s.chars().count() as u64,
                Some(serde_json::Value::Array(a)) => a.len() as u64,
                _ => 0,
            };
            match (param("min"), param("max")) {
                (Some(1), _) if len < 1 => "must not be empty".to_owned(),
                (Some(min), _) if len < min => format!("must be at least {min} characters"),
                (_, Some(max)) => format!("must be at most {max} characters"),
                _ => "has the wrong length".to_owned(),
            }
        }
        "attachments" => match param("max") {
            Some(max) => format!("at most {max} attachments per message"),
            None => "too many attachments".to_owned(),
        },
        code => code.replace('_', " "),
    }
}

/// The names of `T`'s fields as the JSON has them, in declaration order: what
/// serde's derive hands to `deserialize_struct`.
pub(crate) fn json_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldsProbe(&mut fields));
    fields
}

/// A deserializer that only records the field names it is asked for.
struct FieldsProbe<'a>(&'a mut &'static [&'static str]);

impl<'de> serde::Deserializer<'de> for FieldsProbe<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(serde::de::Error::custom("fields recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// A domain constructor's verdict as `validator` wants it.
fn verdict<T>(parsed: Result<T, ticketd_domain::ValidationError>) -> Result<(), ValidationError> {
    parsed
        .map(|_| ())
        .map_err(|e| ValidationError::new("domain").with_message(Cow::Owned(e.0)))
}

/// `Subject::parse` accepts it.
pub(super) fn subject(s: &str) -> Result<(), ValidationError> {
    verdict(Subject::parse(s))
}

/// `Description::parse` accepts it.
pub(super) fn description(s: &str) -> Result<(), ValidationError> {
    verdict(Description::parse(s))
}

/// `MessageBody::parse` accepts it.
pub(super) fn message_body(s: &str) -> Result<(), ValidationError> {
    verdict(MessageBody::parse(s))
}

/// `CategoryName::parse` accepts it.
pub(super) fn category_name(s: &str) -> Result<(), ValidationError> {
    verdict(CategoryName::parse(s))
}

/// `UserId::parse` accepts it.
pub(super) fn user_id(s: &str) -> Result<(), ValidationError> {
    verdict(UserId::parse(s))
}

/// `FileName::parse` accepts it.
pub(super) fn file_name(s: &str) -> Result<(), ValidationError> {
    verdict(FileName::parse(s))
}

/// `FilePath::parse` accepts it.
pub(super) fn file_path(s: &str) -> Result<(), ValidationError> {
    verdict(FilePath::parse(s))
}

/// A status code the workflow knows.
pub(super) fn status_code(code: i64) -> Result<(), ValidationError> {
    verdict(TicketStatus::from_code(code))
}

/// A priority by code or name.
pub(super) fn priority(p: &PriorityInput) -> Result<(), ValidationError> {
    verdict(p.clone().parse())
}

/// Turns a domain constructor's refusal of `field` into the API's list of
/// field errors (after `validator` passed, only a rule the two disagree on
/// can get here).
pub(super) fn parsed<T>(
    field: &str,
    result: Result<T, ticketd_domain::ValidationError>,
) -> Result<T, Vec<FieldError>> {
    result.map_err(|e| vec![FieldError::new(field, e.0)])
}

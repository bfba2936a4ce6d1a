//! The documented response shapes, and checks that real answers have them.

use serde_json::Value;

/// The JSON type of a value, as the contract compares them.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Asserts that `actual` has every field of `documented`, with the same JSON
/// type, recursively (arrays by their first element). Extra fields are allowed.
pub fn assert_same_shape(documented: &Value, actual: &Value, path: &str) {
    assert_eq!(
        json_type(documented),
        json_type(actual),
        "{path}: documented as {documented}, served as {actual}"
    );
    match (documented, actual) {
        (Value::Object(d), Value::Object(a)) => {
            for (key, dv) in d {
                let av = a
                    .get(key)
                    .unwrap_or_else(|| panic!("{path}.{key} is missing from {actual:#}"));
                assert_same_shape(dv, av, &format!("{path}.{key}"));
            }
        }
        (Value::Array(d), Value::Array(a)) => {
            if let (Some(d0), Some(a0)) = (d.first(), a.first()) {
                assert_same_shape(d0, a0, &format!("{path}[0]"));
            }
        }
        _ => {}
    }
}

/// The documented examples of the published API.
pub fn documented() -> Value {
    serde_json::from_str(include_str!("../../fixtures/api-doc-examples.json")).unwrap()
}

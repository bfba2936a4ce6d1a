//! How request fields are read from JSON beyond serde's defaults: optional
//! fields that may be left out but not sent as `null`, whole numbers that
//! JSON may write as `3.0`, and fields whose `null` means something.

use serde::Deserialize;

/// An optional field that may be left out but not sent as `null`.
pub(super) fn not_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)?
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("must not be null; leave the field out instead"))
}

/// An optional list of JSON objects, not `null`.
pub(super) fn not_null_objects<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let objects: Option<Vec<crate::input::Object<T>>> = not_null(d)?;
    Ok(objects.map(|list| list.into_iter().map(|o| o.0).collect()))
}

/// A whole number: JSON's `3`, or `3.0`, up to 2^53 either way.
pub(super) fn whole(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0)
            .map(|f| f as i64)
    })
}

/// An optional whole number, not `null`: JSON's `3` or `3.0`.
pub(super) fn whole_number<'de, D>(d: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let n = serde_json::Number::deserialize(d)?;
    whole(&n)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("must be a whole number"))
}

/// A field whose `null` is a value: absent is `None`, `null` is `Some(None)`.
pub(super) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A JSON object, not an array of its fields (which serde would take).
pub(super) fn object<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(crate::input::Object::<T>::deserialize(d)?.0)
}

/// A JSON object or `null` (absent too, with `#[serde(default)]`).
pub(super) fn object_or_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<crate::input::Object<T>>::deserialize(d)?.map(|o| o.0))
}

/// A whole number or `null` (absent too, with `#[serde(default)]`): JSON's
/// `3` or `3.0`.
pub(super) fn whole_or_null<'de, D>(d: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => whole(&n)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("must be a whole number")),
    }
}

//! JSON bodies read by JSON Schema's rules, which the OpenAPI documents promise.
//!
//! serde reads a struct from an array (`[1, "x"]` fills the fields in order) and refuses `40.0`
//! where an integer is expected. JSON Schema decides the other way on both: an array is not an
//! object, and `40.0` is the integer 40. A generated client, or any validator, follows the
//! schema, so the server does too. `web::Json<Strict<T>>` reads `T` like this (and so does
//! [`from_slice`]).
//!
//! The body is parsed into a `serde_json::Value` first, then read through [`StrictValue`]. That
//! is a deserializer over the value that:
//! - refuses a sequence where a struct is expected;
//! - turns an integer-valued float into the integer when an integer is asked for;
//! - reads nested values the same way.

use std::ops::{Deref, DerefMut};

use serde::{
    Deserialize, Deserializer,
    de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Unexpected, Visitor},
};
use serde_json::{Error, Number, Value};

/// A `T` read from JSON by the schema's rules (see the module docs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Strict<T>(pub T);

impl<T> Strict<T> {
    /// The value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Strict<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Strict<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Strict<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        T::deserialize(StrictValue(value)).map(Strict).map_err(de::Error::custom)
    }
}

impl<T: utoipa::PartialSchema> utoipa::PartialSchema for Strict<T> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        T::schema()
    }
}

impl<T: utoipa::ToSchema> utoipa::ToSchema for Strict<T> {
    fn name() -> std::borrow::Cow<'static, str> {
        T::name()
    }

    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        T::schemas(schemas);
    }
}

/// Reads `T` from JSON bytes by the schema's rules.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    T::deserialize(StrictValue(serde_json::from_slice(bytes)?))
}

/// The integer an integer-valued float stands for, when it fits 64 bits.
fn integral(n: &Number) -> Option<Number> {
    let f = n.as_f64().filter(|f| n.is_f64() && f.is_finite() && f.fract() == 0.0)?;
    // 2^63 and 2^64 are exact in f64, so these bounds are exact. -2^63 itself is left out: an
    // integer below i64's range (`-9223372036854775809`) is read as that float, and must not
    // become `i64::MIN` (the integer -2^63 written as such is read as an integer anyway).
    if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
        Some(Number::from(f as u64))
    } else if f > -9_223_372_036_854_775_808.0 && f < 0.0 {
        Some(Number::from(f as i64))
    } else {
        None
    }
}

/// A JSON value read by the schema's rules.
pub struct StrictValue(pub Value);

macro_rules! forward {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.0.$method(visitor)
        }
    )*};
}

macro_rules! integer {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Number(n) => Value::Number(integral(&n).unwrap_or(n)).$method(visitor),
                other => other.$method(visitor),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for StrictValue {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Seq(items.into_iter())),
            Value::Object(map) => visitor.visit_map(Map { entries: map.into_iter(), value: None }),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(StrictValue(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Seq(items.into_iter())),
            other => other.deserialize_seq(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Map { entries: map.into_iter(), value: None }),
            other => other.deserialize_map(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Map { entries: map.into_iter(), value: None }),
            Value::Array(_) => Err(de::Error::invalid_type(Unexpected::Seq, &visitor)),
            other => other.deserialize_struct(name, fields, visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    integer! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }

    forward! {
        deserialize_bool deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_identifier deserialize_ignored_any
    }
}

struct Seq(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Seq {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(StrictValue(v))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Map {
    entries: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for Map {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(de::value::StringDeserializer::<Error>::new(key)).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let value = self.value.take().ok_or_else(|| <Error as de::Error>::custom("a value without its key"))?;
        seed.deserialize(StrictValue(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        question_id: i64,
        taken: Option<u32>,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Exam {
        answers: Vec<Answer>,
        weights: BTreeMap<String, f64>,
    }

    #[test]
    fn integer_valued_floats_are_integers_and_other_numbers_keep_their_meaning() {
        let exam: Exam =
            from_slice(br#"{"answers":[{"questionId":40.0,"taken":7,"tags":["a"]}],"weights":{"x":0.5,"y":1}}"#)
                .unwrap();
        assert_eq!(exam.answers, [Answer { question_id: 40, taken: Some(7), tags: vec!["a".into()] }]);
        assert_eq!(exam.weights["x"], 0.5);
        assert_eq!(exam.weights["y"], 1.0);
        assert!(from_slice::<Answer>(br#"{"questionId":40.5}"#).is_err(), "a fraction is not an integer");
        assert!(from_slice::<Answer>(br#"{"questionId":1e300}"#).is_err(), "beyond 64 bits");
        assert!(from_slice::<Answer>(br#"{"questionId":-9223372036854775809}"#).is_err(), "below i64");
        let least: Answer = from_slice(br#"{"questionId":-9223372036854775808}"#).unwrap();
        assert_eq!(least.question_id, i64::MIN);
        let negative: Answer = from_slice(br#"{"questionId":-3.0}"#).unwrap();
        assert_eq!(negative.question_id, -3);
    }

    #[test]
    fn an_array_is_not_an_object_at_any_depth() {
        assert!(from_slice::<Answer>(br"[1, null]").is_err());
        let nested = from_slice::<Exam>(br#"{"answers":[[1, null]],"weights":{}}"#);
        assert!(nested.is_err_and(|e| e.to_string().contains("sequence")));
    }

    #[test]
    fn the_wrapper_reads_through_any_deserializer() {
        let Strict(answer): Strict<Answer> = serde_json::from_str(r#"{"questionId":2.0,"taken":null}"#).unwrap();
        assert_eq!(answer, Answer { question_id: 2, taken: None, tags: Vec::new() });
    }
}

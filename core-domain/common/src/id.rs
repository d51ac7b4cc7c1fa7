//! Typed entity ids. An [`Id<K>`] is a positive 64-bit number tagged with what it names, so a
//! post id cannot be passed where a course id is expected, and a value that is not a valid id
//! (0, negative, not a number) is refused where it enters — a path, a body, a token — instead
//! of travelling on as "user 0".

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::{fmt, hash::Hash, marker::PhantomData, str::FromStr};

/// What an id names; `NAME` is how the id is called on the wire (`certificateId`), used in
/// the messages that refuse a bad one.
pub trait IdKind {
    /// The id's wire name, camelCase.
    const NAME: &'static str;
}

/// A positive id of a `K`. Serialises as the bare number.
pub struct Id<K> {
    value: i64,
    kind: PhantomData<fn() -> K>,
}

/// Why a value is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Zero or negative.
    #[error("{name} must be a positive integer")]
    NotPositive {
        /// The id's wire name.
        name: &'static str,
    },
    /// Not a base-10 number that fits 64 bits.
    #[error("{name} must be a positive integer, not {raw:?}")]
    NotANumber {
        /// The id's wire name.
        name: &'static str,
        /// What was given.
        raw: String,
    },
}

impl<K: IdKind> Id<K> {
    /// `value` as an id, refused unless it is positive.
    pub fn new(value: i64) -> Result<Self, IdError> {
        if value > 0 { Ok(Self { value, kind: PhantomData }) } else { Err(IdError::NotPositive { name: K::NAME }) }
    }
}

impl<K> Id<K> {
    /// The number, for the services and ports that still take plain `i64`.
    pub fn get(self) -> i64 {
        self.value
    }
}

impl<K: IdKind> FromStr for Id<K> {
    type Err = IdError;

    fn from_str(raw: &str) -> Result<Self, IdError> {
        let value = raw.parse::<i64>().map_err(|_| IdError::NotANumber { name: K::NAME, raw: raw.to_owned() })?;
        Self::new(value)
    }
}

// Derives would demand `K: Clone`, `K: PartialEq`… of marker types that are never values.
impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for Id<K> {}

impl<K> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<K> Eq for Id<K> {}

impl<K> PartialOrd for Id<K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<K> Ord for Id<K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl<K> Hash for Id<K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<K: IdKind> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", K::NAME, self.value)
    }
}

impl<K> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<K> Serialize for Id<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.value)
    }
}

impl<'de, K: IdKind> Deserialize<'de> for Id<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Positive<K>(PhantomData<fn() -> K>);

        impl<K: IdKind> de::Visitor<'_> for Positive<K> {
            type Value = Id<K>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} as a positive integer", K::NAME)
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Id<K>, E> {
                Id::new(value).map_err(E::custom)
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Id<K>, E> {
                let value = i64::try_from(value)
                    .map_err(|_| E::custom(IdError::NotANumber { name: K::NAME, raw: value.to_string() }))?;
                self.visit_i64(value)
            }
        }

        deserializer.deserialize_i64(Positive(PhantomData))
    }
}

/// Serde helpers for an id carried as a decimal string (a JWT's `sub`, which RFC 7519 makes
/// a string): `#[serde(with = "cercat_common::id::as_string")]`.
pub mod as_string {
    use super::{Id, IdKind};
    use serde::{Deserialize, Deserializer, Serializer, de};

    /// Writes the id as `"7"`.
    pub fn serialize<K, S: Serializer>(id: &Id<K>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(id)
    }

    /// Reads `"7"`; refuses `"0"`, `"-1"` and anything not a number.
    pub fn deserialize<'de, K: IdKind, D: Deserializer<'de>>(deserializer: D) -> Result<Id<K>, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        raw.parse().map_err(de::Error::custom)
    }
}

macro_rules! id_kinds {
    ($($(#[$doc:meta])* $kind:ident => $alias:ident, $name:literal;)*) => {
        /// The marker types ids are tagged with; never values.
        pub mod kind {
            $(
                $(#[$doc])*
                #[derive(Debug)]
                pub enum $kind {}

                impl super::IdKind for $kind {
                    const NAME: &'static str = $name;
                }
            )*
        }

        $(
            $(#[$doc])*
            pub type $alias = Id<kind::$kind>;
        )*
    };
}

id_kinds! {
    /// An account.
    User => UserId, "userId";
    /// A certificate.
    Certificate => CertificateId, "certificateId";
    /// An exam schedule (one year and round of a certificate's exam).
    ExamSchedule => ExamScheduleId, "examScheduleId";
    /// A mock exam.
    MockExam => MockExamId, "mockExamId";
    /// A graded mock-exam result.
    MockExamResult => ResultId, "resultId";
    /// One answer of a result (what a wrong-answer note is about).
    UserAnswer => UserAnswerId, "userAnswerId";
    /// A community post.
    Post => PostId, "postId";
    /// A comment on a post.
    Comment => CommentId, "commentId";
    /// A prep course.
    Course => CourseId, "courseId";
    /// An enrollment in a course.
    Enrollment => EnrollmentId, "enrollmentId";
    /// An image attached to a post.
    PostImage => PostImageId, "imageId";
    /// An alarm in a user's list.
    Alarm => AlarmId, "alarmId";
    /// A coupon definition.
    Coupon => CouponId, "couponId";
    /// A first-come coupon event.
    CouponEvent => CouponEventId, "eventId";
    /// A market product.
    Product => ProductId, "productId";
    /// An image attached to a market product.
    ProductImage => ProductImageId, "imageId";
    /// A recommendable item (a certificate, course, post or product, named by its kind beside it).
    Item => ItemId, "itemId";
    /// A market order.
    Order => OrderId, "orderId";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_negatives_are_refused_by_every_door() {
        for raw in ["0", "-1"] {
            let parsed = raw.parse::<CertificateId>();
            assert_eq!(parsed, Err(IdError::NotPositive { name: "certificateId" }), "{raw}");
            let read = serde_json::from_str::<CertificateId>(raw).map(Id::get);
            assert!(
                read.is_err_and(|e| e.to_string().starts_with("certificateId must be a positive integer")),
                "{raw}"
            );
        }
        assert!(PostId::new(0).is_err());
    }

    #[test]
    fn non_numbers_and_overflow_are_refused_with_the_id_named() {
        let err = "abc".parse::<PostId>().map(Id::get);
        assert_eq!(err.map_err(|e| e.to_string()), Err("postId must be a positive integer, not \"abc\"".to_owned()));
        let too_big = (1u64 << 63).to_string();
        assert!(matches!(too_big.parse::<PostId>(), Err(IdError::NotANumber { name: "postId", .. })));
        let read = serde_json::from_str::<PostId>(&too_big).map(Id::get);
        assert!(read.is_err_and(|e| e.to_string().contains("postId must be a positive integer")));
        assert!(serde_json::from_str::<PostId>("\"5\"").is_err(), "a body id is a number, not a string");
        assert!(serde_json::from_str::<PostId>("1.5").is_err());
    }

    #[test]
    fn a_good_id_round_trips_as_the_bare_number() {
        let id: CourseId = serde_json::from_str("42").unwrap();
        assert_eq!((id.get(), serde_json::to_string(&id).unwrap(), id.to_string()), (42, "42".to_owned(), "42".into()));
        assert_eq!("42".parse::<CourseId>(), Ok(id));
        let max = i64::MAX.to_string().parse::<CourseId>().map(Id::get);
        assert_eq!(max, Ok(i64::MAX));
    }

    #[test]
    fn as_string_carries_the_id_in_quotes() {
        #[derive(Serialize, Deserialize)]
        struct Claims {
            #[serde(with = "as_string")]
            sub: UserId,
        }
        let claims: Claims = serde_json::from_str(r#"{"sub":"7"}"#).unwrap();
        assert_eq!(serde_json::to_string(&claims).unwrap(), r#"{"sub":"7"}"#);
        for bad in [r#"{"sub":"0"}"#, r#"{"sub":"x"}"#, r#"{"sub":7}"#] {
            assert!(serde_json::from_str::<Claims>(bad).is_err(), "{bad}");
        }
    }
}

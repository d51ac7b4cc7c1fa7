//! `domain_errors!`: one declaration per error variant yields the enum, its message, its
//! [`ErrorKind`], its stable code and the documented meaning, so the four can no longer drift
//! apart (they used to be written in four places per variant).

use super::ErrorKind;

/// One documented error of a context: what the OpenAPI document lists for a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorDoc {
    /// The stable code clients match on (`USR_002`).
    pub code: &'static str,
    /// Its category; the program that answers decides what that means on its wire.
    pub kind: ErrorKind,
    /// What it means, written for the client developer (the variant's doc comment).
    pub description: &'static str,
}

/// Trims what `///` leaves in front of a doc line (`/// Text` is `#[doc = " Text"]`).
#[doc(hidden)]
pub const fn doc_text(doc: &'static str) -> &'static str {
    doc.trim_ascii()
}

/// Declares a context's error enum from one table.
///
/// Each coded variant carries its doc comment (its documented meaning, also its rustdoc: all of
/// it, so keep it to one paragraph and put notes for maintainers in `//` comments), a
/// thiserror `#[error(...)]` message and `#[code("XXX_nnn", Kind)]`. Variants marked
/// `#[transparent]` wrap another domain error (or [`PortError`](crate::PortError)) and take its
/// message, kind and code. The macro derives `Debug` and `thiserror::Error` (the calling crate
/// depends on `thiserror`), implements [`DomainError`](crate::DomainError) with `kind()` and
/// `code()`, and adds `ERRORS`, the coded variants as [`ErrorDoc`]s in declaration order. An
/// optional `impl DomainError { … }` block after the enum supplies the trait's other methods
/// (`field`, `retry_after_secs`).
///
/// ```ignore
/// domain_errors! {
///     /// Failures of certificate queries.
///     pub enum CertificateError {
///         /// The certificate does not exist
///         #[code("CRT_001", NotFound)]
///         #[error("certificate {0} does not exist")]
///         NotFound(i64),
///         #[transparent]
///         /// A dependency failed.
///         Store(PortError),
///     }
/// }
/// ```
#[macro_export]
macro_rules! domain_errors {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $doc:literal])+
                #[code($code:literal, $kind:ident)]
                #[error($($message:tt)*)]
                $variant:ident $(( $($tuple:tt)* ))? $({ $($named:tt)* })?
            ),*
            $(,
                #[transparent]
                $(#[doc = $wrap_doc:literal])*
                $wrap:ident($wrapped:ty)
            )*
            $(,)?
        }
        $(impl DomainError { $($extra:tt)* })?
    ) => {
        $(#[$meta])*
        #[derive(Debug, thiserror::Error)]
        $vis enum $name {
            $(
                $(#[doc = $doc])+
                #[doc = ""]
                #[doc = concat!("Code `", $code, "` (", stringify!($kind), ").")]
                #[error($($message)*)]
                $variant $(( $($tuple)* ))? $({ $($named)* })?,
            )*
            $(
                $(#[doc = $wrap_doc])*
                #[error(transparent)]
                $wrap(#[from] $wrapped),
            )*
        }

        impl $name {
            /// Every code this enum answers with (wrapped errors aside), for API documents.
            pub const ERRORS: &'static [$crate::ErrorDoc] = &[
                $($crate::ErrorDoc {
                    code: $code,
                    kind: $crate::ErrorKind::$kind,
                    description: $crate::error::table::doc_text(concat!($($doc),+)),
                },)*
            ];
        }

        impl $crate::DomainError for $name {
            fn kind(&self) -> $crate::ErrorKind {
                match self {
                    $(Self::$variant { .. } => $crate::ErrorKind::$kind,)*
                    $(Self::$wrap(inner) => $crate::DomainError::kind(inner),)*
                }
            }

            fn code(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => $code,)*
                    $(Self::$wrap(inner) => $crate::DomainError::code(inner),)*
                }
            }

            $($($extra)*)?
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::{DomainError, ErrorDoc, ErrorKind, PortError};

    crate::domain_errors! {
        /// A context's errors, as a context declares them.
        #[derive(PartialEq)]
        pub enum SampleError {
            /// The thing does not exist
            #[code("SMP_001", NotFound)]
            #[error("thing {0} does not exist")]
            Missing(i64),
            /// A field is out of range; the message
            /// names it
            #[code("SMP_002", Invalid)]
            #[error("{field} {reason}")]
            Invalid { field: &'static str, reason: String },
            /// Someone else got there first
            #[code("SMP_003", Conflict)]
            #[error("already done")]
            Taken,
            #[transparent]
            /// A dependency failed.
            Store(PortError),
        }
        impl DomainError {
            fn field(&self) -> Option<&'static str> {
                match self {
                    Self::Invalid { field, .. } => Some(field),
                    _ => None,
                }
            }
        }
    }

    #[test]
    fn every_variant_answers_its_declared_kind_code_and_message() {
        let cases = [
            (SampleError::Missing(7), ErrorKind::NotFound, "SMP_001", "thing 7 does not exist"),
            (
                SampleError::Invalid { field: "size", reason: "must be 1 to 9".into() },
                ErrorKind::Invalid,
                "SMP_002",
                "size must be 1 to 9",
            ),
            (SampleError::Taken, ErrorKind::Conflict, "SMP_003", "already done"),
        ];
        for (error, kind, code, message) in cases {
            assert_eq!((error.kind(), error.code(), error.to_string().as_str()), (kind, code, message));
        }
    }

    #[test]
    fn wrapped_errors_keep_their_own_kind_code_and_message() {
        let error = SampleError::from(PortError::unavailable("redis", "refused"));
        assert_eq!(error.kind(), ErrorKind::Unavailable);
        assert_eq!(error.code(), "GLB_008");
        assert_eq!(error.to_string(), "redis unavailable: refused");
    }

    #[test]
    fn the_table_lists_coded_variants_with_their_doc_as_description() {
        assert_eq!(
            SampleError::ERRORS,
            &[
                ErrorDoc { code: "SMP_001", kind: ErrorKind::NotFound, description: "The thing does not exist" },
                ErrorDoc {
                    code: "SMP_002",
                    kind: ErrorKind::Invalid,
                    description: "A field is out of range; the message names it",
                },
                ErrorDoc { code: "SMP_003", kind: ErrorKind::Conflict, description: "Someone else got there first" },
            ]
        );
    }

    #[test]
    fn extra_trait_methods_are_kept() {
        assert_eq!(SampleError::Invalid { field: "size", reason: String::new() }.field(), Some("size"));
        assert_eq!(SampleError::Taken.field(), None);
        assert_eq!(SampleError::Taken.retry_after_secs(), None);
    }
}

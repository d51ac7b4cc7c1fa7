//! Interest certificates: the (up to three) certificates a user studies for, with a priority.

use serde::{Deserialize, Serialize};

use crate::CertificateSummary;

/// How much a certificate matters to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InterestPriority {
    /// Matters least; listed after the others.
    Low,
    /// The default, and what an unreadable stored value is read as.
    Normal,
    /// Matters most; listed first.
    High,
}

impl InterestPriority {
    /// The stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "LOW",
            Self::Normal => "NORMAL",
            Self::High => "HIGH",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "LOW" => Self::Low,
            "NORMAL" => Self::Normal,
            "HIGH" => Self::High,
            _ => return None,
        })
    }
}

/// One of a user's interest certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interest {
    /// The certificate.
    pub certificate: CertificateSummary,
    /// Its priority.
    pub priority: InterestPriority,
}

/// Most interest certificates a user may have.
pub const MAX_INTERESTS: usize = 3;

/// The topic interest changes are published on (boards are favourited from it).
pub const INTEREST_TOPIC: &str = "certificate.interest";

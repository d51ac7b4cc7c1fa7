//! Wire types (requests and responses). They never leave this crate; domain types convert
//! into them. Field names follow Cercat's web client (`../shared/CERCAT_CLIENT.md`).

pub mod auth;
pub mod certificate;
pub mod community;
pub mod coupon;
pub mod course;
pub mod learning;
pub mod mockexam;
pub mod paging;
pub mod path;
pub mod recommendation;

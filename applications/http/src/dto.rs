//! The wire types both servers render, so that a certificate or a mock exam is one schema
//! in both OpenAPI documents. Field names follow Cercat's web client.

pub mod certificate;
pub mod coupon;
pub mod market;
pub mod mockexam;

//! Black-box API tests: the real app on port 0, called over HTTP — in embedded mode always,
//! and in production mode (MariaDB + Redis + Kafka's mock cluster) where the servers exist.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alarms;
mod auth;
mod community;
mod coupons;
mod course_payments;
mod course_stress;
mod courses;
mod embedded;
mod helpers;
mod jobs;
mod limits;
mod mail;
mod market;
mod oauth;
mod production;
mod recommendations;
mod study;
mod units;

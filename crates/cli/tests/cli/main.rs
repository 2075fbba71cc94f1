//! The `tend` binary as scripts see it, in one test binary (as ripgrep's `tests/tests.rs`): a
//! module per area, all running `tend` through [`harness`].
#![allow(clippy::expect_used, clippy::unwrap_used)] // test code: a panic is a failed test

mod harness;

mod basics;
mod decode;
mod devices;
mod docs;
mod history;
mod import;
mod medications;
mod meds_plan;
mod report;
mod share;

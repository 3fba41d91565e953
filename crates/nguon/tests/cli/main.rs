//! End-to-end tests of the real `nguon` binary: one test binary (faster to link) with a module
//! per area. Each test runs the program in its own temporary working directory.

mod backup;
mod bad_start;
mod epcis_hash;
mod gs1;
mod import;
mod labels;
mod migrate;
mod org;
mod recall;
mod serve;
mod support;
mod sync;
mod trace;
mod user;
mod verify;

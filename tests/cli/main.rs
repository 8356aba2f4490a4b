//! The single integration-test binary: every test runs the real `costper` executable
//! (it never links the library, so it builds and links fast).

mod archive;
mod check;
mod common;
mod demo;
mod errors;
mod exports;
mod gitrepo;
mod history;
mod html;
mod init;
mod prices;
mod privacy;
mod prs;
mod reliability;
mod report;
mod sources;
mod tooling;
mod usage;
mod waste;
mod whatif;

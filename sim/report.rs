//! Reports: one in-memory model ([`model::Report`]) built from the matrix's aggregates,
//! rendered as JSON, Markdown, JUnit XML and HTML. Rendering is a pure function of the
//! model: no clock, no files (the CLI writes them, atomically).

pub mod charts;
pub mod compare;
pub mod escape;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod sweep;
pub mod table;

pub use model::{Report, SCHEMA};

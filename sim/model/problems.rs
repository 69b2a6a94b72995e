//! `Problems`: what validation found, as field paths with messages.
//!
//! Validation is pure and knows nothing of files; the loader turns each path into a
//! line and column through the document tree it parsed.

use super::value_range::{number, ValueRange};

/// How bad a problem is: errors refuse the input, warnings are printed and let it pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding: the field path (`nodes[2].priority`) and what is wrong with it.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub severity: Severity,
    pub path: String,
    pub message: String,
}

/// The findings of one validation pass, in the order the rules found them.
#[derive(Clone, Debug, Default)]
pub struct Problems {
    pub list: Vec<Problem>,
}

impl Problems {
    pub fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, path.into(), message.into());
    }

    pub fn warning(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Warning, path.into(), message.into());
    }

    fn push(&mut self, severity: Severity, path: String, message: String) {
        self.list.push(Problem { severity, path, message });
    }

    /// The first error, if any.
    pub fn first_error(&self) -> Option<&Problem> {
        self.list.iter().find(|p| p.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.list.iter().filter(|p| p.severity == Severity::Warning)
    }

    /// A probability must be a finite number in [0, 1].
    pub fn check_probability(&mut self, path: &str, value: f64) {
        if !(0.0..=1.0).contains(&value) {
            self.error(path, format!("expected a probability from 0 to 1, found {}", number(value)));
        }
    }

    /// A duration or size must be finite and at least 0.
    pub fn check_duration(&mut self, path: &str, value: f64) {
        if !value.is_finite() || value < 0.0 {
            self.error(path, format!("expected a finite number of at least 0, found {}", number(value)));
        }
    }

    /// A duration that must be strictly positive.
    pub fn check_positive(&mut self, path: &str, value: f64) {
        if !value.is_finite() || value <= 0.0 {
            self.error(path, format!("expected a finite number greater than 0, found {}", number(value)));
        }
    }

    /// A `[min, max]` range of non-negative numbers.
    pub fn check_range(&mut self, path: &str, range: ValueRange) {
        if let Some(problem) = range.problem(false) {
            self.error(path, problem);
        }
    }

    /// A probability range: both ends in [0, 1].
    pub fn check_probability_range(&mut self, path: &str, range: ValueRange) {
        if let Some(problem) = range.problem(true) {
            self.error(path, problem);
        } else if range.min < 0.0 || range.max > 1.0 {
            self.error(path, format!("expected probabilities from 0 to 1, found {range}"));
        }
    }
}

/// Most names a message lists: a longer list is cut, so that one line stays readable
/// and a file of 100,000 regions cannot make every message 100,000 names long.
pub const NAMES_SHOWN_MAX: usize = 20;

/// Names for a message, `a, b, c`, cut after [`NAMES_SHOWN_MAX`] with how many there are.
pub fn name_list<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let count = names.len();
    let shown: Vec<&str> = names.take(NAMES_SHOWN_MAX).collect();
    if count > NAMES_SHOWN_MAX {
        format!("{}, ... ({count} in all)", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

impl Problems {
    /// Adds the problems of a value nested at `prefix` (an inline topology or policy).
    pub fn nest(&mut self, prefix: &str, inner: Problems) {
        for problem in inner.list {
            let path = if problem.path.is_empty() { prefix.to_string() } else { format!("{prefix}.{}", problem.path) };
            self.list.push(Problem { path, ..problem });
        }
    }
}

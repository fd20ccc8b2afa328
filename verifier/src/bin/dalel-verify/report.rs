//! Verdicts and how they are printed: text for people, JSON for machines.

use std::io::{self, Write};
use std::process::ExitCode;

use serde_json::{Map, Value};

/// Facts established while checking one piece of evidence, in the order found.
#[derive(Debug)]
pub(crate) struct Report {
    subject: &'static str,
    fields: Vec<(&'static str, Value)>,
}

impl Report {
    pub(crate) fn new(subject: &'static str) -> Self {
        Self {
            subject,
            fields: Vec::new(),
        }
    }

    pub(crate) fn field(&mut self, key: &'static str, value: impl Into<Value>) {
        self.fields.push((key, value.into()));
    }
}

/// The decision about the evidence.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Every check passed: exit 0.
    Valid(Report),
    /// Some check failed, or the evidence is malformed: exit 1.
    Invalid { report: Report, reason: String },
}

impl Outcome {
    pub(crate) fn invalid(report: Report, reason: impl ToString) -> Self {
        Self::Invalid {
            report,
            reason: reason.to_string(),
        }
    }

    /// Prints the verdict to stdout and returns the exit status. A closed stdout (say, a pipe
    /// to `head`) does not change the verdict's status.
    pub(crate) fn finish(self, json: bool) -> ExitCode {
        let (valid, report, reason) = match self {
            Self::Valid(report) => (true, report, None),
            Self::Invalid { report, reason } => (false, report, Some(reason)),
        };
        let text = if json {
            render_json(valid, &report, reason.as_deref())
        } else {
            render_text(&report, reason.as_deref())
        };
        let _ignored = io::stdout().lock().write_all(text.as_bytes());
        ExitCode::from(if valid { 0 } else { 1 })
    }
}

fn render_json(valid: bool, report: &Report, reason: Option<&str>) -> String {
    let mut object = Map::new();
    object.insert("subject".into(), report.subject.into());
    object.insert("valid".into(), valid.into());
    if let Some(reason) = reason {
        object.insert("error".into(), reason.into());
    }
    for (key, value) in &report.fields {
        object.insert((*key).into(), value.clone());
    }
    format!("{}\n", Value::Object(object))
}

fn render_text(report: &Report, reason: Option<&str>) -> String {
    let mut text = match reason {
        None => format!("valid {}\n", report.subject),
        Some(reason) => format!("INVALID {}: {reason}\n", report.subject),
    };
    for (key, value) in &report.fields {
        let value = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text.push_str(&format!("  {key}: {value}\n"));
    }
    text
}

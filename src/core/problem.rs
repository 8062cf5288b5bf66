//! What is wrong with a config, as data: each problem names the key it is about. Every config
//! section checks itself into a `Problems`, so `check-config` can list them all at once.

use std::fmt;

/// One thing wrong with a config, with the key it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// The errors (the config is refused) and warnings (it loads, but something looks wrong)
/// found so far.
#[derive(Debug, Default)]
pub struct Problems {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Problems {
    pub fn error(&mut self, path: String, message: String) {
        self.errors.push(Problem { path, message });
    }

    pub fn warn(&mut self, path: String, message: String) {
        self.warnings.push(Problem { path, message });
    }
}

/// Names of entries people refer to (integrations, destinations, teams…).
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub fn is_http_url(text: &str) -> bool {
    url::Url::parse(text)
        .map(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
        .unwrap_or(false)
}

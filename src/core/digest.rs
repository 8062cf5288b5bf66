//! What a digest says, as data: the open pull/merge requests per repository with their CI and
//! review state. Built when the digest fires and stored as the digest event's body, so every
//! destination renders the same snapshot, however late a retry delivers it.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::forge::Outcome;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestData {
    pub digest: String,
    pub kind: String,
    pub generated_at: Timestamp,
    pub timezone: String,
    pub repositories: Vec<DigestRepository>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestRepository {
    pub repository: String,
    pub changes: Vec<DigestChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestChange {
    pub source: String,
    pub number: i64,
    pub title: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub draft: bool,
    pub opened_at: Timestamp,
    pub ci: Option<Outcome>,
    pub review_state: Option<String>,
    pub requested_reviewers: Vec<String>,
}

impl DigestData {
    pub fn total(&self) -> usize {
        self.repositories.iter().map(|r| r.changes.len()).sum()
    }
}

/// ✅ passed, ❌ failed, ⏳ running or not reported yet.
pub fn ci_mark(ci: Option<Outcome>) -> &'static str {
    match ci {
        Some(Outcome::Success) => "✅",
        Some(Outcome::Failure) => "❌",
        Some(Outcome::Cancelled | Outcome::Skipped) => "⏹️",
        Some(Outcome::Pending) | None => "⏳",
    }
}

/// A short age: `45m`, `5h`, `3d`.
pub fn age(since: Timestamp, now: Timestamp) -> String {
    let elapsed = now.duration_since(since).max(SignedDuration::ZERO);
    let minutes = elapsed.as_secs() / 60;
    if minutes < 60 {
        format!("{minutes}m")
    } else if minutes < 48 * 60 {
        format!("{}h", minutes / 60)
    } else {
        format!("{}d", minutes / (24 * 60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_short() {
        let now: Timestamp = "2026-11-02T15:00:00Z".parse().unwrap();
        assert_eq!(age(now - SignedDuration::from_mins(45), now), "45m");
        assert_eq!(age(now - SignedDuration::from_hours(5), now), "5h");
        assert_eq!(age(now - SignedDuration::from_hours(80), now), "3d");
    }
}

//! `[[digests]]`: scheduled digests: the open pull requests, and the weekly report.

use std::collections::HashSet;

use serde::Deserialize;

use crate::core::problem::Problems;

/// A scheduled summary sent to destinations (PRODUCT.md §2.3).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    /// Names the schedule; keep it stable (the default is the kind and position).
    pub name: Option<String>,
    pub kind: DigestKind,
    /// Five fields (minute hour day month weekday), e.g. `0 10 * * mon-fri`.
    pub cron: String,
    /// IANA time zone the cron expression is read in.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Repository globs; empty means all.
    #[serde(default)]
    pub repos: Vec<String>,
    /// `weekly_report`: one team's services (default: everyone's).
    pub team: Option<String>,
    pub to: Vec<String>,
    /// Send a digest even when there is nothing in it.
    #[serde(default)]
    pub send_when_empty: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigestKind {
    OpenPullRequests,
    WeeklyReport,
}

impl DigestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestKind::OpenPullRequests => "open_pull_requests",
            DigestKind::WeeklyReport => "weekly_report",
        }
    }
}

fn default_timezone() -> String {
    "UTC".to_owned()
}

impl DigestConfig {
    /// The digest's stable name.
    pub fn id(&self, index: usize) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("{}-{index}", self.kind.as_str()))
    }

    /// When it next fires strictly after `after`, or `None` if its cron or zone is invalid.
    pub fn next_after(&self, after: jiff::Timestamp) -> Option<jiff::Timestamp> {
        let zone = jiff::tz::TimeZone::get(&self.timezone).ok()?;
        let cron: croner::Cron = self.cron.parse().ok()?;
        cron.find_next_occurrence(&after.to_zoned(zone), false)
            .ok()
            .map(|next| next.timestamp())
    }
}

/// Checks every digest (what it names elsewhere is checked by `Config::validate`).
pub fn validate(digests: &[DigestConfig], problems: &mut Problems) {
    let mut digest_names = HashSet::new();
    for (index, digest) in digests.iter().enumerate() {
        let path = format!("digests[{index}]");
        if let Err(problem) = digest.cron.parse::<croner::Cron>() {
            problems.error(
                format!("{path}.cron"),
                format!("\"{}\" is not a cron expression: {problem}", digest.cron),
            );
        }
        if jiff::tz::TimeZone::get(&digest.timezone).is_err() {
            problems.error(
                format!("{path}.timezone"),
                format!(
                    "\"{}\" is not an IANA time zone such as Asia/Seoul",
                    digest.timezone
                ),
            );
        }
        if !digest_names.insert(digest.id(index)) {
            problems.error(
                format!("{path}.name"),
                format!("digest \"{}\" is defined twice", digest.id(index)),
            );
        }
        if digest.team.is_some() && digest.kind != DigestKind::WeeklyReport {
            problems.error(
                format!("{path}.team"),
                "only a weekly_report digest is scoped to a team".into(),
            );
        }
        if digest.to.is_empty() {
            problems.error(format!("{path}.to"), "names no destination".into());
        }
        for (repo_index, pattern) in digest.repos.iter().enumerate() {
            if let Err(problem) = glob::Pattern::new(pattern) {
                problems.error(
                    format!("{path}.repos[{repo_index}]"),
                    format!("\"{pattern}\" is not a valid glob: {}", problem.msg),
                );
            }
        }
    }
}

//! The noise report (seed 003's calibration loop): its parameters as the API, the page and
//! the CLI give them, checked once here, and the report over the stored changes and notices
//! (`core::noise` does the counting).

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::config::Config;
use crate::core::noise::By;
use crate::store::{Store, StoreError};

/// The report's parameters as a query string gives them.
#[derive(Debug, Default, Deserialize)]
pub struct NoiseQuery {
    /// `rule` (default), `service` or `team`.
    pub by: Option<String>,
    /// The window: the last N days (default 7), or `from`/`to` (RFC 3339).
    pub days: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Resolved by the sender within this many minutes counts as auto-resolved (default 5).
    pub auto_resolve_minutes: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// A checked request for the report.
#[derive(Debug, Clone, Copy)]
pub struct NoiseRequest {
    pub by: By,
    pub from: Timestamp,
    pub to: Timestamp,
    pub auto_resolve_within: SignedDuration,
}

impl NoiseQuery {
    /// Checks the parameters; every problem is a sentence the API and the page show.
    pub fn request(&self, now: Timestamp) -> Result<NoiseRequest, String> {
        let by = match self.by.as_deref().filter(|b| !b.is_empty()) {
            None => By::Rule,
            Some(text) => By::parse(text).ok_or("by must be one of rule, service, team")?,
        };
        let (from, to) = crate::core::window::window(
            self.from.as_deref(),
            self.to.as_deref(),
            self.days.as_deref(),
            7,
            now,
        )?;
        let minutes = match self
            .auto_resolve_minutes
            .as_deref()
            .filter(|m| !m.is_empty())
        {
            None => 5,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|m| (1..=1440).contains(m))
                .ok_or("auto_resolve_minutes must be a whole number from 1 to 1440")?,
        };
        Ok(NoiseRequest {
            by,
            from,
            to,
            auto_resolve_within: SignedDuration::from_mins(minutes),
        })
    }
}

/// The noise report over a window (see `core::noise`): services' teams and teams' budgets
/// come from the config.
pub async fn noise_report(
    store: &Store,
    config: &Config,
    request: &NoiseRequest,
) -> Result<Vec<crate::core::noise::NoiseRow>, StoreError> {
    let activity = store.alert_activity(request.from, request.to).await?;
    let weeks = request.to.duration_since(request.from).as_secs_f64() / (7.0 * 86_400.0);
    Ok(crate::core::noise::report(
        &activity.changes,
        &activity.notices,
        &crate::core::noise::Settings {
            by: request.by,
            auto_resolve_within: request.auto_resolve_within,
            weeks,
            team_of: &|service| config.service(service).and_then(|s| s.team.clone()),
            budget_of: &|team| config.team(team).and_then(|t| t.page_budget_per_week),
        },
    ))
}

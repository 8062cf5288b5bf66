//! The no-self-merge rule's evidence: each merge is judged when the forge projection reads it
//! (`core::review_rule`, kept in `merge_reviews`); a finding is told through the routes
//! (kind `review_finding`), and the report gives, per repository and period, the merges, the
//! share independently reviewed and each finding with why — what an ISMS or SOC 2 auditor
//! asks for.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::core::forge::Outcome;
use crate::core::review_rule::Finding;
use crate::core::routing::{EventAttributes, destinations_for};
use crate::i18n::{Arg, Locale};
use crate::integrations::outbound::EventMessage;
use crate::integrations::outbound::message::{Message, code, link, text};
use crate::store::forge::MergeReview;
use crate::store::{ClaimedJob, EventStatus, NewEvent, Store, StoreError};

/// The kind a route matches to hear of findings.
pub const REVIEW_FINDING: &str = "review_finding";

/// Runs a `review_finding` job: stores the notice, routed as `kind = "review_finding"`.
pub async fn notify(
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
    now: Timestamp,
) -> Result<(), StoreError> {
    #[derive(Deserialize)]
    struct Payload {
        source: String,
        repository: String,
        number: i64,
    }
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        return Ok(());
    };
    let merge = match store
        .get_merge_review(&payload.source, &payload.repository, payload.number)
        .await
    {
        Ok(merge) => merge,
        Err(StoreError::NotFound) => return Ok(()),
        Err(error) => return Err(error),
    };
    let Some(finding) = &merge.finding else {
        return Ok(());
    };
    let destinations = destinations_for(
        &EventAttributes {
            source: &merge.source,
            integration: "compliance",
            kind: REVIEW_FINDING,
            action: Some(finding.code()),
            repo: Some(&merge.repository),
            branch: None,
            author: merge.author.as_deref(),
            labels: &[],
            outcome: Some("failure"),
        },
        &config.routes,
    );
    if destinations.is_empty() {
        return Ok(());
    }
    let event = NewEvent {
        id: crate::store::new_id(now),
        integration: "compliance".into(),
        source: merge.source.clone(),
        kind: REVIEW_FINDING.into(),
        status: EventStatus::Accepted,
        ignored_reason: None,
        dedup_key: Some(format!(
            "review-finding:{}:{}#{}",
            merge.source, merge.repository, merge.number
        )),
        received_at: now,
        headers: "{}".into(),
        body: serde_json::to_vec(&merge).unwrap_or_default().into(),
        normalized: None,
        repository: Some(merge.repository.clone()),
        jobs: Vec::new(),
        destinations,
        expires_at: now
            .saturating_add(config.delivery.retry_window())
            .unwrap_or(now),
    };
    store
        .insert_events(std::slice::from_ref(&event), now)
        .await?;
    store.sync_durable().await?;
    Ok(())
}

/// Why a finding is one, in a sentence.
pub fn reason(finding: &Finding, locale: Locale) -> String {
    match finding {
        Finding::ApprovalOutdated { approved, merged } => locale.text_with(
            "compliance-reason-approval_outdated",
            &[
                ("approved", Arg::from(short(approved))),
                ("merged", Arg::from(short(merged))),
            ],
        ),
        other => locale.text(&format!("compliance-reason-{}", other.code())),
    }
}

fn short(sha: &str) -> String {
    sha.chars().take(7).collect()
}

/// How a finding reads in chat.
pub fn message(event: &EventMessage, locale: Locale) -> Option<Message> {
    if event.kind != REVIEW_FINDING || event.integration != "compliance" {
        return None;
    }
    #[derive(Deserialize)]
    struct Body {
        repository: String,
        number: i64,
        title: String,
        url: Option<String>,
        author: Option<String>,
        merged_by: Option<String>,
        finding: Option<Finding>,
    }
    let body: Body = serde_json::from_value(event.payload.clone()).ok()?;
    let finding = body.finding?;
    let title = locale.text_with(
        "compliance-chat-title",
        &[
            ("repository", Arg::from(&body.repository)),
            ("number", Arg::from(body.number)),
        ],
    );
    let who = locale.text_with(
        "compliance-chat-who",
        &[
            ("author", Arg::from(body.author.as_deref().unwrap_or("?"))),
            (
                "merged_by",
                Arg::from(body.merged_by.as_deref().unwrap_or("?")),
            ),
        ],
    );
    Some(Message {
        summary: format!("{title}: {}", body.title),
        title: format!("{title}: {}", body.title),
        title_url: body.url.clone(),
        lines: vec![vec![text(reason(&finding, locale))], vec![text(who)]],
        context: vec![vec![code(body.repository.clone())]]
            .into_iter()
            .chain(
                body.url
                    .as_ref()
                    .map(|url| vec![link(locale.text("compliance-chat-open"), Some(url))]),
            )
            .collect(),
        outcome: Some(Outcome::Failure),
        locale,
    })
}

/// The compliance report of a period (`GET /api/v1/compliance/reviews`).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub from: Timestamp,
    pub to: Timestamp,
    pub repository: Option<String>,
    pub merges: usize,
    pub independently_reviewed: usize,
    /// `independently_reviewed / merges`; `None` with no merges.
    pub share: Option<f64>,
    pub repositories: Vec<RepositoryShare>,
    pub findings: Vec<FindingRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RepositoryShare {
    pub repository: String,
    pub merges: usize,
    pub independently_reviewed: usize,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingRow {
    pub repo: String,
    pub number: i64,
    pub title: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub merged_by: Option<String>,
    pub merged_at: Timestamp,
    /// The stable code: `no_approval`, `self_approved`, `approval_outdated`, `author_unknown`.
    pub reason: &'static str,
    /// The reason in a sentence.
    pub detail: String,
}

fn share(reviewed: usize, merges: usize) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (merges > 0).then(|| reviewed as f64 / merges as f64)
}

/// Builds the report from the merges of the period.
pub fn report(
    merges: &[MergeReview],
    repository: Option<&str>,
    from: Timestamp,
    to: Timestamp,
    locale: Locale,
) -> Report {
    let mut per_repository: std::collections::BTreeMap<&str, (usize, usize)> =
        std::collections::BTreeMap::new();
    for merge in merges {
        let counts = per_repository.entry(&merge.repository).or_default();
        counts.0 += 1;
        if merge.finding.is_none() {
            counts.1 += 1;
        }
    }
    let reviewed = merges
        .iter()
        .filter(|merge| merge.finding.is_none())
        .count();
    Report {
        from,
        to,
        repository: repository.map(str::to_owned),
        merges: merges.len(),
        independently_reviewed: reviewed,
        share: share(reviewed, merges.len()),
        repositories: per_repository
            .into_iter()
            .map(|(repository, (merges, reviewed))| RepositoryShare {
                repository: repository.to_owned(),
                merges,
                independently_reviewed: reviewed,
                share: share(reviewed, merges),
            })
            .collect(),
        findings: merges
            .iter()
            .filter_map(|merge| {
                let finding = merge.finding.as_ref()?;
                Some(FindingRow {
                    repo: merge.repository.clone(),
                    number: merge.number,
                    title: merge.title.clone(),
                    url: merge.url.clone(),
                    author: merge.author.clone(),
                    merged_by: merge.merged_by.clone(),
                    merged_at: merge.merged_at,
                    reason: finding.code(),
                    detail: reason(finding, locale),
                })
            })
            .collect(),
    }
}

/// The findings as CSV (RFC 4180), one row each, for an auditor's spreadsheet.
pub fn csv(report: &Report) -> String {
    // Quoted, and defused so a spreadsheet does not run a title as a formula.
    let field = crate::core::noise::csv_field;
    let mut out =
        String::from("repo,number,title,author,merged_by,merged_at,reason,detail,url\r\n");
    for row in &report.findings {
        let cells = [
            field(&row.repo),
            row.number.to_string(),
            field(&row.title),
            field(row.author.as_deref().unwrap_or("")),
            field(row.merged_by.as_deref().unwrap_or("")),
            row.merged_at.to_string(),
            row.reason.to_owned(),
            field(&row.detail),
            field(row.url.as_deref().unwrap_or("")),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The report's parameters as a request gives them (the API's query, the page's form).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    pub repo: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub days: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// Checked parameters: a window of at most a year, 30 days to now by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRequest {
    pub repo: Option<String>,
    pub from: Timestamp,
    pub to: Timestamp,
    pub csv: bool,
}

impl ReviewQuery {
    pub fn check(&self, now: Timestamp) -> Result<ReviewRequest, String> {
        let (from, to) = crate::core::window::window(
            self.from.as_deref(),
            self.to.as_deref(),
            self.days.as_deref(),
            30,
            now,
        )?;
        let csv = match self.format.as_deref() {
            None | Some("" | "json") => false,
            Some("csv") => true,
            Some(other) => return Err(format!("format must be json or csv, not \"{other}\"")),
        };
        Ok(ReviewRequest {
            repo: self.repo.clone().filter(|repo| !repo.trim().is_empty()),
            from,
            to,
            csv,
        })
    }
}

/// Reads the period's merges and makes its report.
pub async fn load(
    store: &Store,
    request: &ReviewRequest,
    locale: Locale,
) -> Result<Report, StoreError> {
    let merges = store
        .merge_reviews(request.repo.as_deref(), request.from, request.to)
        .await?;
    Ok(report(
        &merges,
        request.repo.as_deref(),
        request.from,
        request.to,
        locale,
    ))
}

//! What a notification says, before any platform's syntax: a title, lines of styled spans,
//! a footer. Each destination renders this with its own escaping and limits, so text from a
//! pull request title can never break a message's markup.

use crate::core::digest::{DigestData, age, ci_mark, waiting_on};
use crate::core::forge::{ForgeEvent, Outcome};

use super::EventMessage;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Text(String),
    Bold(String),
    Code(String),
    Link { text: String, url: String },
}

pub type Line = Vec<Span>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// One plain line for notifications and clients that show no formatting.
    pub summary: String,
    pub title: String,
    pub title_url: Option<String>,
    pub lines: Vec<Line>,
    /// Small print: repository, branch, who.
    pub context: Vec<Line>,
    pub outcome: Option<Outcome>,
}

fn text(value: impl Into<String>) -> Span {
    Span::Text(value.into())
}

fn bold(value: impl Into<String>) -> Span {
    Span::Bold(value.into())
}

fn code(value: impl Into<String>) -> Span {
    Span::Code(value.into())
}

fn link(value: impl Into<String>, url: Option<&String>) -> Span {
    match url {
        Some(url) => Span::Link {
            text: value.into(),
            url: url.clone(),
        },
        None => Span::Text(value.into()),
    }
}

fn short_sha(sha: &str) -> String {
    sha.chars().take(7).collect()
}

/// Keeps the first `max` characters, marking a cut with "…".
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut clipped: String = text.chars().take(max.saturating_sub(1)).collect();
        clipped.push('…');
        clipped
    }
}

/// Commit lines shown in a push message before "…and N more".
pub const PUSH_COMMIT_LINES: usize = 10;

/// Settings from the config that shape every message.
#[derive(Debug, Clone, Default)]
pub struct RenderSettings {
    pub tickets: Option<crate::config::TicketsConfig>,
    /// The route's template, if it names one.
    pub template: Option<crate::config::TemplateConfig>,
}

/// The default message for an event.
pub fn render(event: &EventMessage, settings: &RenderSettings) -> Message {
    let mut message = render_default(event);
    if let Some(template) = &settings.template {
        // A template that fails at delivery must not lose the message: the default is sent.
        match super::template::apply(template, event, message.clone()) {
            Ok(worded) => message = worded,
            Err(error) => {
                tracing::warn!(template = %template.name, %error, "template failed; sending the default message")
            }
        }
    }
    if let Some(tickets) = &settings.tickets {
        link_tickets(&mut message, tickets);
    }
    message
}

/// Ticket keys in text become links; keys in the title (itself a link) are listed as links
/// in the small print.
fn link_tickets(message: &mut Message, tickets: &crate::config::TicketsConfig) {
    use crate::core::tickets::{find_keys, link as ticket_link};
    let split = |span: Span| -> Vec<Span> {
        let Span::Text(text) = span else {
            return vec![span];
        };
        let mut spans = Vec::new();
        let mut last = 0;
        for range in find_keys(&text, &tickets.projects) {
            if range.start > last {
                spans.push(Span::Text(text[last..range.start].to_owned()));
            }
            let key = &text[range.clone()];
            spans.push(Span::Link {
                text: key.to_owned(),
                url: ticket_link(&tickets.url, key),
            });
            last = range.end;
        }
        if last < text.len() {
            spans.push(Span::Text(text[last..].to_owned()));
        }
        spans
    };
    for line in message.lines.iter_mut() {
        *line = std::mem::take(line).into_iter().flat_map(split).collect();
    }
    let in_title: Vec<Span> = find_keys(&message.title, &tickets.projects)
        .into_iter()
        .map(|range| {
            let key = &message.title[range];
            Span::Link {
                text: key.to_owned(),
                url: ticket_link(&tickets.url, key),
            }
        })
        .collect();
    if !in_title.is_empty() {
        let mut line = vec![text("tickets ")];
        for (index, span) in in_title.into_iter().enumerate() {
            if index > 0 {
                line.push(text(", "));
            }
            line.push(span);
        }
        message.context.insert(1.min(message.context.len()), line);
    }
}

fn render_default(event: &EventMessage) -> Message {
    if event.source == "firewatch" && event.kind == crate::forge::digest::DIGEST {
        if let Ok(data) = serde_json::from_value::<DigestData>(event.payload.clone()) {
            return digest_message(&data);
        }
    }
    if event.kind == crate::alerts::jobs::NOTICE_KIND {
        if let Ok(notice) =
            serde_json::from_value::<crate::alerts::jobs::AlertNotice>(event.payload.clone())
        {
            return alert_message(&notice);
        }
    }
    if event.kind == crate::alerts::jobs::GROUP_NOTICE_KIND {
        if let Ok(notice) =
            serde_json::from_value::<crate::alerts::jobs::AlertGroupNotice>(event.payload.clone())
        {
            return group_message(&notice);
        }
    }
    match &event.normalized {
        Some(forge) => forge_message(forge, &event.source),
        None => Message {
            summary: format!("{} event from {}", event.kind, event.integration),
            title: format!("{} event from {}", event.kind, event.integration),
            title_url: None,
            lines: vec![vec![
                text("Event "),
                code(&event.kind),
                text(" received from "),
                bold(&event.integration),
                text(format!(" at {}", event.received_at)),
            ]],
            context: vec![vec![text(format!("event {}", event.id))]],
            outcome: None,
        },
    }
}

fn who(forge: &ForgeEvent) -> String {
    forge.actor.clone().unwrap_or_else(|| "someone".into())
}

fn outcome_mark(outcome: Option<Outcome>) -> &'static str {
    match outcome {
        Some(Outcome::Success) => "✅",
        Some(Outcome::Failure) => "❌",
        Some(Outcome::Cancelled) => "⏹️",
        Some(Outcome::Skipped) => "⏭️",
        Some(Outcome::Pending) | None => "⏳",
    }
}

fn forge_message(forge: &ForgeEvent, source: &str) -> Message {
    let actor = who(forge);
    let repo = forge.repository.clone();
    let mut context: Vec<Line> = vec![vec![link(&repo, forge.repository_url.as_ref())]];
    let mut lines: Vec<Line> = Vec::new();
    // Each forge's own words: GitLab has merge requests numbered !7, GitHub pull requests #7.
    let (change_noun, number) = match (source, forge.number) {
        ("gitlab", Some(n)) => ("MR", format!("!{n}")),
        ("gitlab", None) => ("MR", String::new()),
        (_, Some(n)) => ("PR", format!("#{n}")),
        (_, None) => ("PR", String::new()),
    };
    let by = |line: &mut Line| {
        if let Some(actor) = &forge.actor {
            line.push(text(" · by "));
            line.push(bold(actor));
        }
    };
    let title_text = forge.title.clone().unwrap_or_default();
    let (title, summary) = match forge.kind.as_str() {
        "pull_request" => {
            let change = forge.change.clone().unwrap_or_default();
            let verb = match forge.action.as_str() {
                "synchronize" => "updated",
                "ready_for_review" => "ready for review",
                "review_requested" => "review requested",
                other => other,
            };
            let mut line = vec![text("by "), bold(&actor)];
            if let (Some(head), Some(base)) = (&change.head_branch, &change.base_branch) {
                line.push(text(" · "));
                line.push(code(format!("{head} → {base}")));
            }
            if change.draft {
                line.push(text(" · draft"));
            }
            lines.push(line);
            if forge.action == "review_requested" {
                if let Some(reviewer) = &change.requested_reviewer {
                    lines.push(vec![text("Reviewer: "), bold(reviewer)]);
                }
            }
            if let Some(author) = change.author.as_ref().filter(|author| **author != actor) {
                context.push(vec![text(format!("author {author}"))]);
            }
            if !forge.labels.is_empty() {
                context.push(vec![text(format!("labels: {}", forge.labels.join(", ")))]);
            }
            (
                format!("{change_noun} {number} {verb}: {title_text}"),
                format!("{repo}: {change_noun} {number} {verb} by {actor}: {title_text}"),
            )
        }
        "review" => {
            let (mark, verb) = match forge.action.as_str() {
                "approved" => ("✅", "approved"),
                "changes_requested" => ("❗", "requested changes on"),
                _ => ("💬", "reviewed"),
            };
            if let Some(body) = forge.review.as_ref().and_then(|r| r.body.as_ref()) {
                lines.push(vec![text(clip(body, 500))]);
            }
            (
                format!("{mark} {actor} {verb} {change_noun} {number}: {title_text}"),
                format!("{repo}: {actor} {verb} {change_noun} {number}"),
            )
        }
        "push" => {
            let push = forge.push.clone().unwrap_or_default();
            let branch = forge.branch.clone().unwrap_or_default();
            let verb = if push.forced {
                "force-pushed"
            } else {
                "pushed"
            };
            let count = push.total_commits.max(push.commits.len() as u64);
            let noun = if count == 1 { "commit" } else { "commits" };
            for commit in push.commits.iter().take(PUSH_COMMIT_LINES) {
                let mut line = vec![
                    link(short_sha(&commit.sha), commit.url.as_ref()),
                    text(format!(" {}", clip(&commit.title, 200))),
                ];
                if let Some(author) = &commit.author {
                    line.push(text(format!(" — {author}")));
                }
                lines.push(line);
            }
            let shown = push.commits.len().min(PUSH_COMMIT_LINES) as u64;
            if count > shown {
                lines.push(vec![text(format!("…and {} more", count - shown))]);
            }
            if let Some(compare) = &push.compare_url {
                context.push(vec![link("compare changes", Some(compare))]);
            }
            (
                format!("{actor} {verb} {count} {noun} to {branch}"),
                format!("{repo}: {actor} {verb} {count} {noun} to {branch}"),
            )
        }
        "tag" | "branch" => {
            lines.push(vec![text("by "), bold(&actor)]);
            (
                format!("{} {title_text} {}", capitalize(&forge.kind), forge.action),
                format!(
                    "{repo}: {} {title_text} {} by {actor}",
                    forge.kind, forge.action
                ),
            )
        }
        "build" => {
            let build = forge.build.clone().unwrap_or_default();
            let mark = outcome_mark(forge.outcome);
            let state = match forge.outcome {
                Some(Outcome::Success) => "passed",
                Some(Outcome::Failure) => "failed",
                Some(Outcome::Cancelled) => "cancelled",
                Some(Outcome::Skipped) => "skipped",
                Some(Outcome::Pending) | None => "pending",
            };
            let mut line = Vec::new();
            if let Some(sha) = &build.sha {
                line.push(text("commit "));
                line.push(code(short_sha(sha)));
            }
            if let Some(run) = build.run_number {
                line.push(text(format!(" · run #{run}")));
            }
            if !line.is_empty() {
                lines.push(line);
            }
            let on = forge
                .branch
                .as_ref()
                .map(|b| format!(" on {b}"))
                .unwrap_or_default();
            (
                format!("{mark} {} {state}{on}", build.name),
                format!("{repo}: {} {state}{on}", build.name),
            )
        }
        "release" => {
            let release = forge.release.clone().unwrap_or_default();
            let pre = if release.prerelease {
                "pre-release"
            } else {
                "release"
            };
            let mut line = vec![text("tag "), code(&release.tag)];
            by(&mut line);
            lines.push(line);
            (
                format!("🚀 {} {title_text} published", capitalize(pre)),
                format!("{repo}: {pre} {title_text} published"),
            )
        }
        "deployment" => {
            let deployment = forge.deployment.clone().unwrap_or_default();
            let mark = outcome_mark(forge.outcome);
            let environment = deployment.environment.clone();
            let state = match forge.outcome {
                Some(Outcome::Success) => "succeeded",
                Some(Outcome::Failure) => "failed",
                _ => forge.action.as_str(),
            };
            let mut line = Vec::new();
            if let Some(reference) = &deployment.reference {
                line.push(code(reference));
            }
            if let Some(sha) = &deployment.sha {
                line.push(text(" at "));
                line.push(code(short_sha(sha)));
            }
            by(&mut line);
            lines.push(line);
            if let Some(description) = &deployment.description {
                lines.push(vec![text(clip(description, 500))]);
            }
            (
                format!("{mark} Deployment to {environment} {state}"),
                format!("{repo}: deployment to {environment} {state}"),
            )
        }
        "comment" => {
            let comment = forge.comment.clone().unwrap_or_default();
            let on = if comment.on_change {
                change_noun
            } else {
                "issue"
            };
            let author = comment.author.clone().unwrap_or(actor.clone());
            lines.push(vec![text(clip(&comment.body, 1000))]);
            (
                format!("💬 {author} commented on {on} {number}: {title_text}"),
                format!("{repo}: {author} commented on {on} {number}"),
            )
        }
        other => {
            lines.push(vec![text("by "), bold(&actor)]);
            (
                format!("{other} {}", forge.action),
                format!("{repo}: {other} {}", forge.action),
            )
        }
    };
    if let Some(branch) = forge
        .branch
        .as_ref()
        .filter(|_| forge.kind == "pull_request")
    {
        context.push(vec![text(format!("branch {branch}"))]);
    }
    Message {
        summary: clip(&summary, 300),
        title: clip(&title, 150),
        title_url: forge.url.clone(),
        lines,
        context,
        outcome: forge.outcome,
    }
}

/// An alert's change: what fired (or resolved, or who acknowledged it), how bad, where.
fn alert_message(notice: &crate::alerts::jobs::AlertNotice) -> Message {
    use crate::core::alert::{Change, Severity};
    let alert = &notice.alert;
    let (mark, word, outcome) = match notice.change {
        Change::Fired => (
            if alert.severity == Severity::Critical {
                "🔥"
            } else {
                "⚠️"
            },
            "FIRING",
            Outcome::Failure,
        ),
        Change::Acknowledged => ("👀", "ACKNOWLEDGED", Outcome::Pending),
        Change::Resolved => ("✅", "RESOLVED", Outcome::Success),
        Change::Silenced => ("🔕", "SILENCED", Outcome::Pending),
    };
    let (mark, word) = if notice.started_flapping {
        ("🔁", "FLAPPING")
    } else {
        (mark, word)
    };
    let title = format!(
        "{mark} [{word}] {}: {}",
        alert.rule,
        clip(&alert.summary, 200)
    );
    let mut lines: Vec<Line> = Vec::new();
    if let Some(description) = alert
        .annotations
        .get("description")
        .filter(|d| **d != alert.summary)
    {
        lines.push(vec![text(clip(description, 500))]);
    }
    if notice.started_flapping {
        lines.push(vec![text(format!(
            "Fired {} times and resolved in between, within the flapping window: its next fires and resolves are held back until it stays steady",
            alert.fire_count
        ))]);
    } else if notice.cause == "flapping ended" {
        lines.push(vec![text("Steady again after flapping")]);
    }
    match notice.change {
        Change::Acknowledged => {
            let who = alert
                .acknowledged_by
                .as_deref()
                .unwrap_or(notice.cause.as_str());
            lines.push(vec![text("Acknowledged by "), bold(who)]);
        }
        Change::Resolved => {
            if let Some(resolved) = alert.resolved_at {
                lines.push(vec![text(format!(
                    "Resolved after {}",
                    age(alert.fired_at, resolved)
                ))]);
            }
        }
        Change::Fired if alert.fire_count > 1 && !notice.started_flapping => {
            lines.push(vec![text(format!(
                "Fired {} times so far",
                alert.fire_count
            ))]);
        }
        Change::Fired | Change::Silenced => {}
    }
    if let Some(runbook) = alert.annotations.get("runbook_url") {
        lines.push(vec![link("Runbook", Some(runbook))]);
    }
    let mut context = vec![bold(alert.severity.as_str())];
    if let Some(service) = &alert.service {
        context.push(text(format!(" · service {service}")));
    }
    context.push(text(format!(" · {}", alert.integration)));
    let shown: Vec<String> = alert
        .labels
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "alertname" | "severity" | "service"))
        .take(8)
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    let mut small_print = vec![context];
    if !shown.is_empty() {
        small_print.push(vec![code(shown.join(" "))]);
    }
    Message {
        summary: title.clone(),
        title,
        title_url: alert.url.clone(),
        lines,
        context: small_print,
        outcome: Some(outcome),
    }
}

/// Alerts the groups of a route's `group_by` tell together: how many fire, what they share,
/// and one line per alert, new ones first.
fn group_message(notice: &crate::alerts::jobs::AlertGroupNotice) -> Message {
    use crate::core::alert::Severity;
    let worst = notice
        .alerts
        .iter()
        .map(|alert| alert.severity)
        .min()
        .unwrap_or(Severity::Warning);
    let mark = if worst == Severity::Critical {
        "🔥"
    } else {
        "⚠️"
    };
    let shared = if notice.labels.is_empty() {
        notice
            .alerts
            .first()
            .map(|alert| alert.rule.clone())
            .unwrap_or_default()
    } else {
        notice
            .labels
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let title = clip(
        &format!("{mark} [FIRING:{}] {shared}", notice.alerts.len()),
        150,
    );
    let mut lines: Vec<Line> = Vec::new();
    let repeated = notice.alerts.len() - notice.new.min(notice.alerts.len());
    lines.push(vec![text(match (notice.new, repeated) {
        (0, _) => "Still firing".to_owned(),
        (new, 0) => format!("{new} new"),
        (new, old) => format!("{new} new, {old} still firing"),
    })]);
    for (index, alert) in notice.alerts.iter().enumerate() {
        let mut line = vec![
            text(if index < notice.new {
                "• new "
            } else {
                "• "
            }),
            link(alert.rule.clone(), alert.url.as_ref()),
            text(format!(": {}", clip(&alert.summary, 200))),
        ];
        if alert.flapping {
            line.push(text(" (flapping)"));
        }
        line.push(text(format!(" · {}", alert.severity)));
        lines.push(line);
    }
    let services: std::collections::BTreeSet<&str> = notice
        .alerts
        .iter()
        .filter_map(|alert| alert.service.as_deref())
        .collect();
    let mut context = vec![bold(worst.as_str())];
    if !services.is_empty() {
        context.push(text(format!(
            " · service {}",
            services.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    Message {
        summary: title.clone(),
        title,
        title_url: None,
        lines,
        context: vec![context],
        outcome: Some(Outcome::Failure),
    }
}

fn digest_message(data: &DigestData) -> Message {
    let total = data.total();
    let repositories = data.repositories.len();
    let title = if total == 0 {
        "📋 No open pull requests".to_owned()
    } else {
        format!(
            "📋 {total} open pull request{} in {repositories} repositor{}",
            if total == 1 { "" } else { "s" },
            if repositories == 1 { "y" } else { "ies" }
        )
    };
    let mut lines: Vec<Line> = Vec::new();
    for repository in &data.repositories {
        lines.push(vec![bold(&repository.repository)]);
        for change in &repository.changes {
            let number = if change.source == "gitlab" {
                format!("!{}", change.number)
            } else {
                format!("#{}", change.number)
            };
            let mut line = vec![
                text(format!("{} ", ci_mark(change.ci))),
                link(
                    format!("{number} {}", clip(&change.title, 120)),
                    change.url.as_ref(),
                ),
                text(format!(" · {}", age(change.opened_at, data.generated_at))),
            ];
            if let Some(author) = &change.author {
                line.push(text(format!(" · {author}")));
            }
            if change.draft {
                line.push(text(" · draft"));
            }
            line.push(text(format!(" · {}", waiting_on(change))));
            let keys: Vec<&str> = crate::core::tickets::find_keys(&change.title, &[])
                .into_iter()
                .map(|range| &change.title[range])
                .collect();
            if !keys.is_empty() {
                line.push(text(format!(" · {}", keys.join(", "))));
            }
            lines.push(line);
        }
    }
    Message {
        summary: title.clone(),
        title,
        title_url: None,
        lines,
        context: vec![vec![text(format!(
            "✅ passed · ❌ failed · ⏳ running or not reported · as of {} ({})",
            data.generated_at
                .in_tz(&data.timezone)
                .map(|zoned| zoned.strftime("%a %Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|_| data.generated_at.to_string()),
            data.timezone
        ))]],
        outcome: None,
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

//! How forge events and digests read in chat: pull requests, pushes, builds, releases,
//! deployments, reviews and comments, and the open pull request digest.

use crate::core::digest::{DigestData, age, ci_mark, waiting_on};
use crate::core::forge::{ForgeEvent, Outcome};
use crate::integrations::outbound::EventMessage;
use crate::integrations::outbound::message::{
    Line, Message, PUSH_COMMIT_LINES, bold, capitalize, change_reference, clip, code, in_zone,
    link, short_sha, text,
};

/// How a digest or a forge event reads; `None` for other events.
pub fn message(event: &EventMessage) -> Option<Message> {
    if event.source == "firewatch" && event.kind == super::digest::DIGEST {
        if let Ok(data) = serde_json::from_value::<DigestData>(event.payload.clone()) {
            return Some(digest_message(&data));
        }
    }
    event
        .normalized
        .as_ref()
        .map(|forge| forge_message(forge, &event.source))
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
            // A rollback, revert or hotfix says so; a recorded deployment names its service.
            let what = match deployment.kind.as_deref() {
                Some("rollback") => "Rollback",
                Some("revert") => "Revert",
                Some("hotfix") => "Hotfix",
                _ => "Deployment",
            };
            let whose = deployment.service.as_deref().unwrap_or(repo.as_str());
            (
                format!("{mark} {what} to {environment} {state}"),
                format!("{whose}: {} to {environment} {state}", what.to_lowercase()),
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
            let number = change_reference(&change.source, change.number);
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
            in_zone(data.generated_at, &data.timezone, "%a %Y-%m-%d %H:%M"),
            data.timezone
        ))]],
        outcome: None,
    }
}

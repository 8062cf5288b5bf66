//! How forge events and digests read in chat: pull requests, pushes, builds, releases,
//! deployments, reviews and comments, and the open pull request digest.

use crate::core::digest::{DigestData, ci_mark};
use crate::core::forge::{ForgeEvent, Outcome};
use crate::i18n::Locale;
use crate::integrations::outbound::EventMessage;
use crate::integrations::outbound::message::{
    Line, Message, PUSH_COMMIT_LINES, age_in, bold, capitalize, change_reference, clip, code,
    in_zone, link, short_sha, text,
};

/// How a digest or a forge event reads; `None` for other events.
pub fn message(event: &EventMessage, locale: Locale) -> Option<Message> {
    if event.source == "firewatch" && event.kind == super::digest::DIGEST {
        if let Ok(data) = serde_json::from_value::<DigestData>(event.payload.clone()) {
            return Some(digest_message(&data, locale));
        }
    }
    event
        .normalized
        .as_ref()
        .map(|forge| forge_message(forge, &event.source, locale))
}

fn who(forge: &ForgeEvent, locale: Locale) -> String {
    forge
        .actor
        .clone()
        .unwrap_or_else(|| locale.text("forge-someone"))
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

fn forge_message(forge: &ForgeEvent, source: &str, locale: Locale) -> Message {
    let actor = who(forge, locale);
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
            line.push(text(locale.text("forge-by-after")));
            line.push(bold(actor));
        }
    };
    let title_text = forge.title.clone().unwrap_or_default();
    // What every sentence below may name.
    let words = |key: &str, extra: &[(&str, String)]| {
        let mut args: Vec<(&str, crate::i18n::Arg)> = vec![
            ("actor", actor.as_str().into()),
            ("repo", repo.as_str().into()),
            ("noun", change_noun.into()),
            ("number", number.as_str().into()),
            ("title", title_text.as_str().into()),
        ];
        args.extend(
            extra
                .iter()
                .map(|(name, value)| (*name, value.as_str().into())),
        );
        locale.text_with(key, &args)
    };
    let (title, summary) = match forge.kind.as_str() {
        "pull_request" => {
            let change = forge.change.clone().unwrap_or_default();
            let verb = match forge.action.as_str() {
                action @ ("opened" | "closed" | "merged" | "reopened" | "synchronize"
                | "ready_for_review" | "review_requested" | "converted_to_draft"
                | "edited") => locale.text(&format!("forge-pr-{}", action.replace('_', "-"))),
                other => other.to_owned(),
            };
            let mut line = vec![text(locale.text("forge-by")), bold(&actor)];
            if let (Some(head), Some(base)) = (&change.head_branch, &change.base_branch) {
                line.push(text(" · "));
                line.push(code(format!("{head} → {base}")));
            }
            if change.draft {
                line.push(text(locale.text("forge-draft")));
            }
            lines.push(line);
            if forge.action == "review_requested" {
                if let Some(reviewer) = &change.requested_reviewer {
                    lines.push(vec![text(locale.text("forge-reviewer")), bold(reviewer)]);
                }
            }
            if let Some(author) = change.author.as_ref().filter(|author| **author != actor) {
                context.push(vec![text(
                    locale.text_with("forge-author", &[("author", author.as_str().into())]),
                )]);
            }
            if !forge.labels.is_empty() {
                context.push(vec![text(locale.text_with(
                    "forge-labels",
                    &[("labels", forge.labels.join(", ").into())],
                ))]);
            }
            let verb = [("verb", verb)];
            (
                words("forge-pr-title", &verb),
                words("forge-pr-summary", &verb),
            )
        }
        "review" => {
            let (mark, key) = match forge.action.as_str() {
                "approved" => ("✅", "approved"),
                "changes_requested" => ("❗", "changes"),
                _ => ("💬", "reviewed"),
            };
            if let Some(body) = forge.review.as_ref().and_then(|r| r.body.as_ref()) {
                lines.push(vec![text(clip(body, 500))]);
            }
            (
                format!(
                    "{mark} {}",
                    words(&format!("forge-review-{key}-title"), &[])
                ),
                words(&format!("forge-review-{key}-summary"), &[]),
            )
        }
        "push" => {
            let push = forge.push.clone().unwrap_or_default();
            let branch = forge.branch.clone().unwrap_or_default();
            let count = push.total_commits.max(push.commits.len() as u64);
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
                lines.push(vec![text(crate::integrations::outbound::markdown::more(
                    (count - shown) as usize,
                    locale,
                ))]);
            }
            if let Some(compare) = &push.compare_url {
                context.push(vec![link(locale.text("forge-compare"), Some(compare))]);
            }
            let key = if push.forced {
                "forge-force-pushed"
            } else {
                "forge-pushed"
            };
            let title = locale.text_with(
                key,
                &[
                    ("actor", actor.as_str().into()),
                    ("count", count.into()),
                    ("branch", branch.as_str().into()),
                ],
            );
            (
                title.clone(),
                locale.text_with(
                    "forge-with-repo",
                    &[("repo", repo.as_str().into()), ("text", title.into())],
                ),
            )
        }
        "tag" | "branch" => {
            lines.push(vec![text(locale.text("forge-by")), bold(&actor)]);
            let what = [
                ("kind", locale.text(&format!("forge-ref-{}", forge.kind))),
                ("action", ref_action(&forge.action, locale)),
            ];
            (
                capitalize(&words("forge-ref-title", &what)),
                words("forge-ref-summary", &what),
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
                line.push(text(locale.text("forge-commit")));
                line.push(code(short_sha(sha)));
            }
            if let Some(run) = build.run_number {
                line.push(text(locale.text_with("forge-run", &[("run", run.into())])));
            }
            if !line.is_empty() {
                lines.push(line);
            }
            let sentence = |key: &str| {
                let mut args: Vec<(&str, crate::i18n::Arg)> = vec![
                    ("name", build.name.as_str().into()),
                    ("state", locale.text(&format!("forge-build-{state}")).into()),
                ];
                if let Some(branch) = &forge.branch {
                    args.push(("branch", branch.as_str().into()));
                }
                locale.text_with(key, &args)
            };
            let key = if forge.branch.is_some() {
                "forge-build-on"
            } else {
                "forge-build"
            };
            let said = sentence(key);
            (
                format!("{mark} {said}"),
                locale.text_with(
                    "forge-with-repo",
                    &[("repo", repo.as_str().into()), ("text", said.into())],
                ),
            )
        }
        "release" => {
            let release = forge.release.clone().unwrap_or_default();
            let key = if release.prerelease {
                "forge-prerelease"
            } else {
                "forge-release"
            };
            let mut line = vec![text(locale.text("forge-tag")), code(&release.tag)];
            by(&mut line);
            lines.push(line);
            (
                format!("🚀 {}", capitalize(&words(key, &[]))),
                words("forge-with-repo", &[("text", words(key, &[]))]),
            )
        }
        "deployment" => {
            let deployment = forge.deployment.clone().unwrap_or_default();
            let mark = outcome_mark(forge.outcome);
            let environment = deployment.environment.clone();
            let state = match forge.outcome {
                Some(Outcome::Success) => locale.text("forge-deploy-succeeded"),
                Some(Outcome::Failure) => locale.text("forge-deploy-failed"),
                _ => forge.action.clone(),
            };
            let mut line = Vec::new();
            if let Some(reference) = &deployment.reference {
                line.push(code(reference));
            }
            if let Some(sha) = &deployment.sha {
                line.push(text(locale.text("forge-at")));
                line.push(code(short_sha(sha)));
            }
            by(&mut line);
            lines.push(line);
            if let Some(description) = &deployment.description {
                lines.push(vec![text(clip(description, 500))]);
            }
            // A rollback, revert or hotfix says so; a recorded deployment names its service.
            let what = deployment
                .kind
                .as_deref()
                .filter(|kind| matches!(*kind, "rollback" | "revert" | "hotfix"))
                .unwrap_or("deployment");
            let what = locale.text(&format!("forge-deploy-{what}"));
            let whose = deployment.service.as_deref().unwrap_or(repo.as_str());
            let said = |what: String| {
                locale.text_with(
                    "forge-deploy",
                    &[
                        ("what", what.into()),
                        ("environment", environment.as_str().into()),
                        ("state", state.as_str().into()),
                    ],
                )
            };
            (
                format!("{mark} {}", said(what.clone())),
                locale.text_with(
                    "forge-with-repo",
                    &[
                        ("repo", whose.into()),
                        ("text", said(lowercase_in(&what, locale)).into()),
                    ],
                ),
            )
        }
        "comment" => {
            let comment = forge.comment.clone().unwrap_or_default();
            let on = if comment.on_change {
                change_noun.to_owned()
            } else {
                locale.text("forge-issue")
            };
            let author = comment.author.clone().unwrap_or(actor.clone());
            lines.push(vec![text(clip(&comment.body, 1000))]);
            let who = [("author", author), ("on", on)];
            (
                format!("💬 {}", words("forge-comment-title", &who)),
                words("forge-comment-summary", &who),
            )
        }
        other => {
            lines.push(vec![text(locale.text("forge-by")), bold(&actor)]);
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
        context.push(vec![text(
            locale.text_with("forge-branch", &[("branch", branch.as_str().into())]),
        )]);
    }
    Message {
        summary: clip(&summary, 300),
        title: clip(&title, 150),
        title_url: forge.url.clone(),
        lines,
        context,
        outcome: forge.outcome,
        locale,
    }
}

/// Whose move it is, in the message's language.
fn waiting_words(change: &crate::core::digest::DigestChange, locale: Locale) -> String {
    match change.review_state.as_deref() {
        Some("changes_requested") => locale.text("digest-waiting-author"),
        Some("approved") => locale.text("digest-approved"),
        _ if !change.requested_reviewers.is_empty() => locale.text_with(
            "digest-waiting-on",
            &[("who", change.requested_reviewers.join(", ").into())],
        ),
        _ => locale.text("digest-needs-reviewer"),
    }
}

/// When the digest was made, in its zone: `Mon 2026-11-02 09:00`, `2026년 11월 2일 09:00`.
fn digest_time(data: &DigestData, locale: Locale) -> String {
    match (locale, data.generated_at.in_tz(&data.timezone)) {
        (Locale::Ko, Ok(zoned)) => locale.date_time(&zoned),
        _ => in_zone(data.generated_at, &data.timezone, "%a %Y-%m-%d %H:%M"),
    }
}

/// A tag's or branch's `created`, `deleted`, in the message's language.
fn ref_action(action: &str, locale: Locale) -> String {
    match action {
        "created" | "deleted" => locale.text(&format!("forge-ref-{action}")),
        other => other.to_owned(),
    }
}

/// English lowercases a word inside a sentence; Korean has no case.
fn lowercase_in(word: &str, locale: Locale) -> String {
    match locale {
        Locale::En => word.to_lowercase(),
        _ => word.to_owned(),
    }
}

fn digest_message(data: &DigestData, locale: Locale) -> Message {
    let total = data.total();
    let repositories = data.repositories.len();
    let title = if total == 0 {
        format!("📋 {}", locale.text("digest-none"))
    } else {
        format!(
            "📋 {}",
            locale.text_with(
                "digest-title",
                &[
                    ("total", total.into()),
                    ("repositories", repositories.into())
                ],
            )
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
                text(format!(
                    " · {}",
                    age_in(locale, change.opened_at, data.generated_at)
                )),
            ];
            if let Some(author) = &change.author {
                line.push(text(format!(" · {author}")));
            }
            if change.draft {
                line.push(text(locale.text("forge-draft")));
            }
            line.push(text(format!(" · {}", waiting_words(change, locale))));
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
        context: vec![vec![text(locale.text_with(
            "digest-legend",
            &[
                ("at", digest_time(data, locale).into()),
                ("zone", data.timezone.as_str().into()),
            ],
        ))]],
        outcome: None,
        locale,
    }
}

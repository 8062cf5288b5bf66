//! The one list of migrations: each version has a file per backend under `migrations/`, with
//! the same number and name, written in that backend's dialect.

/// A migration: its version, what it adds, and its SQL for SQLite and for PostgreSQL.
pub(super) struct Migration {
    pub version: i64,
    pub description: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! migration {
    ($version:literal, $file:literal, $description:literal) => {
        Migration {
            version: $version,
            description: $description,
            sqlite: include_str!(concat!("../../migrations/sqlite/", $file)),
            postgres: include_str!(concat!("../../migrations/postgres/", $file)),
        }
    };
}

/// Every migration, oldest first. A new one is one line here and a file in each folder.
pub(super) const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_init.sql", "events, jobs and api tokens"),
    migration!(2, "0002_normalized.sql", "normalized forge records"),
    migration!(
        3,
        "0003_state.sql",
        "pull request and build state, job keys"
    ),
    migration!(
        4,
        "0004_forge_index.sql",
        "index of forge events for the projector"
    ),
    migration!(5, "0005_users.sql", "users"),
    migration!(
        6,
        "0006_web.sql",
        "sessions, delivery attempts, event counts and event repositories"
    ),
    migration!(7, "0007_alerts.sql", "alerts and their changes"),
    migration!(8, "0008_silences.sql", "silences and maintenance windows"),
    migration!(
        9,
        "0009_alert_groups.sql",
        "notification groups and flapping"
    ),
    migration!(
        10,
        "0010_alert_tasks.sql",
        "tasks for unhandled alerts, and notices for the noise report"
    ),
    migration!(
        11,
        "0011_checks.sql",
        "built-in checks: state, results and rollups"
    ),
    migration!(12, "0012_job_heads.sql", "claims read queue heads"),
    migration!(
        13,
        "0013_forge_commit_order.sql",
        "forge events read in commit order"
    ),
    migration!(
        14,
        "0014_oncall.sql",
        "overrides, escalations, pages and acknowledge links"
    ),
    migration!(15, "0015_incidents.sql", "incidents and their timelines"),
    migration!(
        16,
        "0016_incident_response.sql",
        "incident alerts, roles, status updates and what changed"
    ),
    migration!(17, "0017_postmortems.sql", "post-mortems and action items"),
    migration!(
        18,
        "0018_changes.sql",
        "change announcements, and tokens that belong to a user"
    ),
    migration!(
        19,
        "0019_status_overrides.sql",
        "status page components set by hand"
    ),
    migration!(20, "0020_status_subscribers.sql", "status page subscribers"),
    migration!(
        21,
        "0021_deployments.sql",
        "deployments, their changes, and pushed commits"
    ),
    migration!(
        22,
        "0022_deployment_records.sql",
        "each deployment's packed DORA record"
    ),
    migration!(23, "0023_token_creator.sql", "who made each API token"),
    migration!(
        24,
        "0024_alerts_fired.sql",
        "alerts listed by their latest fire"
    ),
    migration!(
        25,
        "0025_chat_messages.sql",
        "the chat message a delivery posted"
    ),
    migration!(26, "0026_chat_users.sql", "chat users matched by email"),
    migration!(
        27,
        "0027_chat_requests.sql",
        "chat requests already acted on"
    ),
    migration!(
        28,
        "0028_incident_chat_channels.sql",
        "the chat channels an incident was given"
    ),
    migration!(29, "0029_deployment_actor.sql", "who deployed"),
    migration!(30, "0030_pr_triggers.sql", "pull request commands"),
    migration!(31, "0031_merge_reviews.sql", "the no-self-merge rule"),
    migration!(32, "0032_pipeline_runs.sql", "the pipelines board"),
    migration!(33, "0033_ticket_comments.sql", "comments on Jira issues"),
    migration!(
        34,
        "0034_announcement_external.sql",
        "changes that stand for a Terraform run"
    ),
    migration!(
        35,
        "0035_alert_ends_at.sql",
        "alerts that resolve unless re-sent"
    ),
    migration!(36, "0036_heartbeats.sql", "heartbeats and their pings"),
    migration!(
        37,
        "0037_page_shadow.sql",
        "shadow pages, recorded and never sent"
    ),
    migration!(38, "0038_audit_log.sql", "the audit log and its chain"),
    migration!(39, "0039_oidc.sql", "single sign-on through OpenID Connect"),
    migration!(
        40,
        "0040_retention.sql",
        "when an event's raw payload was pruned"
    ),
];

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    /// A file dropped into a folder but left out of the list would never run.
    #[test]
    fn every_migration_file_is_listed_in_order() {
        for backend in ["sqlite", "postgres"] {
            let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(backend);
            let files = std::fs::read_dir(&folder)
                .unwrap()
                .filter(|entry| {
                    entry
                        .as_ref()
                        .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
                })
                .count();
            assert_eq!(files, MIGRATIONS.len(), "{backend}: files against the list");
        }
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1);
        }
    }
}

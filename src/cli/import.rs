//! `firewatch import pagerduty|opsgenie|grafana-oncall|alertmanager`: read another tool, write
//! Firewatch config and a report (PRODUCT.md §2.16, §3.2). Exit 0 when it wrote (or planned) a
//! config, 1 on a source it could not read.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use jiff::{SignedDuration, Timestamp};

use super::ServerArgs;
use crate::clock::{Clock as _, SystemClock};
use crate::import::{self, Source};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// From PagerDuty's REST API: people, teams, schedules, escalation policies, services.
    Pagerduty {
        /// A REST API key (read-only is enough).
        #[arg(long, env = "PAGERDUTY_TOKEN", hide_env_values = true)]
        token: String,
        /// PagerDuty's REST API.
        #[arg(long, default_value = import::PAGERDUTY_API)]
        api_url: String,
        #[command(flatten)]
        common: ImportArgs,
    },
    /// From Opsgenie's REST API (v2; services from v1).
    Opsgenie {
        /// An API key with Read and Configuration access.
        #[arg(long, env = "OPSGENIE_API_KEY", hide_env_values = true)]
        key: String,
        /// `https://api.eu.opsgenie.com` for the EU instance.
        #[arg(long, default_value = import::OPSGENIE_API)]
        api_url: String,
        #[command(flatten)]
        common: ImportArgs,
    },
    /// From Grafana OnCall's public API v1.
    GrafanaOncall {
        /// An OnCall API token.
        #[arg(long, env = "GRAFANA_ONCALL_TOKEN", hide_env_values = true)]
        token: String,
        /// OnCall's API URL (OnCall → Settings → API URL), such as
        /// `https://oncall-prod-us-central-0.grafana.net/oncall`.
        #[arg(long)]
        api_url: String,
        #[command(flatten)]
        common: ImportArgs,
    },
    /// From an Alertmanager config file: receivers, the route tree, inhibit rules and time
    /// intervals.
    Alertmanager {
        /// The alertmanager.yml to read.
        file: PathBuf,
        #[command(flatten)]
        common: ImportArgs,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The config file to write.
    #[arg(long, default_value = "firewatch.import.toml")]
    out: PathBuf,
    /// The report of what was and was not carried over (Markdown).
    #[arg(long, default_value = "import-report.md")]
    report: PathBuf,
    /// Print what would change against the running config (--config), and write nothing.
    #[arg(long)]
    plan: bool,
    /// Store the source's future overrides in the database (--database-url or the config's).
    #[arg(long)]
    apply_overrides: bool,
    /// Write the escalation policies without `shadow = true` (they page from the start).
    #[arg(long)]
    no_shadow: bool,
    /// Overrides ending after this time are carried (RFC 3339; default now).
    #[arg(long)]
    since: Option<Timestamp>,
    #[command(flatten)]
    server: ServerArgs,
}

/// How far ahead overrides are read: a quarter covers every rota people plan by hand.
const OVERRIDES_AHEAD: SignedDuration = SignedDuration::from_hours(24 * 92);

pub async fn import(command: ImportCommand) -> anyhow::Result<()> {
    let (source, common) = match command {
        ImportCommand::Pagerduty {
            token,
            api_url,
            common,
        } => (Source::Pagerduty { token, api_url }, common),
        ImportCommand::Opsgenie {
            key,
            api_url,
            common,
        } => (Source::Opsgenie { key, api_url }, common),
        ImportCommand::GrafanaOncall {
            token,
            api_url,
            common,
        } => (Source::GrafanaOncall { token, api_url }, common),
        ImportCommand::Alertmanager { file, common } => (Source::Alertmanager { file }, common),
    };
    let since = common.since.unwrap_or_else(|| SystemClock.now());
    let until = since.saturating_add(OVERRIDES_AHEAD).unwrap_or(since);
    let command = source.command();
    let org = import::read(&source, since, until)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let text = import::write::config(&org, &command, !common.no_shadow);
    let config = import::check(&text).map_err(|error| anyhow::anyhow!(error))?;
    let overrides = import::resolve_overrides(&org, &config);
    let variables = import::write::variables(&text);
    let report = import::write::report(&org, &command, &overrides, &variables);
    if common.plan {
        let current = match super::load_config(&common.server) {
            Ok(loaded) => loaded.file.and_then(|file| {
                std::fs::read_to_string(file)
                    .ok()
                    .and_then(|text| import::as_value(&text))
            }),
            Err(error) => bail!("cannot read the running config to plan against: {error:#}"),
        };
        let imported = import::as_value(&text).context("the imported config is not TOML")?;
        print!("{}", import::plan(current.as_ref(), &imported));
        println!(
            "{} item(s) were not carried over; {} future override(s){}. Nothing was written.",
            org.skipped.len(),
            overrides.len(),
            if common.apply_overrides {
                " would be stored"
            } else {
                ""
            }
        );
        return Ok(());
    }
    std::fs::write(&common.out, &text)
        .with_context(|| format!("cannot write {}", common.out.display()))?;
    std::fs::write(&common.report, &report)
        .with_context(|| format!("cannot write {}", common.report.display()))?;
    println!(
        "Wrote {} ({} people, {} teams, {} schedules, {} escalation policies, {} services, {} destinations, {} routes) and {} ({} item(s) not carried over).",
        common.out.display(),
        org.people.len(),
        org.teams.len(),
        org.schedules.len(),
        org.policies.len(),
        org.services.len(),
        text.matches("\n[[destinations]]\n").count(),
        org.routes.len(),
        common.report.display(),
        org.skipped.len()
    );
    if !variables.is_empty() {
        println!(
            "The config reads these variables: {}.",
            variables.join(", ")
        );
    }
    if common.apply_overrides {
        let store = super::open_store(&common.server).await?;
        let result =
            import::apply_overrides(&store, &overrides, &super::cli_actor(), SystemClock.now())
                .await;
        store.close().await;
        let (stored, present) = result.context("cannot store the overrides")?;
        println!("Stored {stored} override(s); {present} were already there.");
    } else if !overrides.is_empty() {
        println!(
            "{} future override(s) are listed in the report; --apply-overrides stores them.",
            overrides.len()
        );
    }
    Ok(())
}

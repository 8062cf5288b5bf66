//! The `jenkins` kind: the Notification plugin's JSON
//! (<https://plugins.jenkins.io/notification/>: `name`, `url`, `build{full_url, number, phase,
//! status, timestamp, duration, scm{url, branch, commit}, parameters}`). The plugin signs
//! nothing; the token comes as the password of the endpoint URL's `user:token@`, which the
//! plugin sends as basic auth.
//!
//! A job a `[[integrations.deploys]]` rule matches is a deployment; any other is a build (a CI
//! result). The plugin reports a build up to four times (QUEUED, STARTED, COMPLETED,
//! FINALIZED): only a finished phase is acted on, and both finished phases carry one key, so the
//! second is a duplicate.

use serde_json::Value;

use super::config::{DeployIntegration, DeployRule};
use super::json::{number, text};
use super::{Parsed, Rejection};
use crate::core::dora::DeployKind;
use crate::core::forge::{Build, Deployment, ForgeEvent, Outcome, repository_from_url};

pub fn parse(settings: &DeployIntegration, body: &[u8]) -> Result<Parsed, Rejection> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|error| Rejection::InvalidJson(error.to_string()))?;
    let phase = text(&payload, "/build/phase").ok_or_else(|| {
        Rejection::InvalidPayload(
            "no build.phase: is this the Jenkins Notification plugin's JSON format?".into(),
        )
    })?;
    let job = job_name(&payload).ok_or_else(|| {
        Rejection::InvalidPayload("no job name (name or url) in the payload".into())
    })?;
    let number = number(&payload, "/build/number");
    let build_url = text(&payload, "/build/full_url");
    let finished = matches!(phase.as_str(), "COMPLETED" | "FINALIZED");
    let status = text(&payload, "/build/status").unwrap_or_default();
    let outcome = match status.as_str() {
        // A result before the end is no outcome (a pipeline may set one early).
        _ if !finished => Outcome::Pending,
        "SUCCESS" => Outcome::Success,
        // UNSTABLE: built, but tests failed; the pipeline did not do what it should.
        "FAILURE" | "UNSTABLE" => Outcome::Failure,
        "ABORTED" => Outcome::Cancelled,
        "NOT_BUILT" => Outcome::Skipped,
        _ => Outcome::Pending,
    };
    let run = build_url.clone().unwrap_or_else(|| {
        format!(
            "{job}#{}",
            number.map_or_else(|| "?".to_owned(), |n| n.to_string())
        )
    });
    // Both finished phases share one key, so COMPLETED then FINALIZED count once.
    let dedup_key = Some(if finished {
        format!("jenkins:{run}")
    } else {
        format!("jenkins:{run}:{phase}")
    })
    .filter(|key| key.len() <= super::generic::MAX_KEY_LENGTH);

    let scm_url = text(&payload, "/build/scm/url");
    let sha = text(&payload, "/build/scm/commit").filter(|sha| !sha.is_empty());
    let branch = text(&payload, "/build/scm/branch").map(|branch| {
        let branch = branch.strip_prefix("origin/").unwrap_or(&branch);
        crate::core::forge::split_ref(branch).1.to_owned()
    });
    let parameter = |name: &str| {
        text(&payload, &format!("/build/parameters/{name}")).filter(|value| !value.is_empty())
    };
    let mut forge = ForgeEvent {
        repository: scm_url
            .as_deref()
            .and_then(repository_from_url)
            .unwrap_or_else(|| job.clone()),
        repository_url: scm_url
            .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
            .map(|url| url.strip_suffix(".git").unwrap_or(&url).to_owned()),
        branch,
        url: build_url,
        title: Some(job.clone()),
        number,
        outcome: Some(outcome),
        ..ForgeEvent::default()
    };
    let (finished_at, started_at) = times(&payload, finished);
    let run_status = if !finished {
        "running"
    } else {
        match outcome {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Cancelled => "cancelled",
            Outcome::Skipped => "skipped",
            Outcome::Pending => "running",
        }
    };
    // A build is a run of one stage on the pipelines board.
    forge.pipeline = Some(crate::core::pipeline::Pipeline {
        run: format!(
            "{job}#{}",
            number.map_or_else(|| "?".to_owned(), |n| n.to_string())
        ),
        name: job.clone(),
        sha: sha.clone().or_else(|| parameter("PR_SHA")),
        branch: forge.branch.clone(),
        default_branch: None,
        status: Some(run_status.to_owned()),
        url: forge.url.clone(),
        started_at,
        finished_at,
        commit_title: None,
        commit_author: None,
        stages: vec![crate::core::pipeline::Stage {
            name: job.clone(),
            status: run_status.to_owned(),
            started_at,
            finished_at,
            url: forge.url.clone(),
            steps: Vec::new(),
        }],
        all_stages: true,
    });

    let mut ignored = (!finished).then(|| format!("build phase {phase} is not a finished build"));
    match DeployRule::find(&settings.deploys, &job) {
        Some(rule) => {
            let environment = rule
                .environment
                .clone()
                .or_else(|| parameter("ENVIRONMENT"))
                .or_else(|| parameter("ENV"));
            let kind = rule
                .kind
                .as_deref()
                .or(parameter("DEPLOY_KIND").as_deref())
                .and_then(DeployKind::parse)
                .unwrap_or(DeployKind::Planned);
            forge.kind = "deployment".into();
            forge.action = outcome.as_str().into();
            if ignored.is_none() && !matches!(outcome, Outcome::Success | Outcome::Failure) {
                ignored = Some(format!(
                    "deploy job {job} ended {status}: not a deployment that finished"
                ));
            }
            if environment.is_none() && ignored.is_none() {
                ignored = Some(format!(
                    "job {job} matches deploy rule \"{}\" but names no environment: set environment on the rule or pass an ENVIRONMENT parameter",
                    rule.pattern
                ));
            }
            let environment = environment.unwrap_or_default();
            forge.title = Some(environment.clone());
            forge.deployment = Some(Deployment {
                environment,
                sha: sha.clone(),
                reference: forge.branch.clone(),
                state: Some(outcome.as_str().into()),
                description: None,
                service: rule.service.clone().or_else(|| parameter("SERVICE")),
                version: parameter("VERSION").or_else(|| number.map(|n| format!("#{n}"))),
                kind: Some(kind.as_str().into()),
                commits: Vec::new(),
                started_at,
                finished_at,
            });
        }
        None => {
            forge.kind = "build".into();
            forge.action = if finished {
                "completed".into()
            } else {
                phase.to_ascii_lowercase()
            };
            forge.build = Some(Build {
                name: job.clone(),
                // A build Firewatch started for a pull request says its commit as a parameter
                // when its job checks out no SCM of its own.
                sha: sha.or_else(|| parameter("PR_SHA")),
                status: Some(phase.clone()),
                conclusion: finished.then(|| status.clone()),
                run_number: number,
            });
        }
    }
    Ok(Parsed {
        kind: forge.kind.clone(),
        dedup_key,
        ignored,
        forge: Some(forge),
        alerts: None,
    })
}

/// The job's full name: `folder/job` from its `url` (`job/folder/job/name/`), else `name`.
fn job_name(payload: &Value) -> Option<String> {
    let from_url = text(payload, "/url").and_then(|url| {
        let parts: Vec<&str> = url
            .split('/')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .chunks(2)
            .filter_map(|pair| match pair {
                ["job", name] => Some(*name),
                _ => None,
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    });
    from_url
        .or_else(|| text(payload, "/name"))
        .filter(|name| !name.trim().is_empty())
        .map(|name| name.chars().take(200).collect())
}

/// When a finished build ended and began. The plugin's `timestamp` is the phase's time: text
/// (`2026-12-03T09:41:07.5+00:00`) in recent versions, epoch milliseconds in older ones;
/// `duration` is the build's, in milliseconds.
fn times(payload: &Value, finished: bool) -> (Option<jiff::Timestamp>, Option<jiff::Timestamp>) {
    if !finished {
        return (None, None);
    }
    let at = match payload.pointer("/build/timestamp") {
        Some(Value::String(text)) => text.parse::<jiff::Timestamp>().ok(),
        Some(Value::Number(millis)) => millis
            .as_i64()
            .and_then(|millis| jiff::Timestamp::from_millisecond(millis).ok()),
        _ => None,
    };
    let duration = payload
        .pointer("/build/duration")
        .and_then(Value::as_i64)
        .filter(|millis| *millis > 0);
    let started = at.zip(duration).and_then(|(at, millis)| {
        at.checked_sub(jiff::SignedDuration::from_millis(millis))
            .ok()
    });
    (at, started)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the plugin sends for a folder job at FINALIZED, as its model serializes it (Gson,
    /// lower case with underscores).
    const FINALIZED: &str =
        include_str!("../../../fuzz/seeds/deploy_intake/jenkins.finalized.json");

    fn settings(deploys: Vec<DeployRule>) -> DeployIntegration {
        DeployIntegration {
            name: "jenkins".into(),
            token: None,
            deploys,
            rate_limit: None,
            max_body_bytes: None,
        }
    }

    fn rule(pattern: &str, environment: Option<&str>) -> DeployRule {
        DeployRule {
            pattern: pattern.into(),
            service: None,
            environment: environment.map(str::to_owned),
            kind: None,
        }
    }

    #[test]
    fn a_matched_job_is_a_deployment_of_its_commit() {
        let parsed = parse(
            &settings(vec![rule("api/deploy-*", None)]),
            FINALIZED.as_bytes(),
        )
        .unwrap();
        assert_eq!(parsed.kind, "deployment");
        assert_eq!(parsed.ignored, None);
        assert_eq!(
            parsed.dedup_key.as_deref(),
            Some("jenkins:https://ci.acme.example/job/api/job/deploy-production/57/")
        );
        let forge = parsed.forge.unwrap();
        assert_eq!(forge.repository, "acme/api");
        assert_eq!(forge.branch.as_deref(), Some("main"));
        assert_eq!(forge.outcome, Some(Outcome::Success));
        let deployment = forge.deployment.unwrap();
        assert_eq!(
            deployment.environment, "production",
            "the ENVIRONMENT parameter"
        );
        assert_eq!(deployment.version.as_deref(), Some("2.14.0"));
        assert_eq!(
            deployment.sha.as_deref(),
            Some("9fceb02d0ae598e95dc970b74767f19372d61af8")
        );
        assert_eq!(deployment.kind.as_deref(), Some("planned"));
        assert_eq!(
            deployment.finished_at,
            Some("2026-11-30T14:05:12.5Z".parse().unwrap())
        );
        assert_eq!(
            deployment.started_at,
            Some("2026-11-30T14:03:00.5Z".parse().unwrap()),
            "the timestamp less the duration"
        );
    }

    #[test]
    fn the_phases_before_the_end_are_kept_only_for_the_record() {
        let started = FINALIZED.replace("\"FINALIZED\"", "\"STARTED\"");
        let parsed = parse(&settings(vec![rule("*", None)]), started.as_bytes()).unwrap();
        assert_eq!(
            parsed.ignored.as_deref(),
            Some("build phase STARTED is not a finished build")
        );
        assert_ne!(
            parsed.dedup_key.as_deref(),
            Some("jenkins:https://ci.acme.example/job/api/job/deploy-production/57/")
        );
        let completed = FINALIZED.replace("\"FINALIZED\"", "\"COMPLETED\"");
        let parsed = parse(&settings(vec![rule("*", None)]), completed.as_bytes()).unwrap();
        assert_eq!(parsed.ignored, None);
        assert_eq!(
            parsed.dedup_key.as_deref(),
            Some("jenkins:https://ci.acme.example/job/api/job/deploy-production/57/"),
            "COMPLETED and FINALIZED are one deployment"
        );
    }

    #[test]
    fn an_unmatched_job_is_a_build_and_an_aborted_deploy_is_not_a_deployment() {
        let parsed = parse(&settings(vec![rule("web/*", None)]), FINALIZED.as_bytes()).unwrap();
        assert_eq!(parsed.kind, "build");
        let forge = parsed.forge.unwrap();
        assert_eq!(forge.action, "completed");
        assert_eq!(forge.build.unwrap().name, "api/deploy-production");

        let aborted = FINALIZED.replace("\"SUCCESS\"", "\"ABORTED\"");
        let parsed = parse(&settings(vec![rule("*", None)]), aborted.as_bytes()).unwrap();
        assert_eq!(
            parsed.ignored.as_deref(),
            Some("deploy job api/deploy-production ended ABORTED: not a deployment that finished")
        );
        let unstable = FINALIZED.replace("\"SUCCESS\"", "\"UNSTABLE\"");
        let parsed = parse(&settings(vec![rule("*", None)]), unstable.as_bytes()).unwrap();
        assert_eq!(parsed.forge.unwrap().outcome, Some(Outcome::Failure));
    }

    #[test]
    fn a_rule_names_the_environment_and_kind_and_without_one_the_reason_is_said() {
        let mut named = rule("*", Some("prod-eu"));
        named.kind = Some("rollback".into());
        named.service = Some("payments".into());
        let parsed = parse(&settings(vec![named]), FINALIZED.as_bytes()).unwrap();
        let deployment = parsed.forge.unwrap().deployment.unwrap();
        assert_eq!(deployment.environment, "prod-eu");
        assert_eq!(deployment.kind.as_deref(), Some("rollback"));
        assert_eq!(deployment.service.as_deref(), Some("payments"));

        let bare = FINALIZED.replace("\"ENVIRONMENT\"", "\"REGION\"");
        let parsed = parse(&settings(vec![rule("api/*", None)]), bare.as_bytes()).unwrap();
        assert!(
            parsed
                .ignored
                .unwrap()
                .contains("names no environment: set environment on the rule")
        );
    }

    #[test]
    fn older_plugins_send_epoch_milliseconds_and_odd_bodies_are_refused() {
        let value: Value = serde_json::from_str(FINALIZED).unwrap();
        let mut older = value.clone();
        older["build"]["timestamp"] = serde_json::json!(1_764_511_512_000_i64);
        older["build"].as_object_mut().unwrap().remove("duration");
        let parsed = parse(
            &settings(vec![rule("*", None)]),
            older.to_string().as_bytes(),
        )
        .unwrap();
        let deployment = parsed.forge.unwrap().deployment.unwrap();
        assert_eq!(
            deployment.finished_at,
            Some(jiff::Timestamp::from_millisecond(1_764_511_512_000).unwrap())
        );
        assert_eq!(deployment.started_at, None);

        for body in [
            "[]",
            "{}",
            "{\"name\": \"x\"}",
            "not json",
            "{\"build\": {\"phase\": 3}}",
        ] {
            let rejection = parse(&settings(Vec::new()), body.as_bytes()).unwrap_err();
            assert_eq!(rejection.status(), 400, "{body}");
        }
    }
}

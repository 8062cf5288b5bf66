//! The `argocd` kind: Argo CD's notifications engine, through a webhook service whose template
//! sends the Application resource as it is (`{"app": {{toJson .app}}, "context": {{toJson
//! .context}}}`; docs/integrations/deployments.md). Firewatch reads the Application's documented
//! fields (`metadata`, `spec.source(s)`, `spec.destination`, `status.operationState`), so a
//! template needs no upkeep as Argo CD adds fields.
//!
//! Every finished sync is a deployment of the synced revision. The revision is a commit of the
//! repository Argo CD deploys from: where that is the application's own repository, lead time
//! follows its commits; where it is a separate config repository, the commits are unknown and
//! the deployment says so (never zero lead time).

use serde_json::Value;

use super::config::{DeployIntegration, DeployRule};
use super::json::text;
use super::{Parsed, Rejection};
use crate::core::dora::DeployKind;
use crate::core::forge::{Deployment, ForgeEvent, Outcome, repository_from_url};

pub fn parse(settings: &DeployIntegration, body: &[u8]) -> Result<Parsed, Rejection> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|error| Rejection::InvalidJson(error.to_string()))?;
    let app = payload.get("app").filter(|app| app.is_object()).ok_or_else(|| {
        Rejection::InvalidPayload(
            "no \"app\" object: send the Application with the template {\"app\": {{toJson .app}}, \"context\": {{toJson .context}}}".into(),
        )
    })?;
    let name = text(app, "/metadata/name")
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| Rejection::InvalidPayload("no app.metadata.name".into()))?;
    let namespace = text(app, "/metadata/namespace").unwrap_or_default();
    let state = |pointer: &str| text(app, &format!("/status/operationState{pointer}"));
    let phase = state("/phase").unwrap_or_default();
    let outcome = match phase.as_str() {
        "Succeeded" => Outcome::Success,
        "Failed" | "Error" => Outcome::Failure,
        "Terminating" => Outcome::Cancelled,
        _ => Outcome::Pending,
    };
    let revision = state("/syncResult/revision")
        .or_else(|| state("/syncResult/revisions/0"))
        .or_else(|| state("/operation/sync/revision"))
        .or_else(|| text(app, "/status/sync/revision"))
        .filter(|revision| !revision.is_empty());
    let repo_url =
        text(app, "/spec/source/repoURL").or_else(|| text(app, "/spec/sources/0/repoURL"));
    let finished_at = state("/finishedAt").and_then(|at| at.parse().ok());
    let started_at = state("/startedAt").and_then(|at| at.parse().ok());

    let rule = DeployRule::find(&settings.deploys, &name);
    let label =
        |key: &str| text(app, &format!("/metadata/labels/{key}")).filter(|value| !value.is_empty());
    let environment = rule
        .and_then(|rule| rule.environment.clone())
        .or_else(|| label("environment"))
        .or_else(|| label("env"))
        .or_else(|| text(app, "/spec/destination/namespace").filter(|ns| !ns.is_empty()))
        .unwrap_or_default();
    let kind = rule
        .and_then(|rule| rule.kind.as_deref())
        .and_then(DeployKind::parse)
        .unwrap_or(DeployKind::Planned);
    // The image's tag says what was deployed better than a commit does.
    let version = app
        .pointer("/status/summary/images/0")
        .and_then(Value::as_str)
        .and_then(|image| image.rsplit_once(':'))
        .map(|(_, tag)| tag.to_owned())
        .filter(|tag| !tag.contains('/'))
        .or_else(|| revision.as_ref().map(|sha| sha.chars().take(12).collect()));
    let url = text(&payload, "/context/argocdUrl")
        .map(|base| format!("{}/applications/{name}", base.trim_end_matches('/')));

    let ignored = match outcome {
        Outcome::Success | Outcome::Failure if environment.is_empty() => Some(format!(
            "application {name} names no environment: give it an environment label, a destination namespace, or a deploy rule with environment"
        )),
        Outcome::Success | Outcome::Failure => None,
        _ if phase.is_empty() => Some(format!("application {name} has no finished sync")),
        _ => Some(format!("sync phase {phase} is not a finished sync")),
    };
    let dedup_key = Some(format!(
        "argocd:{namespace}/{name}:{}",
        state("/finishedAt")
            .or_else(|| revision.clone())
            .unwrap_or_else(|| phase.clone())
    ))
    .filter(|key| key.len() <= super::generic::MAX_KEY_LENGTH);
    let forge = ForgeEvent {
        kind: "deployment".into(),
        action: outcome.as_str().into(),
        repository: repo_url
            .as_deref()
            .and_then(repository_from_url)
            .unwrap_or_else(|| name.clone()),
        repository_url: repo_url
            .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
            .map(|url| url.strip_suffix(".git").unwrap_or(&url).to_owned()),
        actor: state("/operation/initiatedBy/username"),
        url,
        title: Some(environment.clone()),
        outcome: Some(outcome),
        deployment: Some(Deployment {
            environment,
            sha: revision,
            reference: text(app, "/spec/source/targetRevision"),
            state: Some(outcome.as_str().into()),
            description: state("/message").map(|message| message.chars().take(500).collect()),
            service: rule.and_then(|rule| rule.service.clone()),
            version,
            kind: Some(kind.as_str().into()),
            commits: Vec::new(),
            started_at,
            finished_at,
        }),
        ..ForgeEvent::default()
    };
    Ok(Parsed {
        kind: forge.kind.clone(),
        dedup_key,
        ignored,
        forge: Some(forge),
        alerts: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An Application after an automated sync, as `toJson .app` renders it.
    const SYNCED: &str = include_str!("../../../fuzz/seeds/deploy_intake/argocd.synced.json");

    fn settings(deploys: Vec<DeployRule>) -> DeployIntegration {
        DeployIntegration {
            name: "argocd".into(),
            token: None,
            deploys,
            rate_limit: None,
            max_body_bytes: None,
        }
    }

    #[test]
    fn a_finished_sync_is_a_deployment_of_its_revision() {
        let parsed = parse(&settings(Vec::new()), SYNCED.as_bytes()).unwrap();
        assert_eq!(parsed.kind, "deployment");
        assert_eq!(parsed.ignored, None);
        assert_eq!(
            parsed.dedup_key.as_deref(),
            Some("argocd:argocd/api-production:2026-11-30T14:03:40Z")
        );
        let forge = parsed.forge.unwrap();
        assert_eq!(forge.repository, "acme/api");
        assert_eq!(
            forge.url.as_deref(),
            Some("https://argocd.acme.example/applications/api-production")
        );
        assert_eq!(forge.outcome, Some(Outcome::Success));
        let deployment = forge.deployment.unwrap();
        assert_eq!(deployment.environment, "production", "the label");
        assert_eq!(
            deployment.version.as_deref(),
            Some("2.14.0"),
            "the image's tag"
        );
        assert_eq!(
            deployment.sha.as_deref(),
            Some("9fceb02d0ae598e95dc970b74767f19372d61af8")
        );
        assert_eq!(
            deployment.started_at,
            Some("2026-11-30T14:03:01Z".parse().unwrap())
        );
        assert_eq!(
            deployment.finished_at,
            Some("2026-11-30T14:03:40Z".parse().unwrap())
        );
    }

    #[test]
    fn a_rule_maps_an_application_and_a_failed_sync_is_a_failed_deployment() {
        let rule = DeployRule {
            pattern: "api-*".into(),
            service: Some("api".into()),
            environment: Some("prod-us".into()),
            kind: Some("hotfix".into()),
        };
        let failed = SYNCED.replace("\"Succeeded\"", "\"Failed\"");
        let parsed = parse(&settings(vec![rule]), failed.as_bytes()).unwrap();
        let forge = parsed.forge.unwrap();
        assert_eq!(forge.outcome, Some(Outcome::Failure));
        let deployment = forge.deployment.unwrap();
        assert_eq!(deployment.environment, "prod-us");
        assert_eq!(deployment.service.as_deref(), Some("api"));
        assert_eq!(deployment.kind.as_deref(), Some("hotfix"));
    }

    #[test]
    fn a_running_sync_is_kept_for_the_record_and_odd_bodies_are_refused() {
        let running = SYNCED.replace("\"Succeeded\"", "\"Running\"");
        let parsed = parse(&settings(Vec::new()), running.as_bytes()).unwrap();
        assert_eq!(
            parsed.ignored.as_deref(),
            Some("sync phase Running is not a finished sync")
        );
        let mut bare: Value = serde_json::from_str(SYNCED).unwrap();
        bare["app"]["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("labels");
        bare["app"]["spec"]["destination"]
            .as_object_mut()
            .unwrap()
            .remove("namespace");
        let parsed = parse(&settings(Vec::new()), bare.to_string().as_bytes()).unwrap();
        assert!(parsed.ignored.unwrap().contains("names no environment"));
        for body in ["[]", "{}", "{\"app\": 1}", "{\"app\": {}}", "nope"] {
            let rejection = parse(&settings(Vec::new()), body.as_bytes()).unwrap_err();
            assert_eq!(rejection.status(), 400, "{body}");
        }
    }

    /// Both deploy parsers on every cut of both seeds and on bytes overwritten through them:
    /// each answers with a record or a 400, never a panic (the fuzz target `deploy_intake` goes
    /// further).
    #[test]
    fn cut_and_overwritten_payloads_are_answered_without_a_panic() {
        let jenkins = include_str!("../../../fuzz/seeds/deploy_intake/jenkins.finalized.json");
        let catch_all = settings(vec![DeployRule {
            pattern: "*".into(),
            service: None,
            environment: None,
            kind: None,
        }]);
        for seed in [SYNCED, jenkins] {
            let bytes = seed.as_bytes();
            let mut inputs: Vec<Vec<u8>> = (0..bytes.len())
                .step_by(3)
                .map(|cut| bytes[..cut].to_vec())
                .collect();
            for at in (0..bytes.len()).step_by(5) {
                for replacement in [b'"', b'{', b'1', b'\xff', b'n'] {
                    let mut changed = bytes.to_vec();
                    changed[at] = replacement;
                    inputs.push(changed);
                }
            }
            for input in &inputs {
                for rules in [&settings(Vec::new()), &catch_all] {
                    for result in [
                        parse(rules, input),
                        super::super::jenkins::parse(rules, input),
                    ] {
                        if let Err(rejection) = result {
                            assert_eq!(rejection.status(), 400, "{rejection:?}");
                        }
                    }
                }
            }
        }
    }
}

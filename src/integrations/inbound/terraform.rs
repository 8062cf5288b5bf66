//! The `terraform` kind: HCP Terraform and Terraform Enterprise run notifications (a
//! workspace's notification configuration with destination type "Webhook"). Each body is
//! signed: `X-TFE-Notification-Signature` is the hex HMAC-SHA512 of the body keyed by the
//! configuration's token. A run applied is a deployment of the workspace (the service whose
//! `repos` hold `ORGANIZATION/WORKSPACE`, or the integration's `service`); a run that errored
//! is a failed one, told like any; a run that waits for confirmation is kept (and, with
//! `approve_applies`, becomes a change needing two-person approval).

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha512;

use super::config::TerraformIntegration;
use super::json::text;
use super::{Parsed, Rejection, header};
use crate::core::forge::{Deployment, ForgeEvent, Outcome};

/// The trigger of a run that waits for someone to confirm its apply.
pub const NEEDS_ATTENTION: &str = "run:needs_attention";

pub fn verify(token: &str, headers: &axum::http::HeaderMap, body: &[u8]) -> Result<(), Rejection> {
    let signature = header(headers, "x-tfe-notification-signature").ok_or_else(|| {
        Rejection::InvalidSignature("the X-TFE-Notification-Signature header is missing".into())
    })?;
    let expected = hex::decode(signature.trim()).map_err(|_| {
        Rejection::InvalidSignature("X-TFE-Notification-Signature is not hex".into())
    })?;
    // HMAC accepts keys of any length.
    let mut mac =
        Hmac::<Sha512>::new_from_slice(token.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(body);
    mac.verify_slice(&expected).map_err(|_| {
        Rejection::InvalidSignature(
            "X-TFE-Notification-Signature does not match the integration's token".into(),
        )
    })
}

pub fn parse(settings: &TerraformIntegration, body: &[u8]) -> Result<Parsed, Rejection> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|error| Rejection::InvalidJson(error.to_string()))?;
    let notification = payload
        .pointer("/notifications/0")
        .filter(|n| n.is_object())
        .ok_or_else(|| {
            Rejection::InvalidPayload("no notifications: not an HCP Terraform notification".into())
        })?;
    let trigger = text(notification, "/trigger").unwrap_or_default();
    let run_status = text(notification, "/run_status").unwrap_or_default();
    let run_id = text(&payload, "/run_id");
    let workspace = text(&payload, "/workspace_name").unwrap_or_default();
    let organization = text(&payload, "/organization_name").unwrap_or_default();
    if trigger == "verification" {
        return Ok(Parsed {
            kind: "verification".into(),
            dedup_key: None,
            ignored: Some("HCP Terraform's verification: the notification is set up".into()),
            forge: None,
            alerts: None,
        });
    }
    let run_id = run_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Rejection::InvalidPayload("no run_id".into()))?;
    let outcome = match (trigger.as_str(), run_status.as_str()) {
        (_, "applied") => Outcome::Success,
        ("run:errored", _) | (_, "errored") => Outcome::Failure,
        _ => Outcome::Pending,
    };
    let updated_at = text(notification, "/run_updated_at").and_then(|at| at.parse().ok());
    let waits = trigger == NEEDS_ATTENTION;
    let environment = settings
        .environment
        .clone()
        .unwrap_or_else(|| workspace.clone());
    let forge = ForgeEvent {
        kind: "deployment".into(),
        action: match outcome {
            Outcome::Success | Outcome::Failure => outcome.as_str().into(),
            _ if waits => "needs_attention".into(),
            _ => run_status.clone(),
        },
        repository: format!("{organization}/{workspace}"),
        repository_url: None,
        // Who queued a run waiting for confirmation is its announcer; otherwise who moved it.
        actor: if waits {
            text(&payload, "/run_created_by")
        } else {
            text(notification, "/run_updated_by").or_else(|| text(&payload, "/run_created_by"))
        },
        url: text(&payload, "/run_url").filter(|url| crate::core::problem::is_http_url(url)),
        title: text(&payload, "/run_message").filter(|message| !message.is_empty()),
        outcome: Some(outcome),
        deployment: Some(Deployment {
            environment,
            sha: None,
            reference: None,
            state: Some(run_status.clone()),
            description: text(notification, "/message"),
            service: settings.service.clone(),
            version: Some(run_id.clone()),
            kind: Some("planned".into()),
            commits: Vec::new(),
            started_at: text(&payload, "/run_created_at").and_then(|at| at.parse().ok()),
            finished_at: updated_at,
        }),
        ..ForgeEvent::default()
    };
    let ignored = match outcome {
        Outcome::Success | Outcome::Failure => None,
        _ if waits => Some(format!("run {run_id} waits for its apply to be confirmed")),
        _ => Some(format!(
            "{trigger} ({run_status}) is not an applied or errored run"
        )),
    };
    Ok(Parsed {
        kind: "deployment".into(),
        dedup_key: Some(format!("terraform:{run_id}:{trigger}:{run_status}")),
        ignored,
        forge: Some(forge),
        alerts: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> TerraformIntegration {
        TerraformIntegration {
            name: "tfc".into(),
            token: Some("secret".into()),
            api_url: "https://app.terraform.io".into(),
            api_token: None,
            approve_applies: false,
            service: None,
            environment: None,
            rate_limit: None,
            max_body_bytes: None,
        }
    }

    #[test]
    fn signatures_verification_and_bad_bodies() {
        let body = br#"{"payload_version":1,"notifications":[{"trigger":"verification","message":"Verification of my-config"}]}"#;
        let mut headers = axum::http::HeaderMap::new();
        assert!(matches!(
            verify("secret", &headers, body),
            Err(Rejection::InvalidSignature(_))
        ));
        let mut mac = Hmac::<Sha512>::new_from_slice(b"secret").unwrap();
        mac.update(body);
        let signature = hex::encode(mac.finalize().into_bytes());
        headers.insert("x-tfe-notification-signature", signature.parse().unwrap());
        assert!(verify("secret", &headers, body).is_ok());
        assert!(verify("other", &headers, body).is_err());
        let parsed = parse(&settings(), body).unwrap();
        assert!(parsed.forge.is_none());
        assert!(parsed.ignored.unwrap().contains("verification"));
        for bad in [&b"[]"[..], b"{\"notifications\": []}", b"not json"] {
            assert!(parse(&settings(), bad).is_err(), "{bad:?}");
        }
        let planned = br#"{"run_id":"run-1","workspace_name":"w","organization_name":"o","notifications":[{"trigger":"run:planning","run_status":"planning"}]}"#;
        let parsed = parse(&settings(), planned).unwrap();
        assert!(parsed.ignored.is_some());
        assert_eq!(parsed.forge.unwrap().repository, "o/w");
    }
}

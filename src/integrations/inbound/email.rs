//! The `email` kind: an alert from a message the mail listener took (`src/mail`). The subject
//! is the summary; the body (plain text, else HTML as text) the details. A subject the
//! integration's `resolve_pattern` matches resolves; the alert's identity is the subject with
//! that match, leading tags (`[FIRING]`, `PROBLEM:`) and reply prefixes (`Re:`, `Fwd:`) taken
//! out, so "RESOLVED: Backup failed on db-1" ends the alert "Backup failed on db-1".

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::Parsed;
use super::config::EmailIntegration;
use crate::core::alert::{AlertSignal, SignalStatus};

/// The kind of the events mail makes.
pub const KIND: &str = "email_alert";

/// The longest summary kept, in characters.
const MAX_SUMMARY: usize = 500;

/// What the alert is known by: the subject without its state words and prefixes.
pub fn identity(subject: &str, resolve: Option<&regex::Regex>) -> String {
    let mut text = match resolve {
        Some(pattern) => pattern.replace_all(subject, " ").into_owned(),
        None => subject.to_owned(),
    };
    loop {
        let trimmed = text.trim_start();
        let lower = trimmed.to_ascii_lowercase();
        let cut = if trimmed.starts_with('[') {
            trimmed.find(']').map(|end| end + 1)
        } else if trimmed.starts_with([':', '-', '|', '–', '—']) {
            // What a removed state word leaves behind ("RESOLVED: X" → ": X").
            trimmed.chars().next().map(char::len_utf8)
        } else {
            [
                "re:",
                "fwd:",
                "fw:",
                "aw:",
                "problem:",
                "recovery:",
                "alert:",
                "firing:",
                "resolved:",
            ]
            .iter()
            .find(|prefix| lower.starts_with(*prefix))
            .map(|prefix| prefix.len())
        };
        match cut {
            Some(cut) => text = trimmed[cut..].to_owned(),
            None => break,
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The alert one message reports. `resolve` is the integration's compiled `resolve_pattern`.
pub fn parse(
    integration: &EmailIntegration,
    resolve: Option<&regex::Regex>,
    subject: Option<&str>,
    from: Option<&str>,
    text: &str,
) -> Parsed {
    let subject = subject
        .map(str::trim)
        .filter(|subject| !subject.is_empty())
        .unwrap_or("(no subject)");
    let resolved = resolve.is_some_and(|pattern| pattern.is_match(subject));
    let identity = identity(subject, resolve);
    let identity = if identity.is_empty() {
        subject.to_owned()
    } else {
        identity
    };
    let fingerprint = {
        let hash = Sha256::digest(identity.to_lowercase().as_bytes());
        format!("mail:{}", hex::encode(&hash[..8]))
    };
    let rule: String = identity.chars().take(200).collect();
    let mut labels = BTreeMap::from([("alertname".to_owned(), rule.clone())]);
    if let Some(from) = from {
        labels.insert("from".to_owned(), from.to_owned());
    }
    let mut annotations = BTreeMap::new();
    if !text.is_empty() {
        annotations.insert("details".to_owned(), text.to_owned());
    }
    let signal = AlertSignal {
        fingerprint,
        group_key: None,
        status: if resolved {
            SignalStatus::Resolved
        } else {
            SignalStatus::Firing
        },
        rule,
        summary: subject.chars().take(MAX_SUMMARY).collect(),
        severity: integration.default_severity,
        service: None,
        labels,
        annotations,
        starts_at: None,
        ends_at: None,
        url: None,
        // A resolve keeps what the alert said while it fired.
        status_only: resolved,
        valid_until: None,
    };
    Parsed::alerts(KIND, None, vec![signal])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn integration() -> EmailIntegration {
        toml::from_str(
            r#"
            name = "backups"
            allow_from = ["*@example.com", "veeam@vendor.example"]
            resolve_pattern = '(?i)\b(resolved|recovered|success)\b'
            "#,
        )
        .unwrap()
    }

    #[test]
    fn a_failure_and_its_resolve_are_one_alert() {
        let integration = integration();
        let pattern = regex::Regex::new(integration.resolve_pattern.as_deref().unwrap()).unwrap();
        let fired = parse(
            &integration,
            Some(&pattern),
            Some("[FIRING] Backup job db-nightly failed"),
            Some("veeam@vendor.example"),
            "Job db-nightly failed after 41 minutes",
        );
        let resolved = parse(
            &integration,
            Some(&pattern),
            Some("Re: RESOLVED: Backup job db-nightly failed"),
            None,
            "",
        );
        let fired = &fired.alerts.unwrap()[0];
        let resolved = &resolved.alerts.unwrap()[0];
        assert_eq!(fired.status, SignalStatus::Firing);
        assert_eq!(fired.summary, "[FIRING] Backup job db-nightly failed");
        assert_eq!(fired.rule, "Backup job db-nightly failed");
        assert_eq!(
            fired.annotations["details"],
            "Job db-nightly failed after 41 minutes"
        );
        assert_eq!(resolved.status, SignalStatus::Resolved);
        assert_eq!(fired.fingerprint, resolved.fingerprint);
    }

    #[test]
    fn senders_are_matched_by_glob_without_case() {
        let integration = integration();
        assert!(integration.allows(&["Ops@Example.com"]));
        assert!(integration.allows(&["", "veeam@vendor.example"]));
        assert!(!integration.allows(&["mallory@example.net"]));
        let open: EmailIntegration = toml::from_str("name = \"x\"").unwrap();
        assert!(open.allows(&["anyone@anywhere"]));
    }
}

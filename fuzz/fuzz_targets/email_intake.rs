//! Mail to `[email_intake]`: the message as the SMTP listener received it
//! (`mail::smtp::read_message`), then the alert it reports (`inbound::email::parse`), with
//! the documented resolve pattern. Input: the message's bytes (headers and body).
//!
//! Checks: never a panic; the text is cut at `TEXT_MAX` bytes; a message always reports an
//! alert with a fingerprint and a rule (a message with no subject is "(no subject)").

#![no_main]

use std::sync::OnceLock;

use firewatch::integrations::inbound::config::EmailIntegration;
use firewatch::integrations::inbound::email;
use firewatch::mail::smtp;
use libfuzzer_sys::fuzz_target;

fn resolve() -> &'static regex::Regex {
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    PATTERN.get_or_init(|| regex::Regex::new(r"(?i)^\[?(resolved|ok)\b").unwrap())
}

fuzz_target!(|data: &[u8]| {
    let mail = smtp::read_message(data);
    assert!(mail.text.len() <= smtp::TEXT_MAX, "{} bytes", mail.text.len());
    let integration: EmailIntegration =
        serde_json::from_str(r#"{"name": "mail", "service": "billing"}"#).unwrap();
    let parsed = email::parse(
        &integration,
        Some(resolve()),
        mail.subject.as_deref(),
        mail.from.as_deref(),
        &mail.text,
    );
    for signal in parsed.alerts.iter().flatten() {
        assert!(!signal.fingerprint.is_empty());
        assert!(!signal.rule.is_empty());
    }
});

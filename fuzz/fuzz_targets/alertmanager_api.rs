//! Alertmanager's API v2 as Firewatch takes it (`POST /api/v2/alerts`, what Prometheus and
//! `amtool` send): `alertmanager_api::parse`. Input: the body.
//!
//! Checks: an answer, never a panic; every signal has a fingerprint and a rule, and survives
//! the JSON round trip the alert job makes; a rejection is a 400.

#![no_main]

use firewatch::core::alert::{AlertSignal, Severity};
use firewatch::integrations::inbound::alertmanager_api;
use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let now = Timestamp::from_second(1_796_000_000).unwrap();
    match alertmanager_api::parse(body, Severity::Warning, now) {
        Ok(parsed) => {
            let signals = parsed.alerts.unwrap_or_default();
            for signal in &signals {
                assert!(!signal.fingerprint.is_empty());
                assert!(!signal.rule.is_empty());
            }
            let json = serde_json::to_string(&signals).unwrap();
            let back: Vec<AlertSignal> = serde_json::from_str(&json).unwrap();
            assert_eq!(back, signals);
        }
        Err(rejection) => assert_eq!(rejection.status(), 400, "{rejection:?}"),
    }
});

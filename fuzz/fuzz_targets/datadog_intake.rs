//! The Datadog intake parser on arbitrary bodies. Whatever the input, it answers with exactly
//! one signal or a 400-class rejection, never a panic; the signal has a fingerprint and a rule,
//! a dedup key is never empty, and the signal survives the JSON round trip the alert job makes.

#![no_main]

use firewatch::core::alert::{AlertSignal, Severity};
use firewatch::integrations::inbound::datadog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    match datadog::parse(body, Severity::Warning) {
        Ok(parsed) => {
            let signals = parsed.alerts.expect("an accepted report has signals");
            assert_eq!(signals.len(), 1);
            for signal in &signals {
                assert!(!signal.fingerprint.is_empty());
                assert!(!signal.rule.is_empty());
            }
            if let Some(key) = &parsed.dedup_key {
                assert!(!key.is_empty());
            }
            let json = serde_json::to_string(&signals).unwrap();
            let back: Vec<AlertSignal> = serde_json::from_str(&json).unwrap();
            assert_eq!(back, signals);
        }
        Err(rejection) => assert_eq!(rejection.status(), 400, "{rejection:?}"),
    }
});

//! The Grafana intake parser on arbitrary bodies. Whatever the input, it answers with one
//! signal per alert (none for a paused or pending legacy rule) or a 400-class rejection, never a
//! panic; every signal has a fingerprint and a rule, and the signals survive the JSON round trip
//! the alert job makes.

#![no_main]

use firewatch::core::alert::{AlertSignal, Severity};
use firewatch::integrations::inbound::grafana;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    match grafana::parse(body, Severity::Warning) {
        Ok(parsed) => {
            let signals = parsed.alerts.expect("an accepted report has signals");
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

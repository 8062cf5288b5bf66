//! The Jenkins and Argo CD intake parsers on arbitrary bodies: the input is the body, and each
//! parser reads it with and without a catch-all deploy rule. Whatever the input, a parser
//! answers with a record or a 400-class rejection, never a panic; a record's kind is its forge
//! event's, and a deployment that is acted on names its environment.

#![no_main]

use firewatch::integrations::inbound::config::{DeployIntegration, DeployRule};
use firewatch::integrations::inbound::{argocd, jenkins};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    for (with_rule, argo) in [(false, false), (true, false), (false, true), (true, true)] {
        check(body, with_rule, argo);
    }
});

fn check(body: &[u8], with_rule: bool, argo: bool) {
    let deploys = if with_rule {
        vec![DeployRule {
            pattern: "*".into(),
            service: None,
            environment: None,
            kind: None,
        }]
    } else {
        Vec::new()
    };
    let settings = DeployIntegration {
        name: "fuzz".into(),
        token: None,
        deploys,
        rate_limit: None,
        max_body_bytes: None,
    };
    let result = if argo {
        argocd::parse(&settings, body)
    } else {
        jenkins::parse(&settings, body)
    };
    match result {
        Ok(parsed) => {
            let forge = parsed.forge.expect("a record");
            assert_eq!(forge.kind, parsed.kind);
            if let (Some(deployment), None) = (&forge.deployment, &parsed.ignored) {
                assert!(!deployment.environment.is_empty());
            }
            if let Some(key) = &parsed.dedup_key {
                assert!(!key.is_empty());
            }
        }
        Err(rejection) => assert_eq!(rejection.status(), 400, "{rejection:?}"),
    }
}

//! GitHub and GitLab intake parsers on arbitrary input. Layout: byte 0 picks the forge (bit 0)
//! and the content type (bit 1: form-encoded, GitHub only); then the event header value up to
//! the first NUL; the rest is the body. Whatever the input, a parser answers with a record or a
//! 400-class rejection, never a panic; an accepted record's kind is the event's kind.

#![no_main]

use axum::http::{HeaderMap, HeaderValue};
use firewatch::integrations::inbound::{github, gitlab};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let (event, body) = rest.split_at(split);
    let body = body.get(1..).unwrap_or(&[]);
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(event) {
        let name = if flags & 1 == 0 { "x-github-event" } else { "x-gitlab-event" };
        headers.insert(name, value);
    }
    headers.insert("x-github-delivery", HeaderValue::from_static("fuzz-delivery"));
    if flags & 2 != 0 {
        headers.insert("content-type", HeaderValue::from_static("application/x-www-form-urlencoded"));
    }
    let result = if flags & 1 == 0 {
        github::parse(&headers, body)
    } else {
        gitlab::parse(&headers, body)
    };
    match result {
        Ok(parsed) => {
            assert!(!parsed.kind.is_empty() || parsed.forge.is_none());
            if let Some(forge) = &parsed.forge {
                assert_eq!(forge.kind, parsed.kind);
            }
        }
        Err(rejection) => assert_eq!(rejection.status(), 400, "{rejection:?}"),
    }
});

//! `POST /hooks/{integration}`: durable acceptance, deduplication, and every error code.

use axum::http::StatusCode;
use firewatch::core::signing;
use serde_json::Value;

use crate::support::{TestApp, backends};

const CONFIG: &str = r#"
[[integrations]]
name = "ingest"
kind = "generic"
token = "hook-token"

[[integrations]]
name = "bulk"
kind = "generic"
token = "t"

[[integrations]]
name = "signed"
kind = "generic"
secret = ["whsec_b2xkLXNlY3JldA==", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]

[[integrations]]
name = "keyed"
kind = "generic"
token = "hook-token"
idempotency_key = "/delivery/uuid"
kind_field = "/meta/event"

[[integrations]]
name = "limited"
kind = "generic"
token = "hook-token"
rate_limit = { per_second = 1, burst = 2 }

[server]
max_body_bytes = 4096
"#;

const AUTH: (&str, &str) = ("authorization", "Bearer hook-token");

#[tokio::test]
async fn accepted_event_is_stored_with_raw_body_and_headers() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let body = r#"{"type":"deploy","service":"api", "n": 1}"#;
        let (status, answer) = app
            .post_hook("ingest", body, &[AUTH, ("x-request-id", "r-1")])
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        assert_eq!(answer["duplicate"], false);
        let id = answer["id"].as_str().unwrap().to_owned();

        let event = app.get(&format!("/api/v1/events/{id}")).await;
        assert_eq!(event["integration"], "ingest");
        assert_eq!(event["source"], "generic");
        assert_eq!(event["kind"], "deploy");
        assert_eq!(event["status"], "accepted");
        assert_eq!(event["payload"]["service"], "api");
        assert_eq!(event["headers"]["x-request-id"], "r-1");
        assert_eq!(
            event["headers"]["authorization"], "[redacted]",
            "credentials are never stored"
        );
        let stored = app.store.get_event(&id).await.unwrap();
        assert_eq!(
            stored.body,
            body.as_bytes(),
            "the raw body is kept byte for byte"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn redelivery_answers_the_original_id_and_stores_nothing() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        // The Idempotency-Key header, then the body's id, are the default keys.
        let (_, first) = app
            .post_hook(
                "ingest",
                r#"{"a":1}"#,
                &[AUTH, ("idempotency-key", "delivery-1")],
            )
            .await;
        let (status, again) = app
            .post_hook(
                "ingest",
                r#"{"a":2}"#,
                &[AUTH, ("idempotency-key", "delivery-1")],
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(again["id"], first["id"]);
        assert_eq!(again["duplicate"], true);

        let (_, by_id) = app.post_hook("ingest", r#"{"id":"evt-7"}"#, &[AUTH]).await;
        let (_, by_id_again) = app
            .post_hook("ingest", r#"{"id":"evt-7","retry":true}"#, &[AUTH])
            .await;
        assert_eq!(by_id["id"], by_id_again["id"]);

        // A configured JSON pointer; the same key on another integration is another event.
        let keyed = r#"{"delivery":{"uuid":"u-1"},"meta":{"event":"build"}}"#;
        let (_, k1) = app.post_hook("keyed", keyed, &[AUTH]).await;
        let (_, k2) = app.post_hook("keyed", keyed, &[AUTH]).await;
        assert_eq!(k1["id"], k2["id"]);
        let event = app
            .get(&format!("/api/v1/events/{}", k1["id"].as_str().unwrap()))
            .await;
        assert_eq!(event["kind"], "build");

        // Events without any key are never merged.
        app.post_hook("ingest", r#"{"x":1}"#, &[AUTH]).await;
        app.post_hook("ingest", r#"{"x":1}"#, &[AUTH]).await;
        assert_eq!(app.event_count().await, 5);
        app.stop().await;
    }
}

#[tokio::test]
async fn concurrent_redeliveries_of_one_key_store_one_event() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let answers = app
            .post_concurrently("bulk", 40, |_| {
                ("{}".into(), vec![("idempotency-key".into(), "same".into())])
            })
            .await;
        let mut ids: Vec<&str> = answers
            .iter()
            .map(|(status, answer)| {
                assert_eq!(*status, StatusCode::ACCEPTED);
                answer["id"].as_str().unwrap()
            })
            .collect();
        ids.dedup();
        assert_eq!(ids.len(), 1, "every redelivery answers the one stored id");
        assert_eq!(app.event_count().await, 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn many_concurrent_events_are_all_stored() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let answers = app
            .post_concurrently("bulk", 300, |n| (format!(r#"{{"id":"e-{n}"}}"#), vec![]))
            .await;
        assert!(
            answers
                .iter()
                .all(|(status, _)| *status == StatusCode::ACCEPTED)
        );
        assert_eq!(app.event_count().await, 300);
        let metrics = app.metrics().await;
        assert!(
            metrics.contains("firewatch_intake_commit_batch_size_sum 300.0"),
            "{metrics}"
        );
        app.stop().await;
    }
}

fn signed_headers(secret: &str, id: &str, timestamp: i64, body: &str) -> Vec<(String, String)> {
    vec![
        ("webhook-id".into(), id.into()),
        ("webhook-timestamp".into(), timestamp.to_string()),
        (
            "webhook-signature".into(),
            signing::sign(secret, id, timestamp, body.as_bytes()),
        ),
    ]
}

#[tokio::test]
async fn standard_webhooks_signatures_are_verified_with_any_configured_secret() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let now = app.clock_now_seconds();
        let body = r#"{"type":"page"}"#;
        for secret in [
            "whsec_b2xkLXNlY3JldA==",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ] {
            let headers = signed_headers(secret, &format!("msg-{secret}"), now, body);
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let (status, answer) = app.post_hook("signed", body, &headers).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        }
        // webhook-id is the dedup key, so a re-sent signed message is a duplicate.
        let headers = signed_headers(
            "whsec_b2xkLXNlY3JldA==",
            "msg-whsec_b2xkLXNlY3JldA==",
            now,
            body,
        );
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let (_, answer) = app.post_hook("signed", body, &headers).await;
        assert_eq!(answer["duplicate"], true);
        assert_eq!(app.event_count().await, 2);
        app.stop().await;
    }
}

impl TestApp {
    fn clock_now_seconds(&self) -> i64 {
        use firewatch::clock::Clock;
        self.clock.now().as_second()
    }
}

/// Sends a request and checks the error answer: status, stable code, and that nothing was stored.
async fn assert_refused(
    app: &TestApp,
    request: reqwest::RequestBuilder,
    status: u16,
    code: &str,
) -> reqwest::header::HeaderMap {
    let before = app.event_count().await;
    let response = request.send().await.unwrap();
    let headers = response.headers().clone();
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.len() > 10),
        "{body}"
    );
    assert_eq!(
        app.event_count().await,
        before,
        "a refused request stores nothing"
    );
    headers
}

#[tokio::test]
async fn every_error_code() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let hook = |name: &str| {
            app.http
                .post(format!("{}/hooks/{name}", app.url))
                .header("content-type", "application/json")
        };

        // 404: no such integration.
        assert_refused(
            &app,
            hook("nope").bearer_auth("hook-token").body("{}"),
            404,
            "unknown_integration",
        )
        .await;
        // 401: missing or wrong token.
        assert_refused(&app, hook("ingest").body("{}"), 401, "invalid_token").await;
        assert_refused(
            &app,
            hook("ingest").bearer_auth("wrong").body("{}"),
            401,
            "invalid_token",
        )
        .await;
        // 401: bad signature, missing signature headers, stale timestamp.
        let now = app.clock_now_seconds();
        let body = "{}";
        let wrong = signed_headers("whsec_d3Jvbmc=", "m1", now, body);
        let mut request = hook("signed").body(body);
        for (name, value) in &wrong {
            request = request.header(name, value);
        }
        assert_refused(&app, request, 401, "invalid_signature").await;
        assert_refused(&app, hook("signed").body(body), 401, "invalid_signature").await;
        let stale = signed_headers(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "m2",
            now - 600,
            body,
        );
        let mut request = hook("signed").body(body);
        for (name, value) in &stale {
            request = request.header(name, value);
        }
        assert_refused(&app, request, 401, "invalid_signature").await;
        // 415: not JSON.
        let request = app
            .http
            .post(format!("{}/hooks/ingest", app.url))
            .bearer_auth("hook-token")
            .header("content-type", "text/plain")
            .body("{}");
        assert_refused(&app, request, 415, "unsupported_media_type").await;
        // 413: over server.max_body_bytes (4096 here), declared or streamed.
        let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(5000));
        assert_refused(
            &app,
            hook("ingest").bearer_auth("hook-token").body(big.clone()),
            413,
            "payload_too_large",
        )
        .await;
        let before = app.event_count().await;
        let answer = chunked_post(
            &app.url,
            "/hooks/ingest",
            &["Authorization: Bearer hook-token"],
            &[&big[..3000], &big[3000..]],
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.contains("payload_too_large"), "{answer}");
        assert_eq!(app.event_count().await, before);
        // 400: malformed JSON names the problem; JSON that is not an object.
        let response = hook("ingest")
            .bearer_auth("hook-token")
            .body(r#"{"a": }"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["error"]["code"], "invalid_json");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("line 1 column 7"),
            "{answer}"
        );
        assert_refused(
            &app,
            hook("ingest").bearer_auth("hook-token").body("[1,2]"),
            400,
            "invalid_payload",
        )
        .await;
        assert_refused(
            &app,
            hook("ingest").bearer_auth("hook-token").body(""),
            400,
            "invalid_json",
        )
        .await;
        // 429: over the integration's rate, with Retry-After.
        for _ in 0..2 {
            let response = hook("limited")
                .bearer_auth("hook-token")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202);
        }
        let headers = assert_refused(
            &app,
            hook("limited").bearer_auth("hook-token").body("{}"),
            429,
            "rate_limited",
        )
        .await;
        assert_eq!(headers.get("retry-after").unwrap(), "1");
        // The bucket refills with the (controlled) clock.
        app.advance(1);
        let response = hook("limited")
            .bearer_auth("hook-token")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
        app.stop().await;
    }
}

/// A raw HTTP/1.1 request whose body arrives in chunks with no Content-Length.
async fn chunked_post(base: &str, path: &str, headers: &[&str], chunks: &[&str]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    );
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    for chunk in chunks {
        request.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    request.push_str("0\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    answer
}

/// Posts the way many webhook senders do (Python's http.client among them): the whole request
/// is written before anything is read. Returns the answer, or what went wrong writing it.
async fn post_whole_then_read(base: &str, path: &str, headers: &[String], body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request =
        format!("POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    if let Err(error) = stream.write_all(&bytes).await {
        return format!("writing the request failed: {error}");
    }
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer).await {
        Ok(_) => String::from_utf8_lossy(&answer).into_owned(),
        Err(error) => format!("reading the answer failed: {error}"),
    }
}

/// Issue 12: a sender that writes past the limit reads its 413 (not a reset connection), and
/// each kind's default limit fits its sender: GitHub's pushes pass 1 MiB.
#[tokio::test]
async fn a_sender_that_writes_its_whole_oversized_body_first_reads_the_413() {
    for backend in backends() {
        const SECRET: &str = "gh-secret";
        let app = TestApp::spawn(
            backend,
            &format!(
                r#"
[[integrations]]
name = "ingest"
kind = "generic"
token = "t"

[[integrations]]
name = "github"
kind = "github"
secret = "{SECRET}"
"#
            ),
        )
        .await;
        let auth = "Authorization: Bearer t".to_owned();
        let limited = |answer: &str| {
            assert!(
                answer.starts_with("HTTP/1.1 413"),
                "{}",
                &answer[..answer.len().min(300)]
            );
            assert!(answer.contains("payload_too_large"), "{answer}");
            assert!(
                answer.contains("1048576 bytes"),
                "the generic default is 1 MiB: {answer}"
            );
        };
        let three_mib = format!(r#"{{"pad":"{}"}}"#, "x".repeat(3 << 20));
        let declared = format!("Content-Length: {}", three_mib.len());
        limited(
            &post_whole_then_read(
                &app.url,
                "/hooks/ingest",
                &[auth.clone(), declared.clone(), "Connection: close".into()],
                three_mib.as_bytes(),
            )
            .await,
        );
        // Streamed, with no length declared.
        let mut chunked = Vec::new();
        for chunk in three_mib.as_bytes().chunks(64 * 1024) {
            chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            chunked.extend_from_slice(chunk);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        limited(
            &post_whole_then_read(
                &app.url,
                "/hooks/ingest",
                &[
                    auth.clone(),
                    "Transfer-Encoding: chunked".into(),
                    "Connection: close".into(),
                ],
                &chunked,
            )
            .await,
        );
        // A sender that asks first is answered before it sends the body.
        let asked = {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let address = app.url.trim_start_matches("http://");
            let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
            let head = format!(
                "POST /hooks/ingest HTTP/1.1\r\nHost: {address}\r\n{auth}\r\nContent-Type: application/json\r\n{declared}\r\nExpect: 100-continue\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await.unwrap();
            String::from_utf8_lossy(&answer).into_owned()
        };
        limited(&asked);
        assert_eq!(app.event_count().await, 0);

        // A GitHub push of 2,000 commits is about 2 MiB: taken.
        let mut push: Value = serde_json::from_str(&crate::github::fixture("push.branch")).unwrap();
        let commit = push["commits"][0].clone();
        push["commits"] = Value::Array(
            (0..2000)
                .map(|n| {
                    let mut commit = commit.clone();
                    commit["id"] = format!("{n:040x}").into();
                    commit["message"] =
                        format!("Change {n}: {}", "a long commit message ".repeat(30)).into();
                    commit
                })
                .collect(),
        );
        let body = serde_json::to_vec(&push).unwrap();
        assert!(body.len() > 2 << 20, "{}", body.len());
        let github_headers = |body: &[u8], delivery: &str| {
            vec![
                "X-GitHub-Event: push".to_owned(),
                format!("X-GitHub-Delivery: {delivery}"),
                format!(
                    "X-Hub-Signature-256: {}",
                    crate::github::github_signature(SECRET, body)
                ),
                format!("Content-Length: {}", body.len()),
                "Connection: close".to_owned(),
            ]
        };
        let answer = post_whole_then_read(
            &app.url,
            "/hooks/github",
            &github_headers(&body, "d-1"),
            &body,
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 202"),
            "{}",
            &answer[..answer.len().min(300)]
        );
        assert_eq!(app.event_count().await, 1);
        // Past GitHub's own 25 MB cap: refused, readably.
        let huge = vec![b' '; 26 << 20];
        let answer = post_whole_then_read(
            &app.url,
            "/hooks/github",
            &github_headers(&huge, "d-2"),
            &huge,
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{}",
            &answer[..answer.len().min(300)]
        );
        assert!(answer.contains("26214400 bytes"), "{answer}");
        assert_eq!(app.event_count().await, 1);
        app.stop().await;
    }
}

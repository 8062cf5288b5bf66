//! Pages as ntfy push notifications (<https://docs.ntfy.sh/publish/>), for phones on a
//! self-hosted ntfy server. A contact names its topic URL
//! (`https://ntfy.example.com/andrew-pager`); the page is published as JSON to the server's
//! root instead (ntfy's "publish as JSON"), since headers cannot carry a UTF-8 title
//! everywhere and the JSON form takes the action buttons as a list. The "Acknowledge" button
//! sends the form POST the acknowledge page takes, so a tap acknowledges without opening a
//! browser, while the link itself (a GET) only ever shows a confirmation: a link preview or a
//! prefetching mail client never acknowledges.

use serde_json::{Value, json};

use super::message::clip;
use super::page::PageMessage;

/// ntfy's priorities: 5 ("max"/"urgent") rings through do-not-disturb on Android.
pub const PRIORITY_URGENT: u8 = 5;
pub const PRIORITY_HIGH: u8 = 4;
pub const PRIORITY_DEFAULT: u8 = 3;

/// ntfy treats a message over 4,096 bytes as an attachment; 1,000 characters stay under that
/// in any script.
pub const MAX_MESSAGE_CHARS: usize = 1000;
pub const MAX_TITLE_CHARS: usize = 200;

/// Where and how a person's ntfy contact is published to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NtfyTarget<'a> {
    /// The topic URL, e.g. `https://ntfy.example.com/andrew-pager`.
    pub url: &'a str,
    /// An access token (`tk_…`) for a protected topic.
    pub token: Option<&'a str>,
    /// 1 (min) to 5 (max), instead of the one the page's severity gives.
    pub priority: Option<u8>,
}

/// Why a target cannot be published to. The URL is left out of the messages: on ntfy the
/// topic is the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NtfyError {
    #[error("the ntfy URL is not an http(s) URL")]
    NotHttpUrl,
    #[error(
        "the ntfy URL names no topic: it must end in the topic, like https://ntfy.example.com/andrew-pager"
    )]
    NoTopic,
    #[error("the ntfy topic may hold only letters, digits, '-' and '_', at most 64 of them")]
    BadTopic,
    #[error("the ntfy priority must be 1 (min) to 5 (max), not {0}")]
    BadPriority(u8),
}

/// Splits a topic URL into the URL to publish JSON to (the server's root: the topic URL
/// without its last segment, so a server under a sub-path such as `/ntfy/` keeps it) and the
/// topic. A query (`?auth=…`, ntfy's credentials in the URL) stays on the root URL.
pub fn publish_endpoint(url: &str) -> Result<(reqwest::Url, String), NtfyError> {
    let mut parsed = reqwest::Url::parse(url).map_err(|_| NtfyError::NotHttpUrl)?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(NtfyError::NotHttpUrl);
    }
    let mut segments: Vec<String> = parsed
        .path_segments()
        .map(|segments| segments.map(str::to_owned).collect())
        .unwrap_or_default();
    // A trailing slash ("…/andrew-pager/") leaves an empty last segment.
    while segments.last().is_some_and(String::is_empty) {
        segments.pop();
    }
    let topic = segments.pop().ok_or(NtfyError::NoTopic)?;
    // ntfy's own rule for topic names (docs.ntfy.sh/publish, "Picking a topic").
    let valid = !topic.is_empty()
        && topic.len() <= 64
        && topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(NtfyError::BadTopic);
    }
    // The root keeps its trailing slash: ntfy's JSON endpoint is `POST /`.
    let mut root_path = String::from("/");
    for segment in &segments {
        root_path.push_str(segment);
        root_path.push('/');
    }
    parsed.set_path(&root_path);
    parsed.set_fragment(None);
    Ok((parsed, topic))
}

/// The priority a page's severity calls for: critical wakes the person, error is high, the
/// rest (and test pages, which should not ring through the night) the default.
pub fn priority(page: &PageMessage) -> u8 {
    if page.is_test() {
        return PRIORITY_DEFAULT;
    }
    match page.severity.as_str() {
        "critical" => PRIORITY_URGENT,
        "error" => PRIORITY_HIGH,
        _ => PRIORITY_DEFAULT,
    }
}

/// The tags ntfy shows as emoji before the title.
fn tags(page: &PageMessage) -> Vec<&'static str> {
    if page.is_test() {
        vec!["test_tube"]
    } else if page.severity == "critical" {
        vec!["rotating_light"]
    } else {
        vec!["warning"]
    }
}

fn title(page: &PageMessage) -> String {
    let locale = page.locale;
    if page.is_test() {
        return locale.text("page-test-title");
    }
    let severity = super::page::severity_word(page);
    let title = match &page.service {
        Some(service) => locale.text_with(
            "page-title-service",
            &[
                ("severity", severity.into()),
                ("service", service.as_str().into()),
            ],
        ),
        None => locale.text_with("page-title", &[("severity", severity.into())]),
    };
    clip(&title, MAX_TITLE_CHARS)
}

/// The JSON message for `topic` at `priority` (ntfy's "publish as JSON" fields).
pub fn body(page: &PageMessage, topic: &str, priority: u8) -> Value {
    let mut body = json!({
        "topic": topic,
        "title": title(page),
        // The acknowledge link is the button below, not text to copy.
        "message": clip(&page.headline(), MAX_MESSAGE_CHARS),
        "priority": priority,
        "tags": tags(page),
    });
    if let Some(url) = &page.detail_url {
        body["click"] = json!(url);
    }
    let mut actions = Vec::new();
    if let Some(url) = &page.acknowledge_url {
        // The same form the acknowledge page's button posts; `clear` removes the notification
        // only once the request succeeded, so a failed tap leaves the page on screen.
        actions.push(json!({
            "action": "http",
            "label": page.locale.text("action-acknowledge"),
            "url": url,
            "method": "POST",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "body": "action=acknowledge",
            "clear": true,
        }));
    }
    if let Some(url) = &page.detail_url {
        actions.push(json!({"action": "view", "label": page.locale.text("page-open"), "url": url}));
    }
    if !actions.is_empty() {
        body["actions"] = Value::Array(actions);
    }
    body
}

/// The publish request for a page. A URL that names no valid topic, or a priority outside
/// 1 to 5, is an error rather than a request ntfy would refuse.
pub fn request(
    client: &reqwest::Client,
    target: &NtfyTarget,
    page: &PageMessage,
) -> Result<reqwest::RequestBuilder, NtfyError> {
    let (root, topic) = publish_endpoint(target.url)?;
    let priority = match target.priority {
        Some(priority) if !(1..=5).contains(&priority) => {
            return Err(NtfyError::BadPriority(priority));
        }
        Some(priority) => priority,
        None => priority(page),
    };
    let mut request = client.post(root).json(&body(page, &topic, priority));
    if let Some(token) = target.token {
        request = request.bearer_auth(token);
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;
    use crate::integrations::outbound::page::PageSubject;
    use crate::integrations::outbound::page::tests::{alert_page, test_page};
    use crate::integrations::outbound::recorder::{Recorder, client};

    /// ntfy's answer to a publish (docs.ntfy.sh/subscribe/api, "JSON message format").
    const ANSWER: &str = r#"{"id":"sPs71M8A2T","time":1643935928,"expires":1643979128,"event":"message","topic":"andrew-pager","message":"HighErrorRate on api: 5xx above 5%"}"#;

    fn target(url: &str) -> NtfyTarget<'_> {
        NtfyTarget {
            url,
            token: None,
            priority: None,
        }
    }

    #[test]
    fn the_message_for_a_critical_alert() {
        let page = PageMessage {
            more: 2,
            ..alert_page()
        };
        expect![[r#"
            {
              "actions": [
                {
                  "action": "http",
                  "body": "action=acknowledge",
                  "clear": true,
                  "headers": {
                    "Content-Type": "application/x-www-form-urlencoded"
                  },
                  "label": "Acknowledge",
                  "method": "POST",
                  "url": "https://fw.example.com/a/ack-token"
                },
                {
                  "action": "view",
                  "label": "Open",
                  "url": "https://fw.example.com/alerts/al_7"
                }
              ],
              "click": "https://fw.example.com/alerts/al_7",
              "message": "HighErrorRate on api: 5xx above 5%\n…and 2 more",
              "priority": 5,
              "tags": [
                "rotating_light"
              ],
              "title": "Critical page: api",
              "topic": "andrew-pager"
            }"#]]
        .assert_eq(
            &serde_json::to_string_pretty(&body(&page, "andrew-pager", priority(&page))).unwrap(),
        );
    }

    #[test]
    fn the_message_for_a_test_page() {
        let page = test_page();
        expect![[r#"
            {
              "actions": [
                {
                  "action": "http",
                  "body": "action=acknowledge",
                  "clear": true,
                  "headers": {
                    "Content-Type": "application/x-www-form-urlencoded"
                  },
                  "label": "Acknowledge",
                  "method": "POST",
                  "url": "https://fw.example.com/a/ack-token"
                }
              ],
              "message": "Test page for Andrew",
              "priority": 3,
              "tags": [
                "test_tube"
              ],
              "title": "Test page from Firewatch",
              "topic": "andrew-pager"
            }"#]]
        .assert_eq(
            &serde_json::to_string_pretty(&body(&page, "andrew-pager", priority(&page))).unwrap(),
        );
    }

    #[test]
    fn priority_follows_severity() {
        let with = |severity: &str| {
            priority(&PageMessage {
                severity: severity.into(),
                ..alert_page()
            })
        };
        assert_eq!(with("critical"), 5);
        assert_eq!(with("error"), 4);
        assert_eq!(with("warning"), 3);
        assert_eq!(with("info"), 3);
        assert_eq!(
            priority(&PageMessage {
                severity: "critical".into(),
                subject: PageSubject::Test,
                ..alert_page()
            }),
            3,
            "a test page never rings through the night"
        );
        let warning = PageMessage {
            severity: "warning".into(),
            service: None,
            detail_url: None,
            acknowledge_url: None,
            ..alert_page()
        };
        let body = body(&warning, "t", priority(&warning));
        assert_eq!(body["tags"], json!(["warning"]));
        assert_eq!(body["title"], "Warning page");
        assert!(body.get("actions").is_none() && body.get("click").is_none());
    }

    #[test]
    fn the_topic_url_splits_into_the_root_and_the_topic() {
        let split =
            |url: &str| publish_endpoint(url).map(|(root, topic)| (root.to_string(), topic));
        assert_eq!(
            split("https://ntfy.example.com/andrew-pager"),
            Ok(("https://ntfy.example.com/".into(), "andrew-pager".into()))
        );
        assert_eq!(
            split("https://example.com/ntfy/andrew_pager/"),
            Ok(("https://example.com/ntfy/".into(), "andrew_pager".into()))
        );
        assert_eq!(
            split("http://127.0.0.1:8080/tools/ntfy/p1?auth=QmVhcmVy#x"),
            Ok((
                "http://127.0.0.1:8080/tools/ntfy/?auth=QmVhcmVy".into(),
                "p1".into()
            ))
        );
        assert_eq!(split("https://ntfy.example.com/"), Err(NtfyError::NoTopic));
        assert_eq!(split("https://ntfy.example.com"), Err(NtfyError::NoTopic));
        assert_eq!(
            split("https://ntfy.example.com/a%20b"),
            Err(NtfyError::BadTopic)
        );
        assert_eq!(
            split(&format!("https://ntfy.example.com/{}", "x".repeat(65))),
            Err(NtfyError::BadTopic)
        );
        assert_eq!(split("ntfy.example.com/andrew"), Err(NtfyError::NotHttpUrl));
        assert_eq!(
            split("ftp://ntfy.example.com/andrew"),
            Err(NtfyError::NotHttpUrl)
        );
    }

    #[test]
    fn errors_leave_the_secret_topic_out() {
        let error = request(
            &client(),
            &target("https://ntfy.example.com/a b"),
            &alert_page(),
        )
        .err()
        .unwrap();
        assert_eq!(error, NtfyError::BadTopic);
        assert!(!error.to_string().contains("ntfy.example.com"), "{error}");
        let error = request(
            &client(),
            &NtfyTarget {
                priority: Some(9),
                ..target("https://ntfy.example.com/andrew-pager")
            },
            &alert_page(),
        )
        .err()
        .unwrap();
        assert_eq!(error, NtfyError::BadPriority(9));
    }

    #[tokio::test]
    async fn publishes_json_to_the_root_with_the_token() {
        let recorder = Recorder::start(200, ANSWER).await;
        let url = format!("{}/ntfy/andrew-pager", recorder.origin);
        let target = NtfyTarget {
            url: &url,
            token: Some("tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"),
            priority: Some(4),
        };
        let request = request(&client(), &target, &alert_page()).unwrap();
        let (status, received) = recorder.send(request).await;
        assert_eq!(status, 200);
        assert_eq!(received.method, "POST");
        assert_eq!(
            received.uri, "/ntfy/",
            "the server's root, under its sub-path"
        );
        assert_eq!(received.header("content-type"), "application/json");
        assert_eq!(
            received.header("authorization"),
            "Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"
        );
        let body = received.json();
        assert_eq!(body["topic"], "andrew-pager");
        assert_eq!(body["priority"], 4, "the contact's priority wins");
        assert_eq!(body["title"], "Critical page: api");
        assert_eq!(body["actions"][0]["body"], "action=acknowledge");
    }

    #[tokio::test]
    async fn a_public_topic_is_published_without_credentials() {
        let recorder = Recorder::start(200, ANSWER).await;
        let url = format!("{}/andrew-pager", recorder.origin);
        let request = request(&client(), &target(&url), &test_page()).unwrap();
        let (_, received) = recorder.send(request).await;
        assert_eq!(received.uri, "/");
        assert!(received.headers.get("authorization").is_none());
        // UTF-8 travels in the JSON body untouched, where a header might mangle it.
        let page = PageMessage {
            summary: "디스크 92% — db-1".into(),
            ..test_page()
        };
        let request = super::request(&client(), &target(&url), &page).unwrap();
        let (_, received) = recorder.send(request).await;
        assert_eq!(received.json()["message"], "디스크 92% — db-1");
    }
}

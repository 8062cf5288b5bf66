//! The `webhook` destination: the event as JSON, signed in the Standard Webhooks format.
//! `webhook-id` (and `Idempotency-Key`) stay the same across retries, so the receiver can drop
//! a message it already has.

use jiff::Timestamp;
use serde_json::json;

use super::EventMessage;
use crate::core::signing;
use crate::integrations::outbound::config::WebhookDestination;

/// The Standard Webhooks `type` of an event notification.
pub const EVENT_TYPE: &str = "event.received";

pub fn body(message: &EventMessage, now: Timestamp) -> Vec<u8> {
    let envelope = json!({
        "type": EVENT_TYPE,
        "timestamp": now.to_string(),
        "data": message,
    });
    // Serializing a `Value` cannot fail.
    serde_json::to_vec(&envelope).unwrap_or_default()
}

pub fn request(
    client: &reqwest::Client,
    destination: &WebhookDestination,
    message: &EventMessage,
    idempotency_key: &str,
    now: Timestamp,
) -> reqwest::RequestBuilder {
    let mut request = signed_post(
        client,
        &destination.url,
        destination.secret.as_deref(),
        idempotency_key,
        now,
        body(message, now),
    );
    for (name, value) in &destination.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    request
}

/// A JSON body POSTed in the Standard Webhooks format, signed when there is a secret. Event
/// notifications and pages (`page.rs`) are sent through this one function, so a receiver
/// verifies both the same way.
pub(crate) fn signed_post(
    client: &reqwest::Client,
    url: &str,
    secret: Option<&str>,
    idempotency_key: &str,
    now: Timestamp,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    let timestamp = now.as_second();
    let mut request = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", idempotency_key)
        .header("webhook-timestamp", timestamp.to_string())
        .header("idempotency-key", idempotency_key);
    if let Some(secret) = secret {
        request = request.header(
            "webhook-signature",
            signing::sign(secret, idempotency_key, timestamp, &body),
        );
    }
    request.body(body)
}

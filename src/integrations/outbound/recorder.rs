//! A local HTTP server for the senders' unit tests: it records each request it receives and
//! answers with one fixed status and body, so a test can send a built request with a real
//! `reqwest::Client` and assert the exact wire format a vendor documents.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    /// The path and query, as sent.
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// The body read as `application/x-www-form-urlencoded`, in order, repeats kept.
    pub fn form(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_bytes(&self.body).expect("a form body")
    }

    /// The one value of a form field; fails the test when it is missing or repeated.
    pub fn form_field(&self, name: &str) -> String {
        let values: Vec<String> = self
            .form()
            .into_iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value)
            .collect();
        assert_eq!(values.len(), 1, "form field {name}: {values:?}");
        values[0].clone()
    }
}

pub struct Recorder {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub origin: String,
    received: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    /// Starts a server that answers every request, whatever its method or path, with
    /// `status` and the JSON `body`.
    pub async fn start(status: u16, body: &'static str) -> Recorder {
        let received: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let handler = {
            let received = received.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, request_body: Bytes| {
                let received = received.clone();
                async move {
                    received.lock().unwrap().push(Recorded {
                        method,
                        uri,
                        headers,
                        body: request_body,
                    });
                    let mut response = axum::response::Response::new(axum::body::Body::from(body));
                    *response.status_mut() = axum::http::StatusCode::from_u16(status).unwrap();
                    response.headers_mut().insert(
                        axum::http::header::CONTENT_TYPE,
                        axum::http::HeaderValue::from_static("application/json"),
                    );
                    response
                }
            }
        };
        let router = axum::Router::new().fallback(handler);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Recorder { origin, received }
    }

    /// Sends `request` and returns its answer's status and what this server received.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Recorded) {
        let before = self.received.lock().unwrap().len();
        let response = request.send().await.expect("the request is sent");
        let status = response.status().as_u16();
        let received = self.received.lock().unwrap();
        assert_eq!(received.len(), before + 1, "one request arrived");
        (status, received[before].clone())
    }
}

/// A client like the server's (`app::http_client`) but never through a proxy from the
/// environment, which would not reach 127.0.0.1.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

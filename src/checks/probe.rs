//! Running one check once: an HTTP request, a TCP connection or a TLS handshake to exactly
//! what the config names, within the check's timeout, turned into an `Outcome` with a sentence
//! a person can act on. A probe never panics and never returns an error: whatever goes wrong
//! is the check's result. What a result means over time is `core::check`'s business.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::net::TcpStream;
use tokio::time::timeout_at;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{
    self, CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::config::checks::{CheckConfig, CheckKind};
use crate::core::check::{Outcome, certificate_outcome};

/// How much of a response body is read. A health endpoint answers in bytes; the cap keeps a
/// check pointed at a large download from pulling it every minute.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The client HTTP checks share. It follows no redirect: a check probes the URL in the config
/// and nothing else, so a redirect is an answer (a 3xx status) rather than a second request to
/// wherever it points. It keeps no idle connections either: each run connects anew, so a
/// check notices a listener that stopped accepting, and its latency includes the connection
/// as a new visitor's would.
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("Firewatch/", env!("CARGO_PKG_VERSION"), " (check)"))
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
}

/// Runs `check` once. `now` is the wall-clock time of the run, from the caller's `Clock`: TLS
/// checks compare the certificate's expiry and verify its chain at that time.
pub async fn probe(check: &CheckConfig, client: &reqwest::Client, now: Timestamp) -> Outcome {
    probe_with_roots(check, client, now, &WEB_PKI_ROOTS).await
}

/// The Mozilla roots that reqwest trusts too, so a TLS check and an HTTP check agree on what a
/// trusted certificate is.
static WEB_PKI_ROOTS: LazyLock<Arc<RootCertStore>> = LazyLock::new(|| {
    Arc::new(RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    })
});

/// ring, as in the rest of the tree, named explicitly: relying on the process default would
/// panic if another crate ever enabled a second provider.
static PROVIDER: LazyLock<Arc<CryptoProvider>> =
    LazyLock::new(|| Arc::new(rustls::crypto::ring::default_provider()));

/// `probe` with the trust roots as an argument, so tests can trust their own CA.
async fn probe_with_roots(
    check: &CheckConfig,
    client: &reqwest::Client,
    now: Timestamp,
    roots: &Arc<RootCertStore>,
) -> Outcome {
    // Validation keeps the timeout positive; should a bad one get here, the default applies
    // rather than a probe that never times out.
    let timeout = Duration::try_from(check.timeout()).unwrap_or(Duration::from_secs(10));
    let started = tokio::time::Instant::now();
    // `+` would panic on a timeout of centuries; a day is as good as forever here.
    let deadline = started
        .checked_add(timeout)
        .unwrap_or(started + Duration::from_secs(24 * 3600));
    let within = format!("within {:#}", check.timeout());
    match check.kind {
        CheckKind::Http => http(check, client, deadline, &within).await,
        CheckKind::Tcp => tcp(check, deadline, &within).await,
        CheckKind::Tls => tls(check, roots, now, deadline, &within).await,
    }
}

async fn http(
    check: &CheckConfig,
    client: &reqwest::Client,
    deadline: tokio::time::Instant,
    within: &str,
) -> Outcome {
    let Some(url) = check.url.as_deref() else {
        return Outcome::failure(None, "the check has no url");
    };
    let Some(method) = check.method() else {
        return Outcome::failure(None, "the check's method is not an HTTP method");
    };
    let mut request = client.request(method, url);
    for (name, value) in &check.headers {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes());
        let value = reqwest::header::HeaderValue::from_str(value);
        let (Ok(name), Ok(mut value)) = (name, value) else {
            return Outcome::failure(None, "a header of the check is not valid");
        };
        // Kept out of reqwest's debug output: these are usually credentials.
        value.set_sensitive(true);
        request = request.header(name, value);
    }
    if let Some(body) = &check.body {
        request = request.body(body.clone());
    }

    let started = Instant::now();
    let mut response = match timeout_at(deadline, request.send()).await {
        Err(_) => return Outcome::failure(None, format!("no response {within}")),
        Ok(Err(error)) => return Outcome::failure(None, describe_http_error(error)),
        Ok(Ok(response)) => response,
    };
    let status = response.status().as_u16();
    let body = match timeout_at(deadline, read_body(&mut response)).await {
        Err(_) => {
            return Outcome::failure(
                None,
                format!("status {status}, but the body did not arrive {within}"),
            );
        }
        Ok(Err(error)) => {
            return Outcome::failure(
                None,
                format!(
                    "status {status}, but the body could not be read: {}",
                    root_cause(&error)
                ),
            );
        }
        Ok(Ok(body)) => body,
    };
    let latency_ms = elapsed_ms(started);
    drop(response);

    // A wrong status says it all; the body of an error page would only add noise.
    if let Some(problem) = status_problem(status, &check.expect_status) {
        return Outcome::failure(Some(latency_ms), problem);
    }
    let mut problems = Vec::new();
    if !check.json.is_empty() {
        match body {
            Body::Truncated => problems.push(format!(
                "the body is larger than {} MiB, too large to check as JSON",
                MAX_BODY_BYTES / (1024 * 1024)
            )),
            Body::Complete(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
                Err(error) => problems.push(format!("the body is not JSON ({error})")),
                Ok(document) => problems.extend(
                    check
                        .json
                        .iter()
                        .filter_map(|condition| condition.evaluate(&document).err()),
                ),
            },
        }
    }
    problems.extend(latency_problem(latency_ms, check.max_latency_ms));
    if problems.is_empty() {
        Outcome::success(
            Some(latency_ms),
            format!("status {status} in {latency_ms} ms"),
        )
    } else {
        Outcome::failure(Some(latency_ms), problems.join("; "))
    }
}

enum Body {
    Complete(Vec<u8>),
    /// Longer than `MAX_BODY_BYTES`; the rest was not read.
    Truncated,
}

async fn read_body(response: &mut reqwest::Response) -> reqwest::Result<Body> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Ok(Body::Truncated);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Body::Complete(body))
}

/// Why `status` is not what the check expects (`expected` empty: any 2xx).
fn status_problem(status: u16, expected: &[u16]) -> Option<String> {
    let wanted = if expected.is_empty() {
        (200..300).contains(&status)
    } else {
        expected.contains(&status)
    };
    if wanted {
        return None;
    }
    let expectation = match expected {
        [] => "2xx".to_owned(),
        [one] => one.to_string(),
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(u16::to_string).collect();
            format!("{} or {last}", rest.join(", "))
        }
    };
    let redirect = if (300..400).contains(&status) {
        " (redirects are not followed)"
    } else {
        ""
    };
    Some(format!("status {status}, expected {expectation}{redirect}"))
}

fn latency_problem(latency_ms: u64, max_latency_ms: Option<u64>) -> Option<String> {
    let max = max_latency_ms?;
    (latency_ms > max).then(|| format!("latency {latency_ms} ms above {max} ms"))
}

async fn tcp(check: &CheckConfig, deadline: tokio::time::Instant, within: &str) -> Outcome {
    let Some(address) = check.address.as_deref() else {
        return Outcome::failure(None, "the check has no address");
    };
    let started = Instant::now();
    match timeout_at(deadline, connect(address)).await {
        Err(_) => Outcome::failure(None, format!("could not connect {within}")),
        Ok(Err(problem)) => Outcome::failure(None, problem),
        Ok(Ok(stream)) => {
            let latency_ms = elapsed_ms(started);
            drop(stream);
            match latency_problem(latency_ms, check.max_latency_ms) {
                Some(problem) => Outcome::failure(Some(latency_ms), problem),
                None => Outcome::success(Some(latency_ms), format!("connected in {latency_ms} ms")),
            }
        }
    }
}

/// Resolves `address` and connects to the first of its addresses that accepts. Resolving
/// separately tells "no such host" apart from "nothing listening".
async fn connect(address: &str) -> Result<TcpStream, String> {
    let host = crate::config::checks::split_host_port(address).map_or(address, |(host, _)| host);
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host(address)
        .await
        .map_err(|error| format!("cannot resolve {host}: {}", describe_io(&error)))?
        .collect();
    let mut last_error = None;
    for socket_address in addresses {
        match TcpStream::connect(socket_address).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = Some(error),
        }
    }
    Err(match last_error {
        Some(error) => describe_io(&error),
        None => format!("{host} resolves to no address"),
    })
}

async fn tls(
    check: &CheckConfig,
    roots: &Arc<RootCertStore>,
    now: Timestamp,
    deadline: tokio::time::Instant,
    within: &str,
) -> Outcome {
    let Some(address) = check.address.as_deref() else {
        return Outcome::failure(None, "the check has no address");
    };
    let Some(name) = check.server_name() else {
        return Outcome::failure(None, "the check's address is not host:port");
    };
    let Ok(server_name) = ServerName::try_from(name.to_owned()) else {
        return Outcome::failure(
            None,
            format!("\"{name}\" is not a name a certificate can hold"),
        );
    };

    let started = Instant::now();
    let stream = match timeout_at(deadline, connect(address)).await {
        Err(_) => return Outcome::failure(None, format!("could not connect {within}")),
        Ok(Err(problem)) => return Outcome::failure(None, problem),
        Ok(Ok(stream)) => stream,
    };
    let recorder = Arc::new(RecordingVerifier {
        chain: OnceLock::new(),
        algorithms: PROVIDER.signature_verification_algorithms,
    });
    let config = match ClientConfig::builder_with_provider(PROVIDER.clone())
        .with_safe_default_protocol_versions()
    {
        Ok(builder) => builder
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_no_client_auth(),
        Err(error) => {
            return Outcome::failure(None, format!("TLS cannot be set up here: {error}"));
        }
    };
    let connector = TlsConnector::from(Arc::new(config));
    match timeout_at(deadline, connector.connect(server_name.clone(), stream)).await {
        Err(_) => {
            return Outcome::failure(None, format!("the TLS handshake did not finish {within}"));
        }
        Ok(Err(error)) => {
            return Outcome::failure(
                None,
                format!("the TLS handshake failed: {}", describe_io(&error)),
            );
        }
        // Nothing is sent: the handshake is what the check wanted. Dropping the stream closes it.
        Ok(Ok(_stream)) => {}
    }
    let latency_ms = elapsed_ms(started);

    let Some((leaf, intermediates)) = recorder.chain.get().and_then(|chain| chain.split_first())
    else {
        return Outcome::failure(Some(latency_ms), "the server sent no certificate");
    };
    let not_after = match not_after(leaf) {
        Ok(not_after) => not_after,
        Err(error) => {
            return Outcome::failure(
                Some(latency_ms),
                format!("the server's certificate cannot be read: {error}"),
            );
        }
    };
    let untrusted = if check.verify() {
        verify_chain(roots, leaf, intermediates, &server_name, name, now).err()
    } else {
        None
    };
    let outcome = certificate_outcome(
        not_after,
        now,
        check.expires_within_days(),
        untrusted.as_deref(),
        Some(latency_ms),
    );
    match latency_problem(latency_ms, check.max_latency_ms) {
        Some(problem) if outcome.ok => {
            Outcome::failure(Some(latency_ms), format!("{problem}; {}", outcome.detail))
        }
        _ => outcome,
    }
}

/// Accepts any certificate during the handshake and keeps the chain, so that an expired or
/// untrusted certificate can still be read and reported; `verify_chain` then judges it after
/// the handshake. This is safe because the probe sends nothing over the connection and
/// believes nothing read from it except the certificate it judges. The handshake signatures
/// are still checked, so the server did prove it holds the certificate's key.
#[derive(Debug)]
struct RecordingVerifier {
    chain: OnceLock<Vec<CertificateDer<'static>>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|certificate| certificate.clone().into_owned())
            .collect();
        // A handshake presents one chain, so this is set once; a second would be ignored.
        let _ = self.chain.set(chain);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, certificate, signature, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, certificate, signature, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Verifies the chain for `server_name` at `now`, as a browser would; the error says why not.
fn verify_chain(
    roots: &Arc<RootCertStore>,
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
    name: &str,
    now: Timestamp,
) -> Result<(), String> {
    let verifier = WebPkiServerVerifier::builder_with_provider(roots.clone(), PROVIDER.clone())
        .build()
        .map_err(|error| format!("it cannot be verified: {error}"))?;
    let seconds = u64::try_from(now.as_second()).unwrap_or(0);
    let now = UnixTime::since_unix_epoch(Duration::from_secs(seconds));
    verifier
        .verify_server_cert(leaf, intermediates, server_name, &[], now)
        .map(|_| ())
        .map_err(|error| describe_certificate_error(&error, name))
}

fn describe_certificate_error(error: &rustls::Error, name: &str) -> String {
    let rustls::Error::InvalidCertificate(certificate_error) = error else {
        return error.to_string();
    };
    match certificate_error {
        CertificateError::UnknownIssuer => "it is not signed by a public certificate authority \
            (self-signed, a private CA, or a missing intermediate certificate)"
            .to_owned(),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("it is not valid for {name}")
        }
        // The leaf's own expiry is reported before trust, so this is a certificate above it.
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "a certificate in its chain has expired".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet".to_owned()
        }
        CertificateError::Revoked => "it is revoked".to_owned(),
        CertificateError::BadSignature => "its signature does not verify".to_owned(),
        _ => error.to_string(),
    }
}

/// The certificate's notAfter.
fn not_after(certificate: &CertificateDer<'_>) -> Result<Timestamp, String> {
    use x509_cert::der::Decode;

    let certificate = x509_cert::Certificate::from_der(certificate.as_ref())
        .map_err(|error| error.to_string())?;
    let since_epoch = certificate
        .tbs_certificate
        .validity
        .not_after
        .to_unix_duration();
    i64::try_from(since_epoch.as_secs())
        .ok()
        .and_then(|seconds| Timestamp::from_second(seconds).ok())
        .ok_or_else(|| "its expiry date is out of range".to_owned())
}

/// A failed request in words, without its URL (which may carry a token in its query).
fn describe_http_error(error: reqwest::Error) -> String {
    let error = error.without_url();
    let cause = root_cause(&error);
    if error.is_connect() {
        format!("could not connect: {cause}")
    } else if error.is_timeout() {
        "the request timed out".to_owned()
    } else {
        format!("the request failed: {cause}")
    }
}

/// The innermost cause: reqwest and hyper wrap the interesting part ("connection refused")
/// in layers of "error sending request".
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    match current.downcast_ref::<std::io::Error>() {
        Some(io_error) => describe_io(io_error),
        None => current.to_string(),
    }
}

/// The common network failures in plain words; anything else as the system says it.
fn describe_io(error: &std::io::Error) -> String {
    use std::io::ErrorKind;

    match error.kind() {
        ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        ErrorKind::ConnectionReset => "connection reset".to_owned(),
        ErrorKind::ConnectionAborted => "connection aborted".to_owned(),
        ErrorKind::UnexpectedEof => "the connection closed early".to_owned(),
        ErrorKind::TimedOut => "timed out".to_owned(),
        _ => error.to_string(),
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, Method, StatusCode, header};
    use axum::response::IntoResponse;
    use axum::routing::{any, get};
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, date_time_ymd};
    use serde_json::json;
    use tokio::net::TcpListener;
    use tokio_rustls::TlsAcceptor;
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::pki_types::PrivateKeyDer;

    /// A check from its TOML keys (the name is added).
    fn check(keys: &str) -> CheckConfig {
        toml::from_str(&format!("name = \"test\"\n{keys}")).unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// Runs `check` against the loopback servers below with the test CA trusted.
    async fn run(check: &CheckConfig, now: Timestamp, roots: &Arc<RootCertStore>) -> Outcome {
        let client = client().unwrap();
        probe_with_roots(check, &client, now, roots).await
    }

    async fn run_plain(check: &CheckConfig) -> Outcome {
        let roots = Arc::new(RootCertStore::empty());
        run(check, at("2026-06-01T00:00:00Z"), &roots).await
    }

    /// A port on loopback that nothing listens on.
    async fn closed_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    }

    /// An HTTP server on loopback with one route per behaviour; the counter counts visits to
    /// `/landing`, where `/redirect` points.
    async fn http_server() -> (SocketAddr, Arc<AtomicUsize>) {
        let landings = Arc::new(AtomicUsize::new(0));
        let router = Router::new()
            .route("/ok", get(|| async { "ok" }))
            .route(
                "/status/{code}",
                get(|Path(code): Path<u16>| async move {
                    StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT)
                }),
            )
            .route(
                "/health",
                get(|| async {
                    axum::Json(json!({ "status": "degraded", "db": { "healthy": true } }))
                }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    "ok"
                }),
            )
            .route("/hang", get(std::future::pending::<()>))
            .route(
                "/redirect",
                get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/landing")]) }),
            )
            .route(
                "/landing",
                get(|State(landings): State<Arc<AtomicUsize>>| async move {
                    landings.fetch_add(1, Ordering::SeqCst);
                    "landed"
                }),
            )
            .route(
                "/echo",
                any(
                    |method: Method, headers: HeaderMap, body: String| async move {
                        let token = headers
                            .get(header::AUTHORIZATION)
                            .and_then(|value| value.to_str().ok())
                            .unwrap_or_default()
                            .to_owned();
                        axum::Json(
                            json!({ "method": method.as_str(), "token": token, "body": body }),
                        )
                    },
                ),
            )
            .route(
                "/big",
                get(|| async { " ".repeat(MAX_BODY_BYTES + 1).into_response() }),
            )
            .route("/text", get(|| async { "<html>fine</html>" }))
            .with_state(landings.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        (address, landings)
    }

    /// Probes `path` on the server with the extra TOML keys.
    async fn get_path(server: SocketAddr, path: &str, keys: &str) -> Outcome {
        let check = check(&format!(
            "kind = \"http\"\nurl = \"http://{server}{path}\"\ntimeout = \"2s\"\n{keys}"
        ));
        run_plain(&check).await
    }

    #[tokio::test]
    async fn http_checks_the_status() {
        let (server, _) = http_server().await;

        let ok = get_path(server, "/ok", "").await;
        assert!(ok.ok, "{ok:?}");
        assert!(ok.detail.starts_with("status 200 in "), "{ok:?}");
        assert!(ok.latency_ms.is_some());

        let down = get_path(server, "/status/503", "").await;
        assert_eq!(
            (down.ok, down.detail.as_str()),
            (false, "status 503, expected 2xx")
        );
        assert!(
            down.latency_ms.is_some(),
            "an answer is timed, even a bad one"
        );

        let listed = get_path(server, "/status/204", "expect_status = [200, 201, 202]").await;
        assert_eq!(listed.detail, "status 204, expected 200, 201 or 202");
        let one = get_path(server, "/status/200", "expect_status = [204]").await;
        assert_eq!(one.detail, "status 200, expected 204");
        let wanted = get_path(server, "/status/404", "expect_status = [404]").await;
        assert!(wanted.ok, "{wanted:?}");
    }

    #[tokio::test]
    async fn http_never_follows_a_redirect() {
        let (server, landings) = http_server().await;
        let moved = get_path(server, "/redirect", "").await;
        assert_eq!(
            (moved.ok, moved.detail.as_str()),
            (
                false,
                "status 302, expected 2xx (redirects are not followed)"
            )
        );
        let accepted = get_path(server, "/redirect", "expect_status = [302]").await;
        assert!(accepted.ok, "{accepted:?}");
        assert_eq!(landings.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn http_checks_latency() {
        let (server, _) = http_server().await;
        let slow = get_path(server, "/slow", "max_latency_ms = 50").await;
        assert!(!slow.ok);
        let latency = slow.latency_ms.unwrap();
        assert!(latency >= 150, "{slow:?}");
        assert_eq!(slow.detail, format!("latency {latency} ms above 50 ms"));
        let relaxed = get_path(server, "/slow", "max_latency_ms = 1500").await;
        assert!(relaxed.ok, "{relaxed:?}");
    }

    #[tokio::test]
    async fn http_checks_json_conditions() {
        let (server, _) = http_server().await;
        let failing = get_path(
            server,
            "/health",
            r#"json = [
                { pointer = "/status", equals = "ok" },
                { pointer = "/db/healthy", equals = true },
                { pointer = "/db/lag", less_than = 5 },
            ]"#,
        )
        .await;
        assert_eq!(
            (failing.ok, failing.detail.as_str()),
            (
                false,
                "/status is \"degraded\", expected \"ok\"; /db/lag is missing, expected a number less than 5"
            )
        );
        let passing = get_path(
            server,
            "/health",
            r#"json = [ { pointer = "/db/healthy", equals = true } ]"#,
        )
        .await;
        assert!(passing.ok, "{passing:?}");

        let text = get_path(
            server,
            "/text",
            r#"json = [ { pointer = "/a", exists = true } ]"#,
        )
        .await;
        assert_eq!(
            text.detail,
            "the body is not JSON (expected value at line 1 column 1)"
        );
        // A wrong status is the whole story; the conditions are not read.
        let error = get_path(
            server,
            "/status/500",
            r#"json = [ { pointer = "/a", exists = true } ]"#,
        )
        .await;
        assert_eq!(error.detail, "status 500, expected 2xx");
    }

    #[tokio::test]
    async fn http_reads_at_most_a_mebibyte() {
        let (server, _) = http_server().await;
        let plain = get_path(server, "/big", "").await;
        assert!(plain.ok, "without conditions a big body is fine: {plain:?}");
        let json = get_path(
            server,
            "/big",
            r#"json = [ { pointer = "/a", exists = true } ]"#,
        )
        .await;
        assert_eq!(
            json.detail,
            "the body is larger than 1 MiB, too large to check as JSON"
        );
    }

    #[tokio::test]
    async fn http_sends_the_method_headers_and_body() {
        let (server, _) = http_server().await;
        let echo = get_path(
            server,
            "/echo",
            r#"
            method = "post"
            headers = { Authorization = "Bearer s3cret" }
            body = "ping"
            json = [
                { pointer = "/method", equals = "POST" },
                { pointer = "/token", equals = "Bearer s3cret" },
                { pointer = "/body", equals = "ping" },
            ]
            "#,
        )
        .await;
        assert!(echo.ok, "{echo:?}");
    }

    #[tokio::test]
    async fn http_times_out_and_reports_refusals() {
        let (server, _) = http_server().await;
        let hang = check(&format!(
            "kind = \"http\"\nurl = \"http://{server}/hang\"\ntimeout = \"300ms\""
        ));
        let started = Instant::now();
        let outcome = run_plain(&hang).await;
        assert_eq!(outcome, Outcome::failure(None, "no response within 300ms"));
        assert!(started.elapsed() < Duration::from_secs(2));

        let port = closed_port().await;
        let refused = get_path(format!("127.0.0.1:{port}").parse().unwrap(), "/", "").await;
        assert_eq!(
            refused,
            Outcome::failure(None, "could not connect: connection refused")
        );
    }

    #[tokio::test]
    async fn tcp_connects_or_says_why_not() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = check(&format!(
            "kind = \"tcp\"\naddress = \"{}\"",
            listener.local_addr().unwrap()
        ));
        let outcome = run_plain(&open).await;
        assert!(outcome.ok, "{outcome:?}");
        assert!(outcome.detail.starts_with("connected in "), "{outcome:?}");

        let port = closed_port().await;
        let closed = check(&format!("kind = \"tcp\"\naddress = \"127.0.0.1:{port}\""));
        assert_eq!(
            run_plain(&closed).await,
            Outcome::failure(None, "connection refused")
        );
    }

    #[tokio::test]
    async fn a_check_missing_its_target_fails_instead_of_panicking() {
        for (keys, detail) in [
            ("kind = \"http\"", "the check has no url"),
            (
                "kind = \"http\"\nurl = \"not a url\"",
                "the request failed: relative URL without a base",
            ),
            (
                "kind = \"http\"\nurl = \"http://x/\"\nmethod = \"G T\"",
                "the check's method is not an HTTP method",
            ),
            (
                "kind = \"http\"\nurl = \"http://x/\"\nheaders = { \"a b\" = \"c\" }",
                "a header of the check is not valid",
            ),
            ("kind = \"tcp\"", "the check has no address"),
            ("kind = \"tls\"", "the check has no address"),
            (
                "kind = \"tls\"\naddress = \"x\"",
                "the check's address is not host:port",
            ),
            (
                "kind = \"tls\"\naddress = \"x:1\"\nserver_name = \"not a name\"",
                "\"not a name\" is not a name a certificate can hold",
            ),
        ] {
            assert_eq!(
                run_plain(&check(keys)).await,
                Outcome::failure(None, detail),
                "{keys}"
            );
        }
    }

    /// A CA and a certificate it signed for `localhost` and 127.0.0.1, valid through
    /// 2026-01-01 to 2026-12-01.
    struct TestPki {
        roots: Arc<RootCertStore>,
        chain: Vec<CertificateDer<'static>>,
        key: Vec<u8>,
    }

    fn test_pki() -> TestPki {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Firewatch test CA");
        ca_params.not_before = date_time_ymd(2025, 1, 1);
        ca_params.not_after = date_time_ymd(2030, 1, 1);
        let ca = ca_params.self_signed(&ca_key).unwrap();

        let leaf_key = KeyPair::generate().unwrap();
        let mut leaf_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        leaf_params.not_before = date_time_ymd(2026, 1, 1);
        leaf_params.not_after = date_time_ymd(2026, 12, 1);
        let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();

        let mut roots = RootCertStore::empty();
        roots.add(ca.der().clone()).unwrap();
        TestPki {
            roots: Arc::new(roots),
            chain: vec![leaf.der().clone()],
            key: leaf_key.serialize_der(),
        }
    }

    /// A TLS server on loopback that completes handshakes and hangs up.
    async fn tls_server(pki: &TestPki) -> SocketAddr {
        let key = PrivateKeyDer::try_from(pki.key.clone()).unwrap();
        let config = ServerConfig::builder_with_provider(PROVIDER.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(pki.chain.clone(), key)
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move { acceptor.accept(stream).await });
            }
        });
        address
    }

    fn tls_check(address: SocketAddr, keys: &str) -> CheckConfig {
        check(&format!(
            "kind = \"tls\"\naddress = \"{address}\"\ntimeout = \"2s\"\n{keys}"
        ))
    }

    #[tokio::test]
    async fn tls_reports_expiry_against_the_threshold() {
        let pki = test_pki();
        let server = tls_server(&pki).await;
        let outcome = |keys: &'static str, now: &'static str| {
            let check = tls_check(server, keys);
            let roots = pki.roots.clone();
            async move {
                let outcome = run(&check, at(now), &roots).await;
                assert!(outcome.latency_ms.is_some(), "{outcome:?}");
                (outcome.ok, outcome.detail)
            }
        };

        // Verified for the IP in the address, and for a name sent as SNI.
        assert_eq!(
            outcome("", "2026-06-01T00:00:00Z").await,
            (
                true,
                "certificate is valid and expires in 183 days (2026-12-01)".to_owned()
            )
        );
        assert_eq!(
            outcome("server_name = \"localhost\"", "2026-06-01T00:00:00Z").await,
            (
                true,
                "certificate is valid and expires in 183 days (2026-12-01)".to_owned()
            )
        );
        assert_eq!(
            outcome("", "2026-11-25T00:00:00Z").await,
            (
                false,
                "certificate expires in 6 days (2026-12-01)".to_owned()
            )
        );
        assert!(
            outcome("expires_within_days = 5", "2026-11-25T00:00:00Z")
                .await
                .0
        );
        assert_eq!(
            outcome("", "2026-12-05T00:00:00Z").await,
            (
                false,
                "certificate expired 4 days ago (2026-12-01)".to_owned()
            )
        );
        assert_eq!(
            outcome("", "2025-12-01T00:00:00Z").await,
            (
                false,
                "certificate is not trusted: it is not valid yet; it expires in 365 days (2026-12-01)"
                    .to_owned()
            )
        );
    }

    #[tokio::test]
    async fn tls_reports_an_untrusted_certificate_and_its_expiry() {
        let pki = test_pki();
        let server = tls_server(&pki).await;
        let now = at("2026-06-01T00:00:00Z");

        // The public roots do not know the test CA.
        let public = tls_check(server, "");
        let client = client().unwrap();
        let outcome = probe(&public, &client, now).await;
        assert_eq!(
            (outcome.ok, outcome.detail.as_str()),
            (
                false,
                "certificate is not trusted: it is not signed by a public certificate authority \
                 (self-signed, a private CA, or a missing intermediate certificate); it expires in \
                 183 days (2026-12-01)"
            )
        );
        // verify = false checks only the expiry.
        let unverified = tls_check(server, "verify = false");
        let outcome = probe(&unverified, &client, now).await;
        assert!(outcome.ok, "{outcome:?}");

        // Another name than the certificate's, sent only as SNI to the loopback address.
        let other_name = tls_check(server, "server_name = \"other.example\"");
        let outcome = run(&other_name, now, &pki.roots).await;
        assert_eq!(
            outcome.detail,
            "certificate is not trusted: it is not valid for other.example; it expires in 183 days (2026-12-01)"
        );
    }

    #[tokio::test]
    async fn tls_says_why_there_was_no_certificate() {
        let now = at("2026-06-01T00:00:00Z");
        let roots = Arc::new(RootCertStore::empty());

        // A server that speaks HTTP, not TLS.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let plain = listener.local_addr().unwrap();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            while let Ok((mut stream, _)) = listener.accept().await {
                let _ = stream
                    .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                    .await;
            }
        });
        let outcome = run(&tls_check(plain, ""), now, &roots).await;
        assert!(!outcome.ok);
        assert!(
            outcome.detail.starts_with("the TLS handshake failed: "),
            "{outcome:?}"
        );

        // A server that accepts and never answers.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        let check = check(&format!(
            "kind = \"tls\"\naddress = \"{silent}\"\ntimeout = \"300ms\""
        ));
        assert_eq!(
            run(&check, now, &roots).await,
            Outcome::failure(None, "the TLS handshake did not finish within 300ms")
        );

        let port = closed_port().await;
        let closed = tls_check(format!("127.0.0.1:{port}").parse().unwrap(), "");
        assert_eq!(
            run(&closed, now, &roots).await,
            Outcome::failure(None, "connection refused")
        );
    }

    #[test]
    fn status_expectations_read_naturally() {
        assert_eq!(status_problem(200, &[]), None);
        assert_eq!(status_problem(299, &[]), None);
        assert_eq!(
            status_problem(301, &[]).as_deref(),
            Some("status 301, expected 2xx (redirects are not followed)")
        );
        assert_eq!(status_problem(200, &[200, 204]).as_deref(), None);
        assert_eq!(
            status_problem(500, &[200, 204]).as_deref(),
            Some("status 500, expected 200 or 204")
        );
        assert_eq!(latency_problem(500, Some(500)), None);
        assert_eq!(
            latency_problem(812, Some(500)).as_deref(),
            Some("latency 812 ms above 500 ms")
        );
        assert_eq!(latency_problem(812, None), None);
    }
}

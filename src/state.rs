//! What the API and the web UI share: the platform's [`Context`] that every operation takes,
//! plus what only they hold: the sign-in throttle and the status page's renderings.

use std::sync::{Arc, Mutex};

use crate::context::Context;

#[derive(Clone)]
pub struct AppState {
    pub context: Context,
    /// Sign-in attempts, for the web UI's rate limit.
    pub logins: Arc<Mutex<crate::accounts::sign_in::LoginLimiter>>,
    /// The public status page's renderings.
    pub status_page: Arc<crate::statuspage::cache::StatusCache>,
    /// When this server started, for Alertmanager's `/api/v2/status` uptime.
    pub started_at: jiff::Timestamp,
    /// The single sign-on provider's discovery document and keys, as last read.
    pub oidc: Arc<crate::accounts::oidc::Provider>,
}

impl AppState {
    pub fn new(context: Context) -> AppState {
        let status_page =
            crate::statuspage::cache::StatusCache::new(context.status_changed.clone());
        AppState {
            started_at: context.clock.now(),
            context,
            logins: Arc::default(),
            status_page: Arc::new(status_page),
            oidc: Arc::default(),
        }
    }
}

/// A handler reads the context's parts as its own (`state.store`), and passes `&state` where
/// an operation takes `&Context`.
impl std::ops::Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.context
    }
}

/// The client's address, when the server knows it: the peer's, or, when the peer is one of
/// `[server] trusted_proxies`, the nearest address in `X-Forwarded-For` that is not.
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl axum::extract::FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|axum::extract::ConnectInfo(address)| address.ip());
        let trusted = state.config.current().server.trusted_proxy_networks();
        Ok(ClientAddress(client_address(
            peer,
            &parts.headers,
            &trusted,
        )))
    }
}

/// The client behind any trusted proxies. Proxies append the address they were reached from,
/// so the list is read from its end; the first untrusted entry is the client (entries before
/// it were written by the client itself and prove nothing).
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    headers: &axum::http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> Option<std::net::IpAddr> {
    let is_trusted = |address: &std::net::IpAddr| {
        let address = address.to_canonical();
        trusted.iter().any(|network| network.contains(&address))
    };
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        match entry.parse::<std::net::IpAddr>() {
            Ok(address) => {
                client = address;
                if !is_trusted(&address) {
                    break;
                }
            }
            // A mangled entry: the last address read is as far as can be believed.
            Err(_) => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_client_is_the_nearest_untrusted_address() {
        let trusted: Vec<ipnet::IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ];
        let peer = |text: &str| Some(text.parse().unwrap());
        let with = |value: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert("x-forwarded-for", value.parse().unwrap());
            headers
        };
        let client = |peer_address: &str, headers: &axum::http::HeaderMap| {
            super::client_address(peer(peer_address), headers, &trusted).map(|a| a.to_string())
        };
        let none = axum::http::HeaderMap::new();
        assert_eq!(client("192.0.2.1", &none).as_deref(), Some("192.0.2.1"));
        // An untrusted peer's header is its own word.
        assert_eq!(
            client("192.0.2.1", &with("198.51.100.7")).as_deref(),
            Some("192.0.2.1")
        );
        assert_eq!(
            client("10.1.1.1", &with("198.51.100.7")).as_deref(),
            Some("198.51.100.7")
        );
        // Through two proxies; what the client wrote first proves nothing.
        assert_eq!(
            client("127.0.0.1", &with("6.6.6.6, 198.51.100.7, 10.2.2.2")).as_deref(),
            Some("198.51.100.7")
        );
        assert_eq!(
            client("10.1.1.1", &with("garbage, 198.51.100.7")).as_deref(),
            Some("198.51.100.7")
        );
        assert_eq!(
            client("10.1.1.1", &with("nonsense")).as_deref(),
            Some("10.1.1.1")
        );
        assert_eq!(
            client("::ffff:10.1.1.1", &with("2001:db8::5")).as_deref(),
            Some("2001:db8::5")
        );
    }
}

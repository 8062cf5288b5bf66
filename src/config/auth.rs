//! `[auth.oidc]`: single sign-on through an OpenID Connect provider. Local users stay, so an
//! admin can sign in when the provider is down.

use serde::Deserialize;

use crate::core::problem::Problems;
use crate::core::role::Role;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub oidc: Option<OidcConfig>,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's issuer URL; its discovery document is at
    /// `ISSUER/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The ID token claim holding the person's groups.
    #[serde(default = "groups")]
    pub groups_claim: String,
    /// Which groups give which role; the highest match wins, `"*"` matches anyone. No match
    /// means no access.
    #[serde(default)]
    pub roles: RoleGroups,
    /// What the sign-in page's button says ("Sign in with NAME").
    #[serde(default = "provider_name")]
    pub name: String,
    /// Scopes asked for besides `openid`; the claims above must come back in the ID token.
    #[serde(default = "scopes")]
    pub scopes: Vec<String>,
}

/// The secret is never printed, even in a debug log of the config.
impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[hidden]")
            .field("groups_claim", &self.groups_claim)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleGroups {
    #[serde(default)]
    pub admin: Vec<String>,
    #[serde(default)]
    pub responder: Vec<String>,
    #[serde(default)]
    pub viewer: Vec<String>,
}

impl RoleGroups {
    /// The highest role one of `groups` is given, if any.
    pub fn role_for(&self, groups: &[String]) -> Option<Role> {
        let matches = |wanted: &[String]| {
            wanted
                .iter()
                .any(|group| group == "*" || groups.iter().any(|held| held == group))
        };
        [
            (Role::Admin, &self.admin),
            (Role::Responder, &self.responder),
            (Role::Viewer, &self.viewer),
        ]
        .into_iter()
        .find(|(_, wanted)| matches(wanted))
        .map(|(role, _)| role)
    }
}

fn groups() -> String {
    "groups".into()
}

fn provider_name() -> String {
    "single sign-on".into()
}

fn scopes() -> Vec<String> {
    ["email", "profile", "groups"].map(str::to_owned).to_vec()
}

/// Whether `url`'s host is this machine: plain http is taken only there (a provider in a test
/// or beside Firewatch); anywhere else the code and tokens would cross a network in clear.
fn loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

pub fn validate(auth: &AuthConfig, problems: &mut Problems) {
    let Some(oidc) = &auth.oidc else { return };
    let path = "auth.oidc";
    match url::Url::parse(&oidc.issuer) {
        Ok(url) if url.scheme() == "https" || (url.scheme() == "http" && loopback(&url)) => {}
        Ok(url) if url.scheme() == "http" => problems.error(
            format!("{path}.issuer"),
            format!(
                "\"{}\" is plain http: use https (http is taken only on this machine's loopback)",
                oidc.issuer
            ),
        ),
        _ => problems.error(
            format!("{path}.issuer"),
            format!("\"{}\" is not an http(s) URL", oidc.issuer),
        ),
    }
    if oidc.client_id.trim().is_empty() {
        problems.error(format!("{path}.client_id"), "must not be empty".into());
    }
    if oidc.client_secret.trim().is_empty() {
        problems.error(format!("{path}.client_secret"), "must not be empty".into());
    }
    if oidc.groups_claim.trim().is_empty() {
        problems.error(format!("{path}.groups_claim"), "must not be empty".into());
    }
    let roles = &oidc.roles;
    if roles.admin.is_empty() && roles.responder.is_empty() && roles.viewer.is_empty() {
        problems.error(
            format!("{path}.roles"),
            "gives no group any role, so nobody could sign in: e.g. roles = { admin = [\"sre-admins\"], responder = [\"sre\"], viewer = [\"*\"] }".into(),
        );
    }
    if roles.admin.iter().any(|group| group == "*") {
        problems.warn(
            format!("{path}.roles.admin"),
            "\"*\" makes everyone the provider knows an admin".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_matching_role_wins_and_no_match_is_no_access() {
        let roles = RoleGroups {
            admin: vec!["sre-admins".into()],
            responder: vec!["sre".into(), "dev".into()],
            viewer: vec![],
        };
        let held = |groups: &[&str]| groups.iter().map(|g| (*g).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            roles.role_for(&held(&["dev", "sre-admins"])),
            Some(Role::Admin)
        );
        assert_eq!(roles.role_for(&held(&["sre"])), Some(Role::Responder));
        assert_eq!(roles.role_for(&held(&["marketing"])), None);
        assert_eq!(roles.role_for(&[]), None);
        let everyone = RoleGroups {
            viewer: vec!["*".into()],
            ..roles
        };
        assert_eq!(everyone.role_for(&held(&["marketing"])), Some(Role::Viewer));
        assert_eq!(everyone.role_for(&[]), Some(Role::Viewer));
    }

    #[test]
    fn plain_http_is_taken_only_on_loopback() {
        let check = |issuer: &str| {
            let mut problems = Problems::default();
            validate(
                &AuthConfig {
                    oidc: Some(OidcConfig {
                        issuer: issuer.into(),
                        client_id: "firewatch".into(),
                        client_secret: "s".into(),
                        groups_claim: groups(),
                        roles: RoleGroups {
                            viewer: vec!["*".into()],
                            ..RoleGroups::default()
                        },
                        name: provider_name(),
                        scopes: scopes(),
                    }),
                },
                &mut problems,
            );
            problems.errors.len()
        };
        assert_eq!(check("https://idp.example.com"), 0);
        assert_eq!(check("http://127.0.0.1:9400"), 0);
        assert_eq!(check("http://localhost:9400"), 0);
        assert_eq!(check("http://idp.example.com"), 1);
        assert_eq!(check("ftp://idp.example.com"), 1);
    }
}

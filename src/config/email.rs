//! `[email_intake]`: the optional SMTP listener that takes alerts by email for the `email`
//! integrations, each the address `NAME@domain`.

use serde::Deserialize;

use crate::core::problem::Problems;
use crate::integrations::inbound::config::IntegrationConfig;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailIntakeConfig {
    /// Where the listener binds (`"0.0.0.0:2525"`). Bound at start.
    pub listen: String,
    /// The domain of the integrations' addresses (`alerts.example.com`).
    pub domain: String,
    /// The name in the greeting; default: the domain.
    pub hostname: Option<String>,
    #[serde(default = "ten_mebibytes")]
    pub max_message_bytes: usize,
    #[serde(default = "hundred")]
    pub max_connections: usize,
    /// PEM files; with both, STARTTLS is offered.
    pub tls_certificate: Option<String>,
    pub tls_key: Option<String>,
}

fn ten_mebibytes() -> usize {
    10 * 1024 * 1024
}

fn hundred() -> usize {
    100
}

impl EmailIntakeConfig {
    /// The `email` integration an address names (`NAME@domain`, without case), if any.
    pub fn integration<'c>(
        &self,
        integrations: &'c [IntegrationConfig],
        address: &str,
    ) -> Option<&'c crate::integrations::inbound::config::EmailIntegration> {
        let (local, domain) = address.trim().rsplit_once('@')?;
        if !domain.eq_ignore_ascii_case(self.domain.trim()) {
            return None;
        }
        integrations
            .iter()
            .find_map(|integration| match integration {
                IntegrationConfig::Email(email) if email.name.eq_ignore_ascii_case(local) => {
                    Some(email)
                }
                _ => None,
            })
    }

    pub fn validate(&self, problems: &mut Problems) {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            problems.error(
                "email_intake.listen".into(),
                format!(
                    "\"{}\" is not an address and port such as \"0.0.0.0:2525\"",
                    self.listen
                ),
            );
        }
        let domain = self.domain.trim();
        if domain.is_empty() || domain.contains(['@', ' ', '/']) {
            problems.error(
                "email_intake.domain".into(),
                format!(
                    "\"{}\" is not a domain such as alerts.example.com",
                    self.domain
                ),
            );
        }
        if self.max_message_bytes == 0 || self.max_connections == 0 {
            problems.error(
                "email_intake".into(),
                "max_message_bytes and max_connections must be more than 0".into(),
            );
        }
        if self.tls_certificate.is_some() != self.tls_key.is_some() {
            problems.error(
                "email_intake".into(),
                "give both tls_certificate and tls_key, or neither".into(),
            );
        }
    }
}

/// Checks `[email_intake]`, and warns of `email` integrations with nothing to receive them.
pub fn validate(
    intake: Option<&EmailIntakeConfig>,
    integrations: &[IntegrationConfig],
    problems: &mut Problems,
) {
    match intake {
        Some(intake) => intake.validate(problems),
        None => {
            for (index, integration) in integrations.iter().enumerate() {
                if let IntegrationConfig::Email(email) = integration {
                    problems.warn(
                        format!("integrations[{index}]"),
                        format!(
                            "integration \"{}\" is of kind email, but there is no [email_intake] to receive its mail",
                            email.name
                        ),
                    );
                }
            }
        }
    }
}

//! Alerts by email: the SMTP listener of `[email_intake]` (`smtp`, the protocol) and the sink
//! that turns a message into an alert event of its `email` integration
//! (`integrations::inbound::email`), committed through intake before the sender hears 250.
//! An adapter beside `http`: it checks at the edge (the address at `RCPT TO`, the sender, the
//! rate) and hands an event to intake, as a webhook does.

pub mod smtp;

use std::sync::Arc;

use jiff::Timestamp;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::context::Context;
use crate::integrations::inbound;
use crate::integrations::inbound::config::{EmailIntegration, IntegrationConfig};
use crate::store::{EventStatus, NewEvent};
use smtp::{Envelope, MailSink, Reply};

/// The sink: the current config decides each address and sender.
struct Sink {
    context: Context,
}

#[async_trait::async_trait]
impl MailSink for Sink {
    async fn recipient(&self, address: &str) -> Result<(), Reply> {
        let config = self.context.config.current();
        let known = config
            .email_intake
            .as_ref()
            .and_then(|intake| intake.integration(&config.integrations, address));
        match known {
            Some(_) => Ok(()),
            None => Err(Reply::unknown_recipient()),
        }
    }

    async fn deliver(&self, envelope: Envelope) -> Result<(), Reply> {
        let config = self.context.config.current();
        let intake = config
            .email_intake
            .as_ref()
            .ok_or_else(|| Reply::temporary_failure("mail intake is being reconfigured"))?;
        let content = smtp::read_message(&envelope.data);
        let senders = [
            envelope.mail_from.as_str(),
            content.from.as_deref().unwrap_or(""),
        ];
        let now = self.context.clock.now();
        // Every recipient is checked before any is stored: a message is taken whole or not.
        let mut events = Vec::with_capacity(envelope.recipients.len());
        for recipient in &envelope.recipients {
            let integration = intake
                .integration(&config.integrations, recipient)
                .ok_or_else(Reply::unknown_recipient)?;
            if !integration.allows(&senders) {
                return Err(Reply::refused(format!(
                    "{} does not take mail from this sender (allow_from)",
                    integration.name
                )));
            }
            self.context
                .take_rate(&integration.name, integration.rate_limit, now)
                .map_err(|_| {
                    Reply::new(
                        451,
                        "4.7.0",
                        "too many messages for this address; try again later",
                    )
                })?;
            events.push(event(&config, integration, &envelope, &content, now));
        }
        for event in events {
            self.context.intake.submit(event).await.map_err(|error| {
                tracing::warn!(%error, "mail not stored; the sender will try again");
                Reply::temporary_failure("the alert could not be stored; try again later")
            })?;
        }
        Ok(())
    }
}

/// The alert event one message makes for one integration.
fn event(
    config: &crate::config::Config,
    integration: &EmailIntegration,
    envelope: &Envelope,
    content: &smtp::MailContent,
    now: Timestamp,
) -> NewEvent {
    // The config check refused a pattern that does not compile.
    let resolve = integration.resolve_pattern.as_deref().and_then(|pattern| {
        regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .ok()
    });
    let mut parsed = inbound::email::parse(
        integration,
        resolve.as_ref(),
        content.subject.as_deref(),
        content.from.as_deref(),
        &content.text,
    );
    let mut signals = parsed.alerts.take().unwrap_or_default();
    config.assign_alert_services(&mut signals, &integration.name);
    let headers = serde_json::json!({
        "mail-from": envelope.mail_from,
        "rcpt-to": envelope.recipients,
        "peer": envelope.peer.to_string(),
        "helo": envelope.helo,
        "tls": envelope.tls,
        "subject": content.subject,
        "from": content.from,
        "message-id": content.message_id,
    });
    NewEvent {
        id: crate::store::new_id(now),
        integration: integration.name.clone(),
        source: "email".into(),
        kind: parsed.kind,
        status: EventStatus::Accepted,
        ignored_reason: None,
        normalized: None,
        repository: None,
        jobs: crate::store::alert_jobs(&signals),
        // A sender that retries a message whose 250 it never heard sends the same
        // Message-ID: stored once.
        dedup_key: content
            .message_id
            .as_deref()
            .filter(|id| !id.is_empty() && id.len() <= 255)
            .map(str::to_owned),
        received_at: now,
        headers: headers.to_string(),
        body: bytes::Bytes::copy_from_slice(&envelope.data),
        destinations: Vec::new(),
        expires_at: now
            .saturating_add(config.delivery.retry_window())
            .unwrap_or(now),
    }
}

/// The TLS a listener offers with STARTTLS, from PEM files.
fn acceptor(certificate: &str, key: &str) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    use tokio_rustls::rustls::pki_types::pem::PemObject as _;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certificates = CertificateDer::pem_file_iter(certificate)
        .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
        .map_err(|error| anyhow::anyhow!("email_intake.tls_certificate {certificate}: {error}"))?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|error| anyhow::anyhow!("email_intake.tls_key {key}: {error}"))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let server = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certificates, key)?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(server)))
}

/// Binds `[email_intake] listen` and returns the listener's address and its task, or `None`
/// when there is no `[email_intake]`.
pub async fn start(
    context: Context,
    shutdown: CancellationToken,
) -> anyhow::Result<
    Option<(
        std::net::SocketAddr,
        impl Future<Output = ()> + Send + 'static,
    )>,
> {
    let config = context.config.current();
    let Some(intake) = config.email_intake.clone() else {
        return Ok(None);
    };
    let tls = match (&intake.tls_certificate, &intake.tls_key) {
        (Some(certificate), Some(key)) => Some(acceptor(certificate, key)?),
        _ => None,
    };
    let listener = TcpListener::bind(intake.listen.as_str())
        .await
        .map_err(|error| anyhow::anyhow!("email_intake.listen {}: {error}", intake.listen))?;
    let address = listener.local_addr()?;
    let limits = smtp::Limits {
        max_message_bytes: intake.max_message_bytes,
        max_connections: intake.max_connections,
        ..smtp::Limits::default()
    };
    let hostname = intake.hostname.clone().unwrap_or(intake.domain.clone());
    let sink: Arc<dyn MailSink> = Arc::new(Sink { context });
    Ok(Some((address, async move {
        smtp::serve(listener, hostname, sink, limits, tls, shutdown).await;
    })))
}

/// Names the `email` integrations' addresses, for the log at start.
pub fn addresses(config: &crate::config::Config) -> Vec<String> {
    let Some(intake) = &config.email_intake else {
        return Vec::new();
    };
    config
        .integrations
        .iter()
        .filter_map(|integration| match integration {
            IntegrationConfig::Email(email) => Some(format!("{}@{}", email.name, intake.domain)),
            _ => None,
        })
        .collect()
}

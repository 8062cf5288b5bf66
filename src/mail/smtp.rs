//! Alerts by email, for monitoring tools, backup jobs and appliances that can only send mail:
//! an SMTP server that takes mail for `NAME@` the alerts domain, so each message the sink
//! accepts becomes an alert, and [`read_message`], which turns a message's bytes into what the
//! alert shows.
//!
//! The server speaks the part of RFC 5321 that real senders use — ESMTP with SIZE, 8BITMIME,
//! PIPELINING, ENHANCEDSTATUSCODES, SMTPUTF8 and STARTTLS — and nothing a relay needs: no AUTH,
//! no queue, no forwarding. It faces the internet before anyone is authenticated, so everything
//! a stranger can make it spend is bounded: connections, line lengths, the bytes of a message,
//! recipients, messages and errors per connection, the time per command and per session.
//!
//! A message is acknowledged (250 after the final dot) only once the [`MailSink`] has stored it
//! durably; any other outcome is answered with a code that tells the sender to keep the message
//! (4xx: try again later) or to bounce it (5xx), so no mail is lost silently.

use std::fmt;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mail_parser::decoders::html::html_to_text;
use mail_parser::{Message, MessageParser, PartType};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout, timeout_at};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// A command line's limit, CRLF included: RFC 5321 allows 512 octets for a command, more with
/// extension parameters, and 1000 for a text line; nothing legitimate comes near it.
const COMMAND_LINE_MAX: usize = 1000;
/// A line of message content, CRLF included. RFC 5322 says 1000, but generated HTML mail often
/// has longer lines, so the bound is there only to refuse what is clearly not mail.
const DATA_LINE_MAX: usize = 64 * 1024;
/// The read buffer of one connection.
const READ_BUFFER: usize = 8 * 1024;
/// Replies kept back while pipelined commands are answered, before they are written anyway.
const PENDING_REPLIES_MAX: usize = 16 * 1024;
/// A reverse- or forward-path (RFC 5321 §4.5.3.1.3).
const ADDRESS_MAX: usize = 256;
/// A domain in EHLO or HELO (RFC 5321 §4.5.3.1.2).
const DOMAIN_MAX: usize = 255;
/// The text of a reply the sink wrote, so a reply line stays under 512 octets.
const REPLY_TEXT_MAX: usize = 400;
/// How long the last reply and the close may take, so a peer that stopped reading cannot hold
/// a connection slot for a whole command timeout after the session is over.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest command or session timeout taken.
const LONGEST_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// Back-off after a failed accept (out of file descriptors, say), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The text an alert keeps of a message body, in bytes.
pub const TEXT_MAX: usize = 16 * 1024;
/// The subject, sender name and message id an alert keeps, each in bytes.
pub const HEADER_TEXT_MAX: usize = 1024;
/// The HTML converted to text: with [`TEXT_MAX`] of text kept, more markup than this is
/// conversion work for nothing.
const HTML_MAX: usize = 1024 * 1024;

/// What one listener lets a sender spend.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest message, in octets of content once dot-stuffing is undone; advertised as
    /// `SIZE`. Each connection holds at most this much (plus one line) in memory.
    pub max_message_bytes: usize,
    /// Connections served at once; one more is answered 421 and closed.
    pub max_connections: usize,
    /// Recipients of one message; past it RCPT is answered 452, and the sender sends the rest
    /// in another transaction.
    pub max_recipients: usize,
    /// Messages on one connection; past it MAIL is answered 421 and the connection closed.
    pub max_messages_per_connection: usize,
    /// Refused commands on one connection (syntax, sequence, unknown recipients) before it is
    /// closed with 421, which also bounds guessing at addresses.
    pub max_errors: usize,
    /// How long the server waits for each command, and for each line of a message.
    pub command_timeout: Duration,
    /// How long one connection may last in all.
    pub session_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_message_bytes: 10 * 1024 * 1024,
            max_connections: 100,
            max_recipients: 100,
            max_messages_per_connection: 100,
            max_errors: 10,
            // RFC 5321 §4.5.3.2.7 asks for at least five minutes while the server waits.
            command_timeout: Duration::from_secs(5 * 60),
            session_timeout: Duration::from_secs(30 * 60),
        }
    }
}

impl Limits {
    /// Zero would refuse everything or close at once; one is the least that works.
    fn sanitized(mut self) -> Limits {
        self.max_message_bytes = self.max_message_bytes.max(1);
        self.max_connections = self
            .max_connections
            .clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
        self.max_recipients = self.max_recipients.max(1);
        self.max_messages_per_connection = self.max_messages_per_connection.max(1);
        self.max_errors = self.max_errors.max(1);
        // Beyond this a deadline would overflow the clock, and means "never" anyway.
        self.command_timeout = self.command_timeout.min(LONGEST_TIMEOUT);
        self.session_timeout = self.session_timeout.min(LONGEST_TIMEOUT);
        self
    }
}

/// An SMTP reply the sink chooses: a code, an enhanced status code (RFC 3463) and a text.
///
/// The code of a refusal is 4xx (the sender keeps the message and tries again later) or 5xx
/// (the sender bounces it). The text goes on the wire as printable ASCII of at most 400 bytes;
/// anything else in it is replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// Such as `4.3.0`; one that does not fit the code is replaced by `X.0.0`.
    pub enhanced: String,
    pub text: String,
}

impl Reply {
    pub fn new(code: u16, enhanced: impl Into<String>, text: impl Into<String>) -> Reply {
        Reply {
            code,
            enhanced: enhanced.into(),
            text: text.into(),
        }
    }

    /// 550 5.1.1: no alert address of that name.
    pub fn unknown_recipient() -> Reply {
        Reply::new(550, "5.1.1", "No such recipient here")
    }

    /// 451 4.3.0: a failure on this side, such as the store being down; the sender keeps the
    /// message and tries again.
    pub fn temporary_failure(text: impl Into<String>) -> Reply {
        Reply::new(451, "4.3.0", text)
    }

    /// 550 5.7.1: refused for good; the sender bounces the message.
    pub fn refused(text: impl Into<String>) -> Reply {
        Reply::new(550, "5.7.1", text)
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.code, self.enhanced, self.text)
    }
}

impl std::error::Error for Reply {}

/// One accepted message and how it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse-path of `MAIL FROM`, empty for a bounce (`<>`).
    pub mail_from: String,
    /// The recipients the sink accepted, in the order given, each once.
    pub recipients: Vec<String>,
    /// The message as sent (headers and body), with dot-stuffing undone and CRLF line ends.
    pub data: Vec<u8>,
    pub peer: SocketAddr,
    /// The name the client gave in EHLO or HELO, as it gave it: a claim, not a fact.
    pub helo: String,
    /// Whether the message came over STARTTLS.
    pub tls: bool,
}

/// Where accepted mail goes.
#[async_trait::async_trait]
pub trait MailSink: Send + Sync + 'static {
    /// At `RCPT TO`: Ok when the address is one this server takes mail for, else the refusal
    /// to send, usually [`Reply::unknown_recipient`]. The address is as the client wrote it,
    /// without the angle brackets; comparing it without regard to case is the sink's choice.
    async fn recipient(&self, address: &str) -> Result<(), Reply>;

    /// After the final dot: Ok only once the message is durably stored, since Ok is answered
    /// 250 and the sender then forgets the message. An Err is answered with its reply:
    /// [`Reply::temporary_failure`] when storing failed, so the sender tries again. The server
    /// does not put a deadline on this call, since cutting a commit short would leave the
    /// sender not knowing whether it landed: the sink bounds its own time.
    async fn deliver(&self, envelope: Envelope) -> Result<(), Reply>;
}

/// What every session of one listener shares.
struct Shared {
    hostname: String,
    sink: Arc<dyn MailSink>,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    shutdown: CancellationToken,
}

/// Serves SMTP on `listener` until `shutdown` is cancelled, then stops accepting and returns
/// once every session has ended: an idle session is told 421 at once, and one that is in the
/// middle of a command (a message being sent or stored) finishes it first. A sender can stretch
/// that to its command timeout per line, so a caller that must stop sooner bounds this call.
///
/// `hostname` is the name the server gives in its greeting and replies. With `tls`, STARTTLS
/// is offered.
pub async fn serve(
    listener: TcpListener,
    hostname: String,
    sink: Arc<dyn MailSink>,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    shutdown: CancellationToken,
) {
    let limits = limits.sanitized();
    let slots_total = limits.max_connections;
    let slots = Arc::new(Semaphore::new(slots_total));
    let shared = Arc::new(Shared {
        hostname: clean_hostname(&hostname),
        sink,
        limits,
        tls,
        shutdown: shutdown.clone(),
    });

    loop {
        let accepted = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "smtp: accepting a connection failed");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Written without waiting: a new connection's send buffer is empty, so this takes
            // no task and no time however many connections pile up.
            let busy = format!(
                "421 4.3.2 {} Too many connections, try again later\r\n",
                shared.hostname
            );
            let _ = stream.try_write(busy.as_bytes());
            tracing::debug!(%peer, "smtp: refused a connection, all slots busy");
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            handle(stream, peer, shared).await;
            drop(slot);
        });
    }
    drop(listener);
    // Every slot back means every session has ended.
    let _ = slots.acquire_many(slots_total as u32).await;
}

/// The hostname as it goes into replies: no spaces or control characters.
fn clean_hostname(hostname: &str) -> String {
    let clean: String = hostname
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '[' | ']' | ':'))
        .collect();
    if clean.is_empty() {
        "localhost".to_owned()
    } else {
        clean
    }
}

/// One connection, from the greeting to the close, through STARTTLS if the client asks.
async fn handle(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    tracing::debug!(%peer, "smtp: connection");
    let mut session = Session::new(shared.clone(), peer);
    let greeting = format!("{} ESMTP Firewatch", shared.hostname);
    session.reply(220, None, &greeting);

    let mut plain = BufReader::with_capacity(READ_BUFFER, stream);
    let Ending::StartTls = session.run(&mut plain).await else {
        return;
    };
    let Some(acceptor) = shared.tls.clone() else {
        return;
    };
    // Whatever the client sent after STARTTLS and before its handshake goes with the plain
    // reader's buffer: it could have been injected by anyone on the path, and must not be
    // taken as a command sent under TLS (RFC 3207 §5, CVE-2011-0411).
    let stream = plain.into_inner();
    let deadline = (Instant::now() + shared.limits.command_timeout).min(session.deadline);
    let tls = match timeout_at(deadline, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(error)) => {
            tracing::debug!(%peer, %error, "smtp: TLS handshake failed");
            return;
        }
        Err(_) => {
            tracing::debug!(%peer, "smtp: TLS handshake timed out");
            return;
        }
    };
    session.start_over_with_tls();
    let mut secure = BufReader::with_capacity(READ_BUFFER, tls);
    // STARTTLS is refused once TLS is on, so this can only end in a close.
    session.run(&mut secure).await;
}

/// What the client sent, or why nothing came.
enum Event {
    /// A whole line is in `Session::line`.
    Line,
    /// A line longer than allowed was read and dropped; `crlf` tells whether it ended in CRLF.
    TooLong {
        crlf: bool,
    },
    Eof,
    Timeout,
    Shutdown,
    Broken,
}

/// What the session does after a command.
enum Step {
    Continue,
    Close,
    StartTls,
}

/// How a session's run over one stream ended.
enum Ending {
    Closed,
    StartTls,
}

/// The mail transaction between MAIL and the end of DATA.
struct Transaction {
    mail_from: String,
    recipients: Vec<String>,
}

struct Session {
    shared: Arc<Shared>,
    peer: SocketAddr,
    deadline: Instant,
    tls: bool,
    helo: Option<String>,
    transaction: Option<Transaction>,
    messages: usize,
    errors: usize,
    /// The line last read, CRLF included.
    line: Vec<u8>,
    /// Replies not yet written: while pipelined commands wait in the read buffer, their
    /// replies go out together (RFC 2920).
    out: Vec<u8>,
}

impl Session {
    fn new(shared: Arc<Shared>, peer: SocketAddr) -> Session {
        let deadline = Instant::now() + shared.limits.session_timeout;
        Session {
            shared,
            peer,
            deadline,
            tls: false,
            helo: None,
            transaction: None,
            messages: 0,
            errors: 0,
            line: Vec::new(),
            out: Vec::new(),
        }
    }

    /// RFC 3207 §4.2: after the handshake the server forgets what the client said before it,
    /// the EHLO included.
    fn start_over_with_tls(&mut self) {
        self.tls = true;
        self.helo = None;
        self.transaction = None;
    }

    /// Reads and answers commands until the session ends or the client starts TLS.
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(&mut self, io: &mut BufReader<S>) -> Ending {
        loop {
            let step = match self.next_line(io, COMMAND_LINE_MAX, true).await {
                Event::Line => self.command(io).await,
                Event::TooLong { .. } => {
                    let text = format!("Line too long (the limit is {COMMAND_LINE_MAX} octets)");
                    self.fail(500, "5.5.2", &text)
                }
                Event::Eof | Event::Broken => return Ending::Closed,
                Event::Timeout => self.timed_out(),
                Event::Shutdown => {
                    let text = format!(
                        "{} Service shutting down, try again later",
                        self.shared.hostname
                    );
                    self.reply(421, Some("4.3.2"), &text);
                    Step::Close
                }
            };
            match step {
                Step::Continue => {}
                Step::Close => {
                    self.close(io).await;
                    return Ending::Closed;
                }
                Step::StartTls => {
                    let limit = self.shared.limits.command_timeout;
                    return if self.flush(io, limit).await {
                        Ending::StartTls
                    } else {
                        Ending::Closed
                    };
                }
            }
        }
    }

    /// Reads one line of at most `max` bytes into `self.line` within the command timeout and
    /// the session deadline; `interruptible` lets shutdown end the wait.
    async fn next_line<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        io: &mut BufReader<S>,
        max: usize,
        interruptible: bool,
    ) -> Event {
        let deadline = (Instant::now() + self.shared.limits.command_timeout).min(self.deadline);
        let shutdown = self.shared.shutdown.clone();
        let read = timeout_at(deadline, read_line(io, &mut self.out, &mut self.line, max));
        let result = if interruptible {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => return Event::Shutdown,
                result = read => result,
            }
        } else {
            read.await
        };
        match result {
            Err(_) => Event::Timeout,
            Ok(Err(error)) => {
                tracing::debug!(peer = %self.peer, %error, "smtp: connection broken");
                Event::Broken
            }
            Ok(Ok(Line::Complete)) => Event::Line,
            Ok(Ok(Line::TooLong { crlf })) => Event::TooLong { crlf },
            Ok(Ok(Line::Eof)) => Event::Eof,
        }
    }

    async fn command<S: AsyncRead + AsyncWrite + Unpin>(&mut self, io: &mut BufReader<S>) -> Step {
        let Ok(text) = std::str::from_utf8(&self.line) else {
            return self.fail(500, "5.5.2", "Syntax error: the command is not valid UTF-8");
        };
        let text = text.trim_end_matches(['\r', '\n']).to_owned();
        let (verb, args) = match text.split_once(' ') {
            Some((verb, args)) => (verb, args.trim()),
            None => (text.as_str(), ""),
        };
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" => self.hello(args, true),
            "HELO" => self.hello(args, false),
            "MAIL" => self.mail(args),
            "RCPT" => self.rcpt(args).await,
            "DATA" => self.data(io, args).await,
            "RSET" => {
                self.transaction = None;
                self.ok("2.0.0", "OK")
            }
            "NOOP" => self.ok("2.0.0", "OK"),
            "QUIT" => {
                let text = format!("{} Closing connection", self.shared.hostname);
                self.reply(221, Some("2.0.0"), &text);
                Step::Close
            }
            // Saying which addresses exist would help guess at them (RFC 5321 §3.5.3).
            "VRFY" => {
                self.reply(
                    252,
                    Some("2.5.0"),
                    "Cannot verify the user, but will accept the message and attempt delivery",
                );
                Step::Continue
            }
            "HELP" => {
                let starttls = if self.starttls_offered() {
                    " STARTTLS"
                } else {
                    ""
                };
                let text = format!(
                    "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP{starttls}"
                );
                self.reply(214, Some("2.0.0"), &text);
                Step::Continue
            }
            "STARTTLS" => self.starttls(args),
            "EXPN" | "AUTH" | "BDAT" | "ETRN" | "ATRN" | "TURN" | "SEND" | "SOML" | "SAML" => {
                self.fail(502, "5.5.1", "Command not implemented")
            }
            // A browser made to post to this port (cross-protocol request forgery): nothing in
            // it is mail, so the connection ends here.
            "GET" | "POST" | "PUT" | "HEAD" | "OPTIONS" | "CONNECT" | "DELETE" => {
                self.reply(554, Some("5.7.0"), "This is an SMTP server, not HTTP");
                Step::Close
            }
            "" => self.fail(500, "5.5.2", "Syntax error: empty command"),
            _ => self.fail(500, "5.5.2", "Command not recognized"),
        }
    }

    fn starttls_offered(&self) -> bool {
        self.shared.tls.is_some() && !self.tls
    }

    /// EHLO and HELO: both start over, as RSET does (RFC 5321 §4.1.4).
    fn hello(&mut self, args: &str, extended: bool) -> Step {
        let domain = args.split(' ').next().unwrap_or_default();
        if domain.is_empty() {
            let text = if extended {
                "Syntax: EHLO domain-or-address-literal"
            } else {
                "Syntax: HELO domain"
            };
            return self.fail(501, "5.5.4", text);
        }
        if domain.len() > DOMAIN_MAX || domain.chars().any(char::is_control) {
            return self.fail(501, "5.5.4", "Invalid domain");
        }
        self.helo = Some(domain.to_owned());
        self.transaction = None;
        // The name is echoed as printable ASCII only: it is the client's word, not ours.
        let echoed: String = domain
            .chars()
            .map(|c| if c.is_ascii_graphic() { c } else { '?' })
            .collect();
        let greeting = format!("{} Hello {echoed}", self.shared.hostname);
        if !extended {
            // RFC 2034 §3: no enhanced status code in replies to HELO and EHLO.
            self.reply(250, None, &greeting);
            return Step::Continue;
        }
        let mut lines = vec![
            greeting,
            format!("SIZE {}", self.shared.limits.max_message_bytes),
            "8BITMIME".to_owned(),
            "PIPELINING".to_owned(),
            "ENHANCEDSTATUSCODES".to_owned(),
            "SMTPUTF8".to_owned(),
        ];
        if self.starttls_offered() {
            lines.push("STARTTLS".to_owned());
        }
        self.reply_lines(250, &lines);
        Step::Continue
    }

    fn mail(&mut self, args: &str) -> Step {
        if self.helo.is_none() {
            return self.fail(503, "5.5.1", "Send EHLO or HELO first");
        }
        if self.transaction.is_some() {
            return self.fail(
                503,
                "5.5.1",
                "Sender already given; send RSET to start over",
            );
        }
        if self.messages >= self.shared.limits.max_messages_per_connection {
            let text = format!(
                "{} Too many messages on one connection, closing it; send the rest on a new one",
                self.shared.hostname
            );
            self.reply(421, Some("4.7.0"), &text);
            return Step::Close;
        }
        let Some((address, parameters)) = split_path(args, "FROM:") else {
            return self.fail(501, "5.5.4", "Syntax: MAIL FROM:<address> [parameters]");
        };
        if !valid_address(address) {
            return self.fail(501, "5.1.7", "Invalid sender address");
        }
        for parameter in parameters.split_ascii_whitespace() {
            let (key, value) = parameter.split_once('=').unwrap_or((parameter, ""));
            match key.to_ascii_uppercase().as_str() {
                "SIZE" => {
                    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                        return self.fail(501, "5.5.4", "Invalid SIZE value");
                    }
                    // Too many digits for a u64 is too big as well.
                    let size = value.parse::<u64>().unwrap_or(u64::MAX);
                    let max = self.shared.limits.max_message_bytes;
                    if size > max as u64 {
                        let text = format!("Message too big; the limit is {max} bytes");
                        return self.fail(552, "5.3.4", &text);
                    }
                }
                "BODY" => {
                    if !value.eq_ignore_ascii_case("7BIT")
                        && !value.eq_ignore_ascii_case("8BITMIME")
                    {
                        return self.fail(501, "5.5.4", "BODY must be 7BIT or 8BITMIME");
                    }
                }
                "SMTPUTF8" if value.is_empty() => {}
                _ => {
                    let text = format!("Unsupported MAIL parameter {key}");
                    return self.fail(555, "5.5.4", &text);
                }
            }
        }
        self.transaction = Some(Transaction {
            mail_from: address.to_owned(),
            recipients: Vec::new(),
        });
        self.ok("2.1.0", "Sender OK")
    }

    async fn rcpt(&mut self, args: &str) -> Step {
        if self.transaction.is_none() {
            return self.fail(503, "5.5.1", "Send MAIL FROM first");
        }
        let Some((address, parameters)) = split_path(args, "TO:") else {
            return self.fail(501, "5.5.4", "Syntax: RCPT TO:<address>");
        };
        if address.is_empty() || !valid_address(address) {
            return self.fail(501, "5.1.3", "Invalid recipient address");
        }
        if !parameters.is_empty() {
            return self.fail(555, "5.5.4", "RCPT parameters are not supported");
        }
        let count = self.transaction.as_ref().map_or(0, |t| t.recipients.len());
        if count >= self.shared.limits.max_recipients {
            // RFC 5321 §4.5.3.1.10: a temporary refusal; the sender sends the rest later.
            self.reply(452, Some("4.5.3"), "Too many recipients");
            return Step::Continue;
        }
        let address = address.to_owned();
        let sink = self.shared.sink.clone();
        match sink.recipient(&address).await {
            Ok(()) => {
                if let Some(transaction) = self.transaction.as_mut() {
                    if !transaction.recipients.contains(&address) {
                        transaction.recipients.push(address);
                    }
                }
                self.ok("2.1.5", "Recipient OK")
            }
            Err(refusal) => {
                let (code, enhanced, text) = wire_reply(&refusal);
                self.fail(code, &enhanced, &text)
            }
        }
    }

    async fn data<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        io: &mut BufReader<S>,
        args: &str,
    ) -> Step {
        if !args.is_empty() {
            return self.fail(501, "5.5.4", "DATA takes no parameters");
        }
        let Some(transaction) = self.transaction.take() else {
            return self.fail(503, "5.5.1", "Send MAIL FROM first");
        };
        if transaction.recipients.is_empty() {
            self.transaction = Some(transaction);
            return self.fail(503, "5.5.1", "No valid recipients");
        }
        self.reply(354, None, "End data with <CR><LF>.<CR><LF>");
        self.messages += 1;

        let max = self.shared.limits.max_message_bytes;
        let mut data = Vec::new();
        // Once set, the rest of the message is read and dropped up to the final dot, so the
        // session stays in step with the sender and can answer it.
        let mut refusal: Option<(u16, &str, String)> = None;
        // Only CRLF starts a line: a bare LF followed by "." is content, never the end, so no
        // second message can be smuggled behind one that ends in LF.LF.
        let mut line_start = true;
        loop {
            match self.next_line(io, DATA_LINE_MAX, false).await {
                Event::Line => {
                    let line = self.line.as_slice();
                    if line_start && line == b".\r\n" {
                        break;
                    }
                    // RFC 5321 §4.5.2: a leading dot was doubled by the sender.
                    let content = match line {
                        [b'.', rest @ ..] if line_start => rest,
                        _ => line,
                    };
                    line_start = line.ends_with(b"\r\n");
                    if refusal.is_some() {
                        continue;
                    }
                    if data.len() + content.len() > max {
                        refusal = Some((
                            552,
                            "5.3.4",
                            format!("Message too big; the limit is {max} bytes"),
                        ));
                        data = Vec::new();
                        continue;
                    }
                    reserve_within(&mut data, content.len(), max);
                    data.extend_from_slice(content);
                }
                Event::TooLong { crlf } => {
                    line_start = crlf;
                    if refusal.is_none() {
                        refusal = Some((
                            500,
                            "5.5.2",
                            format!("Message has a line longer than {DATA_LINE_MAX} octets"),
                        ));
                        data = Vec::new();
                    }
                }
                Event::Timeout => return self.timed_out(),
                Event::Eof | Event::Broken | Event::Shutdown => return Step::Close,
            }
        }
        if let Some((code, enhanced, text)) = refusal {
            self.reply(code, Some(enhanced), &text);
            return Step::Continue;
        }

        let envelope = Envelope {
            mail_from: transaction.mail_from,
            recipients: transaction.recipients,
            data,
            peer: self.peer,
            helo: self.helo.clone().unwrap_or_default(),
            tls: self.tls,
        };
        let bytes = envelope.data.len();
        let sink = self.shared.sink.clone();
        match sink.deliver(envelope).await {
            Ok(()) => {
                tracing::debug!(peer = %self.peer, bytes, "smtp: message accepted");
                self.ok("2.0.0", "Message accepted")
            }
            Err(refusal) => {
                tracing::debug!(peer = %self.peer, bytes, %refusal, "smtp: message not accepted");
                let (code, enhanced, text) = wire_reply(&refusal);
                self.reply(code, Some(&enhanced), &text);
                Step::Continue
            }
        }
    }

    fn starttls(&mut self, args: &str) -> Step {
        if !args.is_empty() {
            return self.fail(501, "5.5.4", "STARTTLS takes no parameters");
        }
        if self.tls {
            return self.fail(503, "5.5.1", "TLS is already active");
        }
        if self.shared.tls.is_none() {
            return self.fail(502, "5.5.1", "STARTTLS is not available");
        }
        self.reply(220, Some("2.0.0"), "Ready to start TLS");
        Step::StartTls
    }

    fn timed_out(&mut self) -> Step {
        let text = format!("{} Timeout, closing connection", self.shared.hostname);
        self.reply(421, Some("4.4.2"), &text);
        Step::Close
    }

    fn ok(&mut self, enhanced: &str, text: &str) -> Step {
        self.reply(250, Some(enhanced), text);
        Step::Continue
    }

    /// A refused command: answered, and counted towards the session's error limit, at which
    /// the answer is 421 and the connection closes.
    fn fail(&mut self, code: u16, enhanced: &str, text: &str) -> Step {
        self.errors += 1;
        if self.errors >= self.shared.limits.max_errors {
            let text = format!(
                "{} Too many errors, closing connection",
                self.shared.hostname
            );
            self.reply(421, Some("4.7.0"), &text);
            return Step::Close;
        }
        self.reply(code, Some(enhanced), text);
        Step::Continue
    }

    fn reply(&mut self, code: u16, enhanced: Option<&str>, text: &str) {
        // Writing to a Vec cannot fail.
        let _ = match enhanced {
            Some(enhanced) => write!(self.out, "{code} {enhanced} {text}\r\n"),
            None => write!(self.out, "{code} {text}\r\n"),
        };
    }

    fn reply_lines(&mut self, code: u16, lines: &[String]) {
        for (i, line) in lines.iter().enumerate() {
            let separator = if i + 1 == lines.len() { ' ' } else { '-' };
            let _ = write!(self.out, "{code}{separator}{line}\r\n");
        }
    }

    /// Writes the pending replies; false when the peer could not take them in time.
    async fn flush<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        io: &mut BufReader<S>,
        limit: Duration,
    ) -> bool {
        if self.out.is_empty() {
            return true;
        }
        let written = timeout(limit, write_out(io.get_mut(), &mut self.out)).await;
        // Whatever was not written will not be: the connection is over.
        self.out.clear();
        matches!(written, Ok(Ok(())))
    }

    /// Sends the last replies and ends the connection (with TLS, its close_notify).
    async fn close<S: AsyncRead + AsyncWrite + Unpin>(&mut self, io: &mut BufReader<S>) {
        let limit = self.shared.limits.command_timeout.min(CLOSE_TIMEOUT);
        if self.flush(io, limit).await {
            let _ = timeout(limit, io.get_mut().shutdown()).await;
        }
    }
}

/// How a line read ended.
enum Line {
    Complete,
    TooLong { crlf: bool },
    Eof,
}

/// Reads up to and including the next LF into `line`, keeping at most `max` bytes: a longer
/// line is read to its end and dropped, so memory stays bounded whatever the peer sends.
/// Before the read would wait for the network, the replies in `out` are written, so replies to
/// pipelined commands go out together and a client waiting for one is never left waiting.
async fn read_line<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut BufReader<S>,
    out: &mut Vec<u8>,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Line> {
    line.clear();
    let mut too_long = false;
    let mut last_byte = 0u8;
    loop {
        if !out.is_empty() && (io.buffer().is_empty() || out.len() > PENDING_REPLIES_MAX) {
            write_out(io.get_mut(), out).await?;
        }
        let available = io.fill_buf().await?;
        if available.is_empty() {
            return Ok(Line::Eof);
        }
        let (chunk, complete) = match available.iter().position(|&b| b == b'\n') {
            Some(end) => (&available[..=end], true),
            None => (available, false),
        };
        let used = chunk.len();
        if !too_long && line.len() + used <= max {
            line.extend_from_slice(chunk);
        } else {
            too_long = true;
        }
        // The byte before the LF, which may have come in the previous chunk.
        let crlf = match chunk {
            [.., before, b'\n'] => *before == b'\r',
            _ => last_byte == b'\r',
        };
        if let Some(&last) = chunk.last() {
            last_byte = last;
        }
        io.consume(used);
        if complete {
            return Ok(if too_long {
                Line::TooLong { crlf }
            } else {
                Line::Complete
            });
        }
    }
}

/// Writes and flushes `out`, taking off what was written as it goes, so a write cut short by
/// a timeout or shutdown leaves only the unwritten rest to send (`write_all` would forget how
/// far it got, and the rest would be sent twice).
async fn write_out<S: AsyncWrite + Unpin>(io: &mut S, out: &mut Vec<u8>) -> std::io::Result<()> {
    while !out.is_empty() {
        let written = io.write(out).await?;
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        out.drain(..written);
    }
    io.flush().await
}

/// Grows `data` for `extra` more bytes without its capacity passing `max`, which doubling
/// alone could do.
fn reserve_within(data: &mut Vec<u8>, extra: usize, max: usize) {
    let needed = data.len() + extra;
    if needed > data.capacity() {
        let target = data
            .capacity()
            .max(4096)
            .saturating_mul(2)
            .clamp(needed, max.max(needed));
        data.reserve_exact(target - data.len());
    }
}

/// Splits `FROM:<address> PARAMETERS` (or `TO:`) into the address, without brackets and
/// source route, and the parameters. Lenient where senders commonly are: spaces after the
/// colon and an address without brackets are taken.
fn split_path<'a>(args: &'a str, keyword: &str) -> Option<(&'a str, &'a str)> {
    let head = args.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = args.get(keyword.len()..)?.trim_start();
    let (path, parameters) = if let Some(inner) = rest.strip_prefix('<') {
        // The closing bracket is the first one outside a quoted local part.
        let mut quoted = false;
        let mut escaped = false;
        let mut end = None;
        for (i, c) in inner.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                '>' if !quoted => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end?;
        let after = &inner[end + 1..];
        if !after.is_empty() && !after.starts_with(' ') {
            return None;
        }
        (&inner[..end], after.trim())
    } else {
        match rest.split_once(' ') {
            Some((path, parameters)) => (path, parameters.trim()),
            None => (rest, ""),
        }
    };
    // RFC 5321 §4.1.2: a source route (`@relay,@relay:user@domain`) is accepted and ignored.
    let address = match path.strip_prefix('@') {
        Some(route) => route.split_once(':').map(|(_, address)| address)?,
        None => path,
    };
    Some((address, parameters))
}

/// An address fit to pass on: within the path limit, no control characters, no brackets.
fn valid_address(address: &str) -> bool {
    address.len() <= ADDRESS_MAX
        && !address
            .chars()
            .any(|c| c.is_control() || c == '<' || c == '>')
}

/// A sink's reply made safe for the wire: a refusal's code, an enhanced code of the same
/// class, and printable ASCII text of bounded length.
fn wire_reply(reply: &Reply) -> (u16, String, String) {
    let code = if (400..=599).contains(&reply.code) {
        reply.code
    } else {
        451
    };
    let class = code / 100;
    let enhanced = if valid_enhanced(&reply.enhanced, class) {
        reply.enhanced.clone()
    } else {
        format!("{class}.0.0")
    };
    let mut text: String = reply
        .text
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .take(REPLY_TEXT_MAX)
        .collect();
    text = text.trim().to_owned();
    if text.is_empty() {
        text = "Requested action not taken".to_owned();
    }
    (code, enhanced, text)
}

/// `class.subject.detail` (RFC 3463), with the class of the reply code.
fn valid_enhanced(enhanced: &str, class: u16) -> bool {
    let mut parts = enhanced.split('.');
    let (Some(first), Some(subject), Some(detail), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let number =
        |part: &str| (1..=3).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    first == class.to_string() && number(subject) && number(detail)
}

/// What an alert shows of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailContent {
    /// The Subject header, decoded (RFC 2047 encoded words, any charset) and on one line.
    pub subject: Option<String>,
    /// The address of the From header (the first, if it names several).
    pub from: Option<String>,
    /// The display name of that address.
    pub from_name: Option<String>,
    /// The Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// The plain-text body, else the HTML body as text; trimmed, with LF line ends, cut at
    /// [`TEXT_MAX`] bytes.
    pub text: String,
}

/// Reads a message's subject, sender, id and text. Never fails: a message the parser cannot
/// make out gives what it can, and bytes with no header at all become the text.
pub fn read_message(data: &[u8]) -> MailContent {
    let Some(message) = MessageParser::default().parse(data) else {
        return MailContent {
            text: body_text(&String::from_utf8_lossy(data)),
            ..MailContent::default()
        };
    };
    let from = message.from().and_then(|from| from.first());
    MailContent {
        subject: message.subject().and_then(header_text),
        from: from.and_then(|from| from.address()).and_then(header_text),
        from_name: from.and_then(|from| from.name()).and_then(header_text),
        message_id: message.message_id().and_then(header_text),
        text: message_text(&message),
    }
}

/// The first text part, else the first HTML part as text.
fn message_text(message: &Message<'_>) -> String {
    match message.text_part(0).map(|part| &part.body) {
        Some(PartType::Html(html)) => {
            let mut html = html.to_string();
            cut(&mut html, HTML_MAX);
            let text = html_to_text(&separate_blocks(&html));
            // Markup leaves blank lines and indentation that mean nothing as text; an alert
            // reads best with one line per block or table row.
            let lines: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect();
            body_text(&lines.join("\n"))
        }
        _ => message
            .body_text(0)
            .map(|text| body_text(&text))
            .unwrap_or_default(),
    }
}

/// mail-parser's HTML conversion breaks lines only at `<br>` and `</p>`, so the blocks and
/// table cells that reports and monitoring mail are made of would run together ("Hostweb-1"):
/// a `<br>` goes before each block tag and a space before each cell.
fn separate_blocks(html: &str) -> String {
    const BLOCKS: &[&str] = &[
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    ];
    let mut out = String::with_capacity(html.len() + html.len() / 4);
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at + 1..];
        let name = tag.strip_prefix('/').unwrap_or(tag);
        let name = &name[..name.bytes().take_while(u8::is_ascii_alphanumeric).count()];
        if BLOCKS.iter().any(|block| block.eq_ignore_ascii_case(name)) {
            out.push_str("<br>");
        } else if name.eq_ignore_ascii_case("td") || name.eq_ignore_ascii_case("th") {
            out.push(' ');
        }
        out.push('<');
        rest = tag;
    }
    out.push_str(rest);
    out
}

/// A header value on one line, with no control characters (a database text column takes no
/// NUL), cut at [`HEADER_TEXT_MAX`]; None when nothing is left.
fn header_text(value: &str) -> Option<String> {
    let mut text: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cut(&mut text, HEADER_TEXT_MAX);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A body as text: LF line ends, no control characters but LF and tab, trimmed, cut at
/// [`TEXT_MAX`].
fn body_text(body: &str) -> String {
    let mut text = String::with_capacity(body.len().min(TEXT_MAX + 4));
    let mut chars = body.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if text.len() >= TEXT_MAX + 4 {
            break;
        }
        match c {
            '\r' => {
                // CRLF and a lone CR both end a line.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                text.push('\n');
            }
            '\n' | '\t' => text.push(c),
            c if c.is_control() => {}
            c => text.push(c),
        }
    }
    cut(&mut text, TEXT_MAX);
    text.trim_end().to_owned()
}

/// Cuts `text` to at most `max` bytes, on a character boundary.
fn cut(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    use tokio::io::AsyncReadExt as _;
    use tokio::task::JoinHandle;
    use tokio_rustls::TlsConnector;
    use tokio_rustls::rustls::pki_types::{PrivateKeyDer, ServerName};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore, ServerConfig};

    use super::*;

    const DOMAIN: &str = "alerts.example.com";

    /// Takes `NAME@alerts.example.com` except `nobody`, and keeps what it is given.
    #[derive(Default)]
    struct MemorySink {
        delivered: Mutex<Vec<Envelope>>,
        failing: AtomicBool,
    }

    #[async_trait::async_trait]
    impl MailSink for MemorySink {
        async fn recipient(&self, address: &str) -> Result<(), Reply> {
            match address.rsplit_once('@') {
                Some((name, domain)) if domain.eq_ignore_ascii_case(DOMAIN) && name != "nobody" => {
                    Ok(())
                }
                _ => Err(Reply::unknown_recipient()),
            }
        }

        async fn deliver(&self, envelope: Envelope) -> Result<(), Reply> {
            if self.failing.load(Ordering::SeqCst) {
                return Err(Reply::temporary_failure(
                    "Could not store the message, try again later",
                ));
            }
            self.delivered.lock().unwrap().push(envelope);
            Ok(())
        }
    }

    impl MemorySink {
        fn delivered(&self) -> Vec<Envelope> {
            self.delivered.lock().unwrap().clone()
        }
    }

    struct Server {
        address: SocketAddr,
        sink: Arc<MemorySink>,
        shutdown: CancellationToken,
        task: JoinHandle<()>,
    }

    fn limits() -> Limits {
        Limits {
            max_message_bytes: 1024,
            max_connections: 4,
            max_recipients: 3,
            max_messages_per_connection: 3,
            max_errors: 5,
            command_timeout: Duration::from_secs(5),
            session_timeout: Duration::from_secs(30),
        }
    }

    async fn start(limits: Limits, tls: Option<TlsAcceptor>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let sink = Arc::new(MemorySink::default());
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(serve(
            listener,
            "mail.test".to_owned(),
            sink.clone(),
            limits,
            tls,
            shutdown.clone(),
        ));
        Server {
            address,
            sink,
            shutdown,
            task,
        }
    }

    struct Client<S> {
        io: BufReader<S>,
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
        fn new(stream: S) -> Client<S> {
            Client {
                io: BufReader::new(stream),
            }
        }

        async fn send(&mut self, text: &str) {
            self.io.get_mut().write_all(text.as_bytes()).await.unwrap();
            self.io.get_mut().flush().await.unwrap();
        }

        /// One reply, every line of it: its code and its whole text.
        async fn reply(&mut self) -> (u16, String) {
            let mut all = String::new();
            loop {
                let mut line = String::new();
                let read = timeout(Duration::from_secs(5), self.io.read_line(&mut line));
                let n = read.await.expect("a reply in time").unwrap();
                assert!(n > 0, "connection closed after {all:?}");
                all.push_str(&line);
                if line.as_bytes().get(3) != Some(&b'-') {
                    return (line[..3].parse().unwrap(), all);
                }
            }
        }

        async fn command(&mut self, command: &str) -> (u16, String) {
            self.send(&format!("{command}\r\n")).await;
            self.reply().await
        }

        async fn expect(&mut self, command: &str, code: u16) -> String {
            let (got, text) = self.command(command).await;
            assert_eq!(got, code, "{command:?} answered {text:?}");
            text
        }

        /// Whether the server closed the connection with nothing more to say.
        async fn closed(&mut self) -> bool {
            let mut rest = Vec::new();
            let read = timeout(Duration::from_secs(5), self.io.read_to_end(&mut rest));
            matches!(read.await, Ok(Ok(0)))
        }
    }

    async fn connect(address: SocketAddr) -> Client<TcpStream> {
        let mut client = Client::new(TcpStream::connect(address).await.unwrap());
        let (code, text) = client.reply().await;
        assert_eq!(
            (code, text.as_str()),
            (220, "220 mail.test ESMTP Firewatch\r\n")
        );
        client
    }

    /// EHLO, MAIL and RCPT for one recipient.
    async fn envelope(client: &mut Client<impl AsyncRead + AsyncWrite + Unpin>, to: &str) {
        client.expect("EHLO client.test", 250).await;
        client.expect("MAIL FROM:<cron@host.example>", 250).await;
        client.expect(&format!("RCPT TO:<{to}>"), 250).await;
    }

    #[tokio::test]
    async fn a_message_is_delivered_after_the_usual_dialogue() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        let ehlo = client.expect("EHLO client.test", 250).await;
        assert_eq!(
            ehlo,
            "250-mail.test Hello client.test\r\n250-SIZE 1024\r\n250-8BITMIME\r\n\
             250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n"
        );
        let mail = client.expect("MAIL FROM:<cron@host.example> BODY=8BITMIME SIZE=100", 250);
        assert_eq!(mail.await, "250 2.1.0 Sender OK\r\n");
        let rcpt = client
            .expect("RCPT TO:<Disk@alerts.example.com>", 250)
            .await;
        assert_eq!(rcpt, "250 2.1.5 Recipient OK\r\n");
        // The same recipient twice is one alert.
        client
            .expect("RCPT TO:<Disk@alerts.example.com>", 250)
            .await;
        client.expect("DATA", 354).await;
        client
            .send("Subject: disk full\r\n\r\n/var is at 97%\r\n.\r\n")
            .await;
        assert_eq!(
            client.reply().await,
            (250, "250 2.0.0 Message accepted\r\n".to_owned())
        );
        let quit = client.expect("QUIT", 221).await;
        assert_eq!(quit, "221 2.0.0 mail.test Closing connection\r\n");
        assert!(client.closed().await);

        let delivered = server.sink.delivered();
        assert_eq!(delivered.len(), 1);
        let envelope = &delivered[0];
        assert_eq!(envelope.mail_from, "cron@host.example");
        assert_eq!(envelope.recipients, ["Disk@alerts.example.com"]);
        assert_eq!(
            envelope.data,
            b"Subject: disk full\r\n\r\n/var is at 97%\r\n"
        );
        assert_eq!(envelope.helo, "client.test");
        assert!(envelope.peer.ip().is_loopback());
        assert!(!envelope.tls);
    }

    #[tokio::test]
    async fn pipelined_commands_in_one_write_are_each_answered() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        client
            .send(
                "EHLO client.test\r\nMAIL FROM:<>\r\nRCPT TO:<one@alerts.example.com>\r\n\
                 RCPT TO:<nobody@alerts.example.com>\r\nRCPT TO:<two@alerts.example.com>\r\nDATA\r\n",
            )
            .await;
        let mut codes = Vec::new();
        for _ in 0..6 {
            codes.push(client.reply().await.0);
        }
        assert_eq!(codes, [250, 250, 250, 550, 250, 354]);
        // The message, its end and the next commands in one write too.
        client
            .send("Subject: one\r\n\r\nbody\r\n.\r\nMAIL FROM:<b@example.org>\r\nRSET\r\nQUIT\r\n")
            .await;
        let mut codes = Vec::new();
        for _ in 0..4 {
            codes.push(client.reply().await.0);
        }
        assert_eq!(codes, [250, 250, 250, 221]);
        assert!(client.closed().await);
        let delivered = server.sink.delivered();
        assert_eq!(delivered.len(), 1);
        assert_eq!(delivered[0].mail_from, "");
        assert_eq!(
            delivered[0].recipients,
            ["one@alerts.example.com", "two@alerts.example.com"]
        );
        assert_eq!(delivered[0].data, b"Subject: one\r\n\r\nbody\r\n");
    }

    #[tokio::test]
    async fn dot_stuffing_is_undone_and_only_crlf_dot_crlf_ends_a_message() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        envelope(&mut client, "x@alerts.example.com").await;
        client.expect("DATA", 354).await;
        client
            .send("Subject: dots\r\n\r\n..leading dot\r\n...\r\nbare\n.\nLF\r\n.\r\n")
            .await;
        assert_eq!(client.reply().await.0, 250);
        let delivered = server.sink.delivered();
        assert_eq!(
            String::from_utf8_lossy(&delivered[0].data),
            "Subject: dots\r\n\r\n.leading dot\r\n..\r\nbare\n.\nLF\r\n"
        );
    }

    #[tokio::test]
    async fn an_unknown_recipient_is_refused_at_rcpt() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        client.expect("EHLO client.test", 250).await;
        client.expect("MAIL FROM:<cron@host.example>", 250).await;
        let refused = client
            .expect("RCPT TO:<nobody@alerts.example.com>", 550)
            .await;
        assert_eq!(refused, "550 5.1.1 No such recipient here\r\n");
        client
            .expect("RCPT TO:<someone@elsewhere.example>", 550)
            .await;
        let data = client.expect("DATA", 503).await;
        assert_eq!(data, "503 5.5.1 No valid recipients\r\n");
        client.expect("QUIT", 221).await;
        assert!(server.sink.delivered().is_empty());
    }

    #[tokio::test]
    async fn an_oversized_message_is_refused_by_size_and_after_data() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        client.expect("EHLO client.test", 250).await;
        let size = client
            .expect("MAIL FROM:<cron@host.example> SIZE=1025", 552)
            .await;
        assert_eq!(
            size,
            "552 5.3.4 Message too big; the limit is 1024 bytes\r\n"
        );
        client
            .expect(
                "MAIL FROM:<cron@host.example> SIZE=99999999999999999999999",
                552,
            )
            .await;
        client
            .expect("MAIL FROM:<cron@host.example> SIZE=ten", 501)
            .await;
        // A sender that says nothing of the size, or too little, is stopped at the bytes.
        client
            .expect("MAIL FROM:<cron@host.example> SIZE=10", 250)
            .await;
        client.expect("RCPT TO:<big@alerts.example.com>", 250).await;
        client.expect("DATA", 354).await;
        let line = "x".repeat(98) + "\r\n";
        client
            .send(&format!("Subject: big\r\n\r\n{}.\r\n", line.repeat(20)))
            .await;
        let (code, text) = client.reply().await;
        assert_eq!(
            (code, text.as_str()),
            (
                552,
                "552 5.3.4 Message too big; the limit is 1024 bytes\r\n"
            )
        );
        // The session goes on, and a message within the limit still goes through.
        client.expect("NOOP", 250).await;
        client.expect("MAIL FROM:<cron@host.example>", 250).await;
        client
            .expect("RCPT TO:<small@alerts.example.com>", 250)
            .await;
        client.expect("DATA", 354).await;
        client.send(&format!("{}.\r\n", line.repeat(10))).await;
        assert_eq!(client.reply().await.0, 250);
        let delivered = server.sink.delivered();
        assert_eq!(delivered.len(), 1);
        assert_eq!(delivered[0].recipients, ["small@alerts.example.com"]);
        assert_eq!(delivered[0].data.len(), 1000);
    }

    #[tokio::test]
    async fn a_message_with_an_overlong_line_is_refused() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        envelope(&mut client, "x@alerts.example.com").await;
        client.expect("DATA", 354).await;
        client
            .send(&format!("{}\r\n.\r\n", "y".repeat(DATA_LINE_MAX + 10)))
            .await;
        assert_eq!(client.reply().await.0, 500);
        client.expect("NOOP", 250).await;
        assert!(server.sink.delivered().is_empty());
    }

    #[tokio::test]
    async fn a_store_failure_is_answered_451_and_the_retry_goes_through() {
        let server = start(limits(), None).await;
        server.sink.failing.store(true, Ordering::SeqCst);
        let mut client = connect(server.address).await;
        envelope(&mut client, "x@alerts.example.com").await;
        client.expect("DATA", 354).await;
        client.send("Subject: s\r\n\r\nb\r\n.\r\n").await;
        let (code, text) = client.reply().await;
        assert_eq!(
            (code, text.as_str()),
            (
                451,
                "451 4.3.0 Could not store the message, try again later\r\n"
            )
        );
        assert!(server.sink.delivered().is_empty());

        // The transaction is over either way; the sender starts again.
        server.sink.failing.store(false, Ordering::SeqCst);
        client.expect("RCPT TO:<x@alerts.example.com>", 503).await;
        client.expect("MAIL FROM:<cron@host.example>", 250).await;
        client.expect("RCPT TO:<x@alerts.example.com>", 250).await;
        client.expect("DATA", 354).await;
        client.send("Subject: s\r\n\r\nb\r\n.\r\n").await;
        assert_eq!(client.reply().await.0, 250);
        assert_eq!(server.sink.delivered().len(), 1);
    }

    #[tokio::test]
    async fn a_connection_past_the_limit_is_told_421_and_closed() {
        let server = start(
            Limits {
                max_connections: 1,
                ..limits()
            },
            None,
        )
        .await;
        let mut first = connect(server.address).await;
        let mut second = Client::new(TcpStream::connect(server.address).await.unwrap());
        let (code, text) = second.reply().await;
        assert_eq!(
            (code, text.as_str()),
            (
                421,
                "421 4.3.2 mail.test Too many connections, try again later\r\n"
            )
        );
        assert!(second.closed().await);
        // Once the first is gone, its slot is free again.
        first.expect("QUIT", 221).await;
        assert!(first.closed().await);
        for _ in 0..50 {
            let mut next = Client::new(TcpStream::connect(server.address).await.unwrap());
            if next.reply().await.0 == 220 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the slot was not given back");
    }

    #[tokio::test]
    async fn an_overlong_command_line_is_refused_and_the_session_goes_on() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        let long = format!("NOOP {}", "x".repeat(2000));
        let (code, text) = client.command(&long).await;
        assert_eq!(
            (code, text.as_str()),
            (
                500,
                "500 5.5.2 Line too long (the limit is 1000 octets)\r\n"
            )
        );
        // A megabyte with no line end is read and dropped as it comes.
        let flood = "z".repeat(1 << 20);
        client.send(&flood).await;
        client.send("\r\n").await;
        assert_eq!(client.reply().await.0, 500);
        client.expect("NOOP", 250).await;
    }

    #[tokio::test]
    async fn an_idle_session_times_out_with_421() {
        let limits = Limits {
            command_timeout: Duration::from_millis(200),
            ..limits()
        };
        let server = start(limits, None).await;
        let mut client = connect(server.address).await;
        let (code, text) = client.reply().await;
        assert_eq!(
            (code, text.as_str()),
            (421, "421 4.4.2 mail.test Timeout, closing connection\r\n")
        );
        assert!(client.closed().await);
    }

    #[tokio::test]
    async fn a_session_past_its_deadline_is_closed_even_while_busy() {
        let limits = Limits {
            session_timeout: Duration::from_millis(300),
            ..limits()
        };
        let server = start(limits, None).await;
        let mut client = connect(server.address).await;
        let started = Instant::now();
        loop {
            let (code, _) = client.command("NOOP").await;
            if code == 421 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "never timed out"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(client.closed().await);
    }

    #[tokio::test]
    async fn rset_clears_the_envelope() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        envelope(&mut client, "first@alerts.example.com").await;
        assert_eq!(client.expect("RSET", 250).await, "250 2.0.0 OK\r\n");
        client.expect("DATA", 503).await;
        client.expect("MAIL FROM:<second@host.example>", 250).await;
        client
            .expect("RCPT TO:<second@alerts.example.com>", 250)
            .await;
        client.expect("DATA", 354).await;
        client.send("Subject: s\r\n\r\nb\r\n.\r\n").await;
        assert_eq!(client.reply().await.0, 250);
        let delivered = server.sink.delivered();
        assert_eq!(delivered[0].mail_from, "second@host.example");
        assert_eq!(delivered[0].recipients, ["second@alerts.example.com"]);
    }

    #[tokio::test]
    async fn commands_out_of_order_are_answered_503_and_others_as_rfc_5321_says() {
        let server = start(
            Limits {
                max_errors: 50,
                ..limits()
            },
            None,
        )
        .await;
        let mut client = connect(server.address).await;
        client.expect("MAIL FROM:<a@b.example>", 503).await;
        client.expect("EHLO", 501).await;
        client.expect("HELO client.test", 250).await;
        client.expect("RCPT TO:<x@alerts.example.com>", 503).await;
        client.expect("DATA", 503).await;
        client.expect("MAIL FROM:a@b.example", 250).await;
        client.expect("MAIL FROM:<a@b.example>", 503).await;
        client
            .expect("RCPT TO:<x@alerts.example.com> NOTIFY=NEVER", 555)
            .await;
        client.expect("RCPT TO:x@alerts.example.com", 250).await;
        client.expect("RCPT TO:<>", 501).await;
        client.expect("RCPT <x@alerts.example.com>", 501).await;
        client.expect("RSET", 250).await;
        client.expect("MAIL FROM:<a@b.example> AUTH=<>", 555).await;
        client
            .expect("MAIL FROM:<a@b.example> BODY=BINARYMIME", 501)
            .await;
        client.expect("DATA extra", 501).await;
        assert_eq!(
            client.expect("VRFY root", 252).await,
            "252 2.5.0 Cannot verify the user, but will accept the message and attempt delivery\r\n"
        );
        let help = client.expect("HELP", 214).await;
        assert!(
            help.contains("RCPT") && !help.contains("STARTTLS"),
            "{help}"
        );
        client.expect("EXPN staff", 502).await;
        client.expect("STARTTLS", 502).await;
        assert_eq!(
            client.expect("FROBNICATE", 500).await,
            "500 5.5.2 Command not recognized\r\n"
        );
        client.expect("", 500).await;
        client.expect("noop", 250).await;
        client.expect("QUIT", 221).await;
    }

    #[tokio::test]
    async fn too_many_recipients_are_deferred_with_452() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        envelope(&mut client, "a@alerts.example.com").await;
        client.expect("RCPT TO:<b@alerts.example.com>", 250).await;
        client.expect("RCPT TO:<c@alerts.example.com>", 250).await;
        let text = client.expect("RCPT TO:<d@alerts.example.com>", 452).await;
        assert_eq!(text, "452 4.5.3 Too many recipients\r\n");
    }

    #[tokio::test]
    async fn too_many_errors_close_the_session() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        for _ in 0..4 {
            client.expect("BOGUS", 500).await;
        }
        let text = client.expect("BOGUS", 421).await;
        assert_eq!(
            text,
            "421 4.7.0 mail.test Too many errors, closing connection\r\n"
        );
        assert!(client.closed().await);
    }

    #[tokio::test]
    async fn unknown_recipients_count_as_errors() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        client.expect("EHLO client.test", 250).await;
        client.expect("MAIL FROM:<a@b.example>", 250).await;
        for name in ["admin", "root", "info", "sales"] {
            client
                .expect(&format!("RCPT TO:<{name}@elsewhere.example>"), 550)
                .await;
        }
        client
            .expect("RCPT TO:<guess@elsewhere.example>", 421)
            .await;
        assert!(client.closed().await);
    }

    #[tokio::test]
    async fn messages_per_connection_are_limited() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        client.expect("EHLO client.test", 250).await;
        for _ in 0..3 {
            client.expect("MAIL FROM:<a@b.example>", 250).await;
            client.expect("RCPT TO:<x@alerts.example.com>", 250).await;
            client.expect("DATA", 354).await;
            client.send("Subject: s\r\n\r\nb\r\n.\r\n").await;
            assert_eq!(client.reply().await.0, 250);
        }
        client.expect("MAIL FROM:<a@b.example>", 421).await;
        assert!(client.closed().await);
        assert_eq!(server.sink.delivered().len(), 3);
    }

    #[tokio::test]
    async fn an_http_request_ends_the_connection() {
        let server = start(limits(), None).await;
        let mut client = connect(server.address).await;
        client
            .send("POST /form HTTP/1.1\r\nHost: mail.test\r\n\r\n")
            .await;
        assert_eq!(client.reply().await.0, 554);
        assert!(client.closed().await);
    }

    #[tokio::test]
    async fn shutdown_tells_idle_sessions_421_and_lets_a_message_in_progress_finish() {
        let server = start(limits(), None).await;
        let mut idle = connect(server.address).await;
        let mut busy = connect(server.address).await;
        envelope(&mut busy, "x@alerts.example.com").await;
        busy.expect("DATA", 354).await;
        busy.send("Subject: s\r\n\r\nhalf").await;

        server.shutdown.cancel();
        let (code, text) = idle.reply().await;
        assert_eq!(
            (code, text.as_str()),
            (
                421,
                "421 4.3.2 mail.test Service shutting down, try again later\r\n"
            )
        );
        assert!(idle.closed().await);

        busy.send(" and the rest\r\n.\r\n").await;
        assert_eq!(busy.reply().await.0, 250);
        assert_eq!(busy.expect("NOOP", 421).await.get(..9), Some("421 4.3.2"));
        assert!(busy.closed().await);
        timeout(Duration::from_secs(5), server.task)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            server.sink.delivered()[0].data,
            b"Subject: s\r\n\r\nhalf and the rest\r\n"
        );
        assert!(TcpStream::connect(server.address).await.is_err());
    }

    fn tls_pair() -> (TlsAcceptor, TlsConnector) {
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let key = PrivateKeyDer::try_from(certified.key_pair.serialize_der()).unwrap();
        let server = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(certified.cert.der().clone()).unwrap();
        let client = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        (
            TlsAcceptor::from(Arc::new(server)),
            TlsConnector::from(Arc::new(client)),
        )
    }

    #[tokio::test]
    async fn starttls_upgrades_the_session_and_starts_it_over() {
        let (acceptor, connector) = tls_pair();
        let server = start(limits(), Some(acceptor)).await;
        let mut client = connect(server.address).await;
        let ehlo = client.expect("EHLO client.test", 250).await;
        assert!(ehlo.ends_with("250-SMTPUTF8\r\n250 STARTTLS\r\n"), "{ehlo}");
        client.expect("STARTTLS now", 501).await;
        client.expect("MAIL FROM:<before@tls.example>", 250).await;
        // A command sent in plain text behind STARTTLS is dropped, not run under TLS.
        client.send("STARTTLS\r\nQUIT\r\n").await;
        assert_eq!(
            client.reply().await,
            (220, "220 2.0.0 Ready to start TLS\r\n".to_owned())
        );

        let stream = client.io.into_inner();
        let name = ServerName::try_from("localhost").unwrap();
        let tls = connector.connect(name, stream).await.unwrap();
        let mut client = Client::new(tls);
        // EHLO and the transaction from before TLS are forgotten.
        client.expect("MAIL FROM:<a@b.example>", 503).await;
        let ehlo = client.expect("EHLO client.test", 250).await;
        assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
        client.expect("STARTTLS", 503).await;
        client.expect("MAIL FROM:<cron@host.example>", 250).await;
        client
            .expect("RCPT TO:<secure@alerts.example.com>", 250)
            .await;
        client.expect("DATA", 354).await;
        client.send("Subject: over TLS\r\n\r\nhello\r\n.\r\n").await;
        assert_eq!(client.reply().await.0, 250);
        client.expect("QUIT", 221).await;

        let delivered = server.sink.delivered();
        assert_eq!(delivered.len(), 1);
        assert!(delivered[0].tls);
        assert_eq!(delivered[0].mail_from, "cron@host.example");
    }

    #[tokio::test]
    async fn a_failed_tls_handshake_only_ends_that_connection() {
        let (acceptor, _) = tls_pair();
        let server = start(limits(), Some(acceptor)).await;
        let mut client = connect(server.address).await;
        client.expect("EHLO client.test", 250).await;
        client.expect("STARTTLS", 220).await;
        client.send("this is not a ClientHello\r\n").await;
        // The server hangs up on it; what the client sees of that depends on the bytes sent.
        let _ = client.closed().await;
        let mut other = connect(server.address).await;
        other.expect("NOOP", 250).await;
    }

    #[test]
    fn paths_are_split_leniently_but_not_blindly() {
        assert_eq!(
            split_path("FROM:<a@b.example>", "FROM:"),
            Some(("a@b.example", ""))
        );
        assert_eq!(
            split_path("from: <a@b.example>  SIZE=10 BODY=8BITMIME", "FROM:"),
            Some(("a@b.example", "SIZE=10 BODY=8BITMIME"))
        );
        assert_eq!(split_path("FROM:<>", "FROM:"), Some(("", "")));
        assert_eq!(
            split_path("TO:<@relay.example,@r2.example:x@y.example>", "TO:"),
            Some(("x@y.example", ""))
        );
        assert_eq!(
            split_path("TO:<\"odd>name\"@y.example>", "TO:"),
            Some(("\"odd>name\"@y.example", ""))
        );
        assert_eq!(
            split_path("TO:x@y.example SIZE=1", "TO:"),
            Some(("x@y.example", "SIZE=1"))
        );
        assert_eq!(split_path("TO:<x@y.example", "TO:"), None);
        assert_eq!(split_path("TO:<x@y.example>SIZE=1", "TO:"), None);
        assert_eq!(split_path("TOO:<x@y.example>", "TO:"), None);
        assert_eq!(split_path("T", "TO:"), None);
        assert_eq!(split_path("TO:<@relay.example>", "TO:"), None);
        assert!(!valid_address(&"a".repeat(300)));
        assert!(!valid_address("a\0@b.example"));
        assert!(valid_address("사용자@b.example"));
    }

    #[test]
    fn a_sinks_reply_is_made_safe_for_the_wire() {
        let reply = Reply::new(250, "2.0.0", "fine\r\n250 smuggled");
        assert_eq!(
            wire_reply(&reply),
            (451, "4.0.0".to_owned(), "fine??250 smuggled".to_owned())
        );
        let reply = Reply::new(554, "4.3.0", "  ");
        assert_eq!(
            wire_reply(&reply),
            (
                554,
                "5.0.0".to_owned(),
                "Requested action not taken".to_owned()
            )
        );
        let reply = Reply::new(550, "5.7.1", "x".repeat(1000));
        assert_eq!(wire_reply(&reply).2.len(), REPLY_TEXT_MAX);
        assert_eq!(wire_reply(&Reply::unknown_recipient()).1, "5.1.1");
        assert!(!valid_enhanced("5.1", 5));
        assert!(!valid_enhanced("5.1.1.1", 5));
        assert!(!valid_enhanced("5.x.1", 5));
        assert!(!valid_enhanced("5.1234.1", 5));
    }

    #[test]
    fn the_message_buffer_never_outgrows_the_limit() {
        let mut data = Vec::new();
        for _ in 0..1000 {
            reserve_within(&mut data, 10, 10_000);
            data.extend_from_slice(&[0; 10]);
            assert!(data.capacity() <= 10_000);
        }
        assert_eq!(data.len(), 10_000);
    }

    #[test]
    fn a_plain_message_is_read() {
        let content = read_message(
            b"From: Backup Job <backup@host.example>\r\nTo: backups@alerts.example.com\r\n\
              Subject: Nightly backup failed\r\nMessage-ID: <abc.123@host.example>\r\n\
              Date: Tue, 1 Apr 2025 03:00:00 +0000\r\n\r\n\
              The job exited with status 2.\r\nSee /var/log/backup.log\r\n\r\n",
        );
        assert_eq!(
            content,
            MailContent {
                subject: Some("Nightly backup failed".to_owned()),
                from: Some("backup@host.example".to_owned()),
                from_name: Some("Backup Job".to_owned()),
                message_id: Some("abc.123@host.example".to_owned()),
                text: "The job exited with status 2.\nSee /var/log/backup.log".to_owned(),
            }
        );
    }

    #[test]
    fn multipart_alternative_gives_its_plain_text() {
        let content = read_message(
            b"From: monitor@host.example\r\nSubject: CPU high\r\nMIME-Version: 1.0\r\n\
              Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n\
              --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCPU at 99% on web-1\r\n\
              --b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>CPU at <b>99%</b> on web-1</p>\r\n\
              --b1--\r\n",
        );
        assert_eq!(content.subject.as_deref(), Some("CPU high"));
        assert_eq!(content.from.as_deref(), Some("monitor@host.example"));
        assert_eq!(content.from_name, None);
        assert_eq!(content.text, "CPU at 99% on web-1");
    }

    #[test]
    fn an_html_only_message_gives_its_text() {
        let content = read_message(
            b"From: nas@host.example\r\nSubject: RAID degraded\r\nMIME-Version: 1.0\r\n\
              Content-Type: text/html; charset=utf-8\r\n\r\n\
              <html><head><style>p { color: red }</style></head><body><h1>RAID degraded</h1>\
              <p>Disk <b>3</b> failed &amp; was removed.</p></body></html>\r\n",
        );
        assert!(!content.text.contains('<'), "{:?}", content.text);
        assert_eq!(content.text, "RAID degraded\nDisk 3 failed & was removed.");
    }

    #[test]
    fn an_html_table_keeps_its_rows_and_cells_apart() {
        let content = read_message(
            b"Subject: Backup report\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
              <html><body><div>Job <b>nightly</b> finished</div><table><tr><th>Host</th><th>Status</th></tr>\
              <tr><td>web-1</td><td>Failed</td></tr><tr><td>db-1</td><td>Success</td></tr></table>\
              <!-- <div>hidden</div> --><div><br/></div><div>   Veeam&nbsp;B&amp;R   </div></body></html>\r\n",
        );
        assert_eq!(
            content.text,
            "Job nightly finished\nHost Status\nweb-1 Failed\ndb-1 Success\nVeeam\u{a0}B&R"
        );
    }

    #[test]
    fn encoded_words_and_transfer_encodings_are_decoded() {
        let content = read_message(
            b"From: =?UTF-8?B?67Cx7JeFIOyEnOuyhA==?= <backup@host.example>\r\n\
              Subject: =?UTF-8?B?7ISc67KEIOuLpOyatDog65SU7Iqk7YGsIDk3JQ==?=\r\n\
              MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
              Content-Transfer-Encoding: quoted-printable\r\n\r\n\
              Caf=E9 au lait: a very long line that is wrapped by the encoder so that it =\r\n\
              stays short\r\n",
        );
        assert_eq!(content.subject.as_deref(), Some("서버 다운: 디스크 97%"));
        assert_eq!(content.from_name.as_deref(), Some("백업 서버"));
        assert_eq!(
            content.text,
            "Café au lait: a very long line that is wrapped by the encoder so that it stays short"
        );

        let content = read_message(
            b"From: backup@host.example\r\nSubject: =?EUC-KR?B?uem+9yC9x8bQ?= =?ISO-8859-1?Q?(caf=E9)?=\r\n\
              MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
              Content-Transfer-Encoding: base64\r\n\r\n\
              U2F1dmVnYXJkZSB0ZXJtaW7DqWUgYXZlYyBzdWNjw6hzDQpEdXLDqWU6IDMgbWluDQo=\r\n",
        );
        assert_eq!(content.subject.as_deref(), Some("백업 실패(café)"));
        assert_eq!(
            content.text,
            "Sauvegarde terminée avec succès\nDurée: 3 min"
        );
    }

    #[test]
    fn garbage_gives_what_it_can_without_panicking() {
        assert_eq!(read_message(b""), MailContent::default());
        let garbage: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let content = read_message(&garbage);
        assert!(!content.text.contains('\0'));
        assert!(content.text.len() <= TEXT_MAX);
        let content = read_message(b"\xff\xfe\0\0no headers at all\0\r\n");
        assert!(!content.text.contains('\0'));
        let content = read_message(
            b"Subject: =?UTF-8?B?!!!?=\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
        );
        assert!(content.text.len() <= TEXT_MAX);
        let content = read_message(b"Subject: \0bad\x07\r\n\r\nbody\0 with NUL\r\n");
        assert_eq!(content.subject.as_deref(), Some("bad"));
        assert_eq!(content.text, "body with NUL");
    }

    #[test]
    fn a_long_body_is_cut_on_a_character_boundary() {
        let mut message =
            b"Subject: long\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".to_vec();
        message.extend("가".repeat(20_000).as_bytes());
        let content = read_message(&message);
        assert!(content.text.len() <= TEXT_MAX && content.text.len() > TEXT_MAX - 4);
        assert!(content.text.chars().all(|c| c == '가'));
    }
}

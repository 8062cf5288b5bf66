//! A stand-in SMTP server on 127.0.0.1: enough of RFC 5321 for lettre over a plain connection
//! (greeting, EHLO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT). It records
//! every transaction it saw, accepted or not, and answers from a script, so a test can make
//! an attempt fail with 451 or 550. Plus a light MIME reader for what it received.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// Where in a transaction a scripted answer replaces the usual 250.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Mail,
    Rcpt,
    /// The answer after the message's final ".".
    Data,
}

/// One transaction: the envelope, the raw DATA (dot-stuffing undone) and how it ended.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: String,
    /// The user that authenticated on the connection, if any.
    pub user: Option<String>,
    /// The final answer's code: 250 when the message was accepted.
    pub answer: u16,
}

impl Mail {
    pub fn accepted(&self) -> bool {
        self.answer == 250
    }

    pub fn parsed(&self) -> Mime {
        Mime::parse(&self.data)
    }
}

#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    script: Arc<Mutex<VecDeque<(Stage, String)>>>,
    arrived: Arc<Notify>,
}

struct Session {
    credentials: Option<(String, String)>,
    mails: Arc<Mutex<Vec<Mail>>>,
    script: Arc<Mutex<VecDeque<(Stage, String)>>>,
    arrived: Arc<Notify>,
}

impl SmtpServer {
    /// `credentials`: the user and password AUTH must present; `None` offers no AUTH.
    pub async fn start(credentials: Option<(&str, &str)>) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().unwrap().port();
        let server = SmtpServer {
            port,
            mails: Arc::default(),
            script: Arc::default(),
            arrived: Arc::new(Notify::new()),
        };
        let credentials =
            credentials.map(|(user, password)| (user.to_owned(), password.to_owned()));
        let accepting = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let session = Session {
                    credentials: credentials.clone(),
                    mails: accepting.mails.clone(),
                    script: accepting.script.clone(),
                    arrived: accepting.arrived.clone(),
                };
                tokio::spawn(async move {
                    let _ = session.run(stream).await;
                });
            }
        });
        server
    }

    /// The next transaction answers `reply` (a full line such as "451 4.3.0 try later") at
    /// `stage` instead of 250. Scripted answers are used up one per transaction.
    pub fn respond_with(&self, stage: Stage, reply: &str) {
        self.script
            .lock()
            .unwrap()
            .push_back((stage, reply.to_owned()));
    }

    /// Every transaction so far, in order.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    pub fn accepted(&self) -> Vec<Mail> {
        self.mails().into_iter().filter(Mail::accepted).collect()
    }

    /// Waits until at least `count` transactions have ended.
    pub async fn wait_for(&self, count: usize) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.arrived.notified();
            let mails = self.mails();
            if mails.len() >= count {
                return mails;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("timed out: {} of {count} SMTP transactions", mails.len());
            }
        }
    }
}

impl Session {
    async fn run(self, stream: TcpStream) -> std::io::Result<()> {
        let (reader, mut writer) = stream.into_split();
        let mut lines = BufReader::new(reader);
        writer.write_all(b"220 stand-in ESMTP ready\r\n").await?;
        let mut user: Option<String> = None;
        let mut mail: Option<Mail> = None;
        // The scripted answer for this transaction, taken at MAIL FROM.
        let mut scripted: Option<(Stage, String)> = None;
        loop {
            let Some(line) = read_line(&mut lines).await? else {
                return Ok(());
            };
            let upper = line.to_ascii_uppercase();
            let verb = upper.split_whitespace().next().unwrap_or_default();
            let answer: String = match verb {
                "EHLO" => {
                    let mut answer = String::from("250-stand-in greets you\r\n250-8BITMIME\r\n");
                    if self.credentials.is_some() {
                        answer.push_str("250-AUTH PLAIN LOGIN\r\n");
                    }
                    answer.push_str("250 SIZE 10485760");
                    answer
                }
                "HELO" | "NOOP" => "250 2.0.0 OK".into(),
                "RSET" => {
                    mail = None;
                    "250 2.0.0 OK".into()
                }
                "QUIT" => {
                    writer.write_all(b"221 2.0.0 Bye\r\n").await?;
                    return Ok(());
                }
                "AUTH" => {
                    let words: Vec<&str> = line.split_whitespace().collect();
                    let presented = match words.get(1).map(|m| m.to_ascii_uppercase()) {
                        Some(m) if m == "PLAIN" => {
                            let response = match words.get(2) {
                                Some(response) => (*response).to_owned(),
                                None => {
                                    writer.write_all(b"334 \r\n").await?;
                                    read_line(&mut lines).await?.unwrap_or_default()
                                }
                            };
                            let decoded = decode(&response);
                            let mut parts = decoded.splitn(3, '\0').skip(1);
                            parts
                                .next()
                                .zip(parts.next())
                                .map(|(u, p)| (u.to_owned(), p.to_owned()))
                        }
                        Some(m) if m == "LOGIN" => {
                            writer.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                            let name = decode(&read_line(&mut lines).await?.unwrap_or_default());
                            writer.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                            let password =
                                decode(&read_line(&mut lines).await?.unwrap_or_default());
                            Some((name, password))
                        }
                        _ => None,
                    };
                    match (&self.credentials, presented) {
                        (Some(expected), Some(presented)) if *expected == presented => {
                            user = Some(presented.0);
                            "235 2.7.0 Authentication successful".into()
                        }
                        // Echoes what it was sent, as careless servers do, so tests can see
                        // that Firewatch keeps the password out of its error text.
                        _ => format!("535 5.7.8 Authentication credentials invalid: {line}"),
                    }
                }
                "MAIL" => {
                    if self.credentials.is_some() && user.is_none() {
                        "530 5.7.0 Authentication required".into()
                    } else {
                        scripted = self.script.lock().unwrap().pop_front();
                        let started = Mail {
                            mail_from: path(&line),
                            user: user.clone(),
                            ..Mail::default()
                        };
                        match scripted.take_if(|(stage, _)| *stage == Stage::Mail) {
                            Some((_, reply)) => {
                                self.finish(started, &reply);
                                reply
                            }
                            None => {
                                mail = Some(started);
                                "250 2.1.0 OK".into()
                            }
                        }
                    }
                }
                "RCPT" => match mail.as_mut() {
                    None => "503 5.5.1 MAIL first".into(),
                    Some(current) => {
                        current.rcpt_to.push(path(&line));
                        match scripted.take_if(|(stage, _)| *stage == Stage::Rcpt) {
                            Some((_, reply)) => {
                                if let Some(ended) = mail.take() {
                                    self.finish(ended, &reply);
                                }
                                reply
                            }
                            None => "250 2.1.5 OK".into(),
                        }
                    }
                },
                "DATA" => match mail.take() {
                    Some(mut current) if !current.rcpt_to.is_empty() => {
                        writer
                            .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                            .await?;
                        let mut data = String::new();
                        loop {
                            let Some(line) = read_line(&mut lines).await? else {
                                return Ok(());
                            };
                            if line == "." {
                                break;
                            }
                            data.push_str(line.strip_prefix('.').unwrap_or(&line));
                            data.push_str("\r\n");
                        }
                        current.data = data;
                        let reply = match scripted.take_if(|(stage, _)| *stage == Stage::Data) {
                            Some((_, reply)) => reply,
                            None => "250 2.0.0 OK: queued".into(),
                        };
                        self.finish(current, &reply);
                        reply
                    }
                    _ => "503 5.5.1 RCPT first".into(),
                },
                _ => "502 5.5.2 Command not recognized".into(),
            };
            writer.write_all(answer.as_bytes()).await?;
            writer.write_all(b"\r\n").await?;
        }
    }

    fn finish(&self, mut mail: Mail, reply: &str) {
        mail.answer = reply
            .get(..3)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        self.mails.lock().unwrap().push(mail);
        self.arrived.notify_waiters();
    }
}

/// One line without its CRLF; `None` at the end of the stream.
async fn read_line(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Option<String>> {
    let mut line = String::new();
    if lines.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

fn decode(text: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The address in `MAIL FROM:<a@b> SIZE=…` or `RCPT TO:<a@b>`.
fn path(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line[start..].find('>').map_or(line.len(), |i| start + i);
    line[start..end].to_owned()
}

/// A message read just enough for tests: unfolded headers, and for a multipart body its
/// parts with their bodies decoded (7bit, quoted-printable or base64).
#[derive(Debug, Clone)]
pub struct Mime {
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub parts: Vec<Mime>,
}

impl Mime {
    pub fn parse(raw: &str) -> Mime {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push_str(line);
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.to_owned(), value.trim().to_owned()));
            }
        }
        let mut mime = Mime {
            headers,
            body: String::new(),
            parts: Vec::new(),
        };
        let content_type = mime.header("content-type").to_owned();
        if content_type.starts_with("multipart/") {
            let boundary = content_type
                .split_once("boundary=")
                .map(|(_, b)| b.trim_matches('"').to_owned())
                .expect("a multipart body names its boundary");
            let delimiter = format!("--{boundary}");
            let inner = body
                .split_once(&format!("{delimiter}--"))
                .expect("the closing delimiter")
                .0;
            mime.parts = inner
                .split(&delimiter)
                .skip(1)
                .map(|part| Mime::parse(part.trim_start_matches('\n')))
                .collect();
        } else {
            mime.body = match mime.header("content-transfer-encoding") {
                "base64" => {
                    let text: String = body.split_whitespace().collect();
                    decode(&text)
                }
                "quoted-printable" => quoted_printable(body),
                _ => body.to_owned(),
            };
        }
        mime
    }

    /// A header's unfolded value, or "" when absent (names are case-insensitive).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("", |(_, value)| value)
    }

    /// The part whose Content-Type starts with `content_type`.
    pub fn part(&self, content_type: &str) -> &Mime {
        self.parts
            .iter()
            .find(|part| part.header("content-type").starts_with(content_type))
            .unwrap_or_else(|| panic!("no {content_type} part in {:?}", self.headers))
    }
}

fn quoted_printable(text: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&byte, after)) = rest.split_first() {
        if byte == b'=' {
            if after.first() == Some(&b'\n') {
                rest = &after[1..];
                continue;
            }
            if let Some(value) = after
                .get(..2)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                bytes.push(value);
                rest = &after[2..];
                continue;
            }
        }
        bytes.push(byte);
        rest = after;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

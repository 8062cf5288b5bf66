//! Accepting connections where anyone on the internet may open them: a cap on connections, a
//! deadline for each request's head, for its body and for a kept-alive connection left idle,
//! and one budget for the bytes of request bodies in flight across all connections. Nothing
//! here knows a route; the router behind it answers every request.
//!
//! hyper's own header timeout also runs while a kept-alive connection waits for its next
//! request, so it cannot tell a slow head from an idle connection; the deadlines are kept here
//! instead, on the socket, from what the connection is doing.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use hyper::body::{Frame, Incoming, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tower_service::Service as _;

use crate::config::server::{FREE_BODY_BYTES, ServerConfig};
use crate::integrations::inbound::Rejection;

/// How connections are bounded (`[server]`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
}

impl Limits {
    pub fn of(server: &ServerConfig) -> Limits {
        Limits {
            max_connections: server.max_connections,
            header_timeout: Duration::from_secs_f64(server.header_timeout_seconds),
            body_timeout: Duration::from_secs_f64(server.body_timeout_seconds),
            idle_timeout: Duration::from_secs_f64(server.idle_timeout_seconds),
        }
    }
}

/// The bytes of request bodies that all connections together may hold beyond their free
/// part: one budget for every listener of the process.
#[derive(Debug, Clone)]
pub struct BodyBudget(Arc<Semaphore>);

impl BodyBudget {
    pub fn new(bytes: usize) -> BodyBudget {
        BodyBudget(Arc::new(Semaphore::new(bytes.min(Semaphore::MAX_PERMITS))))
    }
}

/// Why a request's body stopped arriving (found with [`refusal_of`]); handlers answer it as
/// its [`Rejection`], which holds the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BodyRefusal {
    #[error("the body budget is spent")]
    Busy,
    #[error("the body deadline passed")]
    TooSlow,
}

impl From<BodyRefusal> for Rejection {
    fn from(refusal: BodyRefusal) -> Rejection {
        match refusal {
            BodyRefusal::Busy => Rejection::Busy,
            BodyRefusal::TooSlow => Rejection::BodyTimeout,
        }
    }
}

/// The [`BodyRefusal`] behind an error from reading a request body, if that is what it was.
pub fn refusal_of(error: &(dyn std::error::Error + 'static)) -> Option<BodyRefusal> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(refusal) = error.downcast_ref::<BodyRefusal>() {
            return Some(*refusal);
        }
        current = error.source();
    }
    None
}

/// Serves `router` on `listener` until `shutdown`, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: Limits,
    budget: BodyBudget,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        // At the cap, stop accepting: new connections wait in the kernel's backlog.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = shutdown.cancelled() => break,
        };
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, most often: wait rather than spin.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            peer,
            router.clone(),
            limits,
            budget.clone(),
            shutdown.clone(),
            slot,
        ));
    }
    // Every connection gives its slot back when it ends.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    limits: Limits,
    budget: BodyBudget,
    shutdown: CancellationToken,
    _slot: OwnedSemaphorePermit,
) {
    let phase = Arc::new(Mutex::new(State {
        // A new connection gets as long as a head takes, idle or not.
        phase: Phase::Waiting {
            deadline: Instant::now() + limits.header_timeout,
            started: false,
        },
        reader: None,
    }));
    let io = hyper_util::rt::TokioIo::new(Watched {
        inner: stream,
        phase: phase.clone(),
        limits,
        timer: Box::pin(tokio::time::sleep(limits.header_timeout)),
    });
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let busy = Busy::begin(phase.clone(), limits);
        request.extensions_mut().insert(ConnectInfo(peer));
        // The body's share of the budget is held until the handler has answered, not just
        // until the body is read: a handler holds the bytes while it checks them.
        let held: Held = Arc::default();
        let request = request.map(|body| {
            Body::new(Budgeted {
                inner: body,
                budget: budget.clone(),
                seen: 0,
                held: held.clone(),
                deadline: Box::pin(tokio::time::sleep(limits.body_timeout)),
                discarding: false,
            })
        });
        let mut router = router.clone();
        async move {
            let response = router.call(request).await;
            drop((busy, held));
            response
        }
    });
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, %peer, "connection ended");
    }
}

/// A connection's phase, and the reader to wake when it starts waiting again (its deadline
/// is armed only while it waits).
#[derive(Debug)]
struct State {
    phase: Phase,
    reader: Option<std::task::Waker>,
}

/// What a connection is doing, for its deadlines.
#[derive(Debug)]
enum Phase {
    /// Between requests: until `deadline` for the next head, which shortens to the head
    /// timeout once its first byte (`started`) arrives.
    Waiting { deadline: Instant, started: bool },
    /// This many requests are with the router: no deadline on the socket (their bodies have
    /// their own).
    Busy(usize),
}

/// A request with the router; when the last one ends, the connection waits idle.
struct Busy {
    phase: Arc<Mutex<State>>,
    idle: Duration,
}

impl Busy {
    fn begin(phase: Arc<Mutex<State>>, limits: Limits) -> Busy {
        {
            let mut current = phase.lock().unwrap_or_else(|p| p.into_inner());
            current.phase = match current.phase {
                Phase::Busy(n) => Phase::Busy(n + 1),
                Phase::Waiting { .. } => Phase::Busy(1),
            };
        }
        Busy {
            phase,
            idle: limits.idle_timeout,
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut current = self.phase.lock().unwrap_or_else(|p| p.into_inner());
        current.phase = match current.phase {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            _ => Phase::Waiting {
                deadline: Instant::now() + self.idle,
                started: false,
            },
        };
        if matches!(current.phase, Phase::Waiting { .. }) {
            // A read left pending while busy armed no deadline: it must look again.
            if let Some(reader) = current.reader.take() {
                reader.wake();
            }
        }
    }
}

/// The socket, closed with `TimedOut` when its phase's deadline passes while it waits for
/// bytes.
struct Watched {
    inner: TcpStream,
    phase: Arc<Mutex<State>>,
    limits: Limits,
    timer: Pin<Box<Sleep>>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    let mut state = this.phase.lock().unwrap_or_else(|p| p.into_inner());
                    if let Phase::Waiting {
                        deadline,
                        started: started @ false,
                    } = &mut state.phase
                    {
                        *started = true;
                        *deadline = Instant::now() + this.limits.header_timeout;
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                let deadline = {
                    let mut state = this.phase.lock().unwrap_or_else(|p| p.into_inner());
                    match state.phase {
                        Phase::Waiting { deadline, .. } => deadline,
                        Phase::Busy(_) => {
                            state.reader = Some(cx.waker().clone());
                            return Poll::Pending;
                        }
                    }
                };
                if this.timer.deadline() != deadline {
                    this.timer.as_mut().reset(deadline);
                }
                match this.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "no request in time",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
            ready => ready,
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request's share of the body budget, given back when its answer is ready.
type Held = Arc<Mutex<Option<OwnedSemaphorePermit>>>;

/// A request body that must arrive before its deadline, and whose bytes past the free part
/// are taken from the shared budget.
struct Budgeted {
    inner: Incoming,
    budget: BodyBudget,
    seen: usize,
    held: Held,
    deadline: Pin<Box<Sleep>>,
    /// Refused for the budget: what still comes is read only to be thrown away (so the
    /// sender, still writing, reads the 503), and costs nothing.
    discarding: bool,
}

impl HttpBody for Budgeted {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let length = frame.data_ref().map_or(0, Bytes::len);
                let before = this.seen;
                this.seen = this.seen.saturating_add(length);
                let owed = this
                    .seen
                    .saturating_sub(FREE_BODY_BYTES.max(before))
                    .min(length);
                if owed > 0 && !this.discarding {
                    let permits = u32::try_from(owed).unwrap_or(u32::MAX);
                    match this.budget.0.clone().try_acquire_many_owned(permits) {
                        Ok(permit) => {
                            let mut held = this.held.lock().unwrap_or_else(|p| p.into_inner());
                            match &mut *held {
                                Some(held) => held.merge(permit),
                                None => *held = Some(permit),
                            }
                        }
                        Err(_) => {
                            // Its bytes are thrown away: its share goes back now.
                            this.discarding = true;
                            *this.held.lock().unwrap_or_else(|p| p.into_inner()) = None;
                            return Poll::Ready(Some(Err(Box::new(BodyRefusal::Busy))));
                        }
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(Box::new(error)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyRefusal::TooSlow)))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

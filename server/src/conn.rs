//! One HTTP/1 connection, from its accept to its close, and its timeouts
//! (the `[server]` keys of `config/connections.rs`, docs/server.md):
//!
//! - **a request's head** (its line and headers) within
//!   `header_timeout_secs`: counted from the connection's opening for its
//!   first request, from the head's first byte for a later one;
//! - **idle** between a response and the next request's first byte: at
//!   most `keep_alive_timeout_secs`;
//! - **a request**, from its head to its answer (its body included), within
//!   `request_timeout_secs` (uploads: `upload_timeout_secs` more):
//!   [`request_deadline`] (`conn/deadline.rs`), a middleware of the router,
//!   answers 408 if the body was still arriving, 503 if the server was
//!   slow, and closes the connection after the answer;
//! - **a response** that makes no progress (the client reads none of it)
//!   for `request_timeout_secs`.
//!
//! Past a head, idle or response deadline the connection is closed without
//! an answer. Those three are kept by a [`Watch`] over the connection: the
//! socket's reads and writes ([`Watched`]) and the requests' progress
//! ([`Handler`], [`Tracked`]) move it from stage to stage, and the
//! connection's task ([`serve`]) drops the connection (and so closes the
//! socket) when the stage's deadline passes. hyper's own header timer is
//! off: it starts at the end of a response, so it cannot tell an idle
//! connection from a slow head.

mod deadline;

pub use deadline::request_deadline;

use crate::metrics::ConnectionMetrics;
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use axum::response::Response;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// Beyond the longest request deadline, before the connection's own watch
/// closes a connection whose request is still being handled: a backstop to
/// [`request_deadline`], which answers first.
const BACKSTOP_GRACE: Duration = Duration::from_secs(5);

/// The timeouts of every connection, from the config.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// A request's head; also a new connection's wait for its first byte.
    pub header: Duration,
    /// Idle between a response and the next request.
    pub keep_alive: Duration,
    /// A response that makes no progress.
    pub stalled: Duration,
    /// A request still being handled this long is closed (the backstop).
    pub handling: Duration,
}

impl Timeouts {
    pub fn of(config: &crate::config::ServerConfig) -> Timeouts {
        let c = &config.connections;
        Timeouts {
            header: c.header_timeout(),
            keep_alive: c.keep_alive_timeout(),
            stalled: c.request_timeout(),
            handling: c.request_timeout()
                + Duration::from_secs(config.upload_timeout_secs)
                + BACKSTOP_GRACE,
        }
    }
}

/// Serves one connection until it closes: the client closes it, a deadline
/// passes (see the module), or the server stops (a request in flight is
/// answered first; an idle connection closes at once).
pub async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    timeouts: Timeouts,
    metrics: &ConnectionMetrics,
    mut stopping: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let watch = Arc::new(Watch::new(timeouts));
    let io = TokioIo::new(Watched {
        stream,
        watch: watch.clone(),
    });
    let handler = Handler {
        router: TowerToHyperService::new(router),
        peer,
        watch: watch.clone(),
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .header_read_timeout(None)
        .serve_connection(io, handler);
    tokio::pin!(connection);
    let mut stopping_seen = false;
    loop {
        let (deadline, _) = watch.deadline();
        let changed = watch.changed.notified();
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%peer, %error, "connection ended");
                }
                return;
            }
            _ = changed => {}
            _ = tokio::time::sleep_until(deadline) => {
                let (deadline, stage) = watch.deadline();
                if deadline <= Instant::now() {
                    tracing::debug!(%peer, stage, "connection closed: timed out");
                    metrics.timed_out(stage);
                    return;
                }
            }
            _ = stopping.wait_for(|stop| *stop), if !stopping_seen => {
                stopping_seen = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Where a connection is, and so which deadline it is under.
struct Watch {
    stage: Mutex<Stage>,
    /// Told when a deadline may have come nearer.
    changed: Notify,
    timeouts: Timeouts,
}

#[derive(Clone, Copy)]
struct Stage {
    /// Requests taken so far.
    requests: u64,
    /// Requests being handled or answered (one at a time over HTTP/1).
    in_flight: u32,
    /// When the connection became ready for its next request: its opening,
    /// or the end of its last response.
    ready_since: Instant,
    /// When the next request's head began, once a byte of it has come.
    head_since: Option<Instant>,
    /// When the request in flight was taken.
    taken_at: Instant,
    /// Whether the request in flight is answered (its response is being sent).
    answering: bool,
    /// When a byte was last written (while answering).
    last_write: Instant,
}

impl Watch {
    fn new(timeouts: Timeouts) -> Watch {
        let now = Instant::now();
        Watch {
            stage: Mutex::new(Stage {
                requests: 0,
                in_flight: 0,
                ready_since: now,
                head_since: None,
                taken_at: now,
                answering: false,
                last_write: now,
            }),
            changed: Notify::new(),
            timeouts,
        }
    }

    fn update(&self, f: impl FnOnce(&mut Stage, Instant) -> bool) {
        let mut stage = self.stage.lock().unwrap_or_else(PoisonError::into_inner);
        if f(&mut stage, Instant::now()) {
            self.changed.notify_one();
        }
    }

    /// The current stage's deadline, and the stage's name for the log.
    fn deadline(&self) -> (Instant, &'static str) {
        let s = *self.stage.lock().unwrap_or_else(PoisonError::into_inner);
        let t = &self.timeouts;
        if s.in_flight > 0 {
            if s.answering {
                (s.last_write + t.stalled, "a response not read")
            } else {
                (s.taken_at + t.handling, "a request not answered")
            }
        } else if let Some(since) = s.head_since {
            (since + t.header, "a request head not complete")
        } else if s.requests == 0 {
            (s.ready_since + t.header, "no request")
        } else {
            (s.ready_since + t.keep_alive, "idle")
        }
    }

    /// Bytes came in: the start of a request's head, if none is in flight.
    fn read(&self) {
        self.update(|s, now| {
            if s.in_flight > 0 || s.head_since.is_some() {
                return false;
            }
            // The first request's head counts from the opening.
            s.head_since = Some(if s.requests == 0 { s.ready_since } else { now });
            true
        });
    }

    /// Bytes went out: progress of a response.
    fn wrote(&self) {
        self.update(|s, now| {
            if s.answering {
                s.last_write = now;
            }
            false
        });
    }

    /// A request's head is complete and handed to the router.
    fn taken(&self) {
        self.update(|s, now| {
            s.requests += 1;
            s.in_flight += 1;
            s.head_since = None;
            s.taken_at = now;
            s.answering = false;
            true
        });
    }

    /// The router answered: the response is being sent.
    fn answering(&self) {
        self.update(|s, now| {
            s.answering = true;
            s.last_write = now;
            true
        });
    }

    /// The response is sent (or the request dropped): ready for the next.
    fn done(&self) {
        self.update(|s, now| {
            s.in_flight = s.in_flight.saturating_sub(1);
            if s.in_flight == 0 {
                s.ready_since = now;
                s.head_since = None;
                s.answering = false;
            }
            true
        });
    }
}

/// The socket, telling its [`Watch`] of every byte in and out.
struct Watched {
    stream: TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.watch.read();
        }
        result
    }
}

impl Watched {
    fn wrote(&self, result: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.watch.wrote();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.wrote(result)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.wrote(result)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// hyper's service for one connection: the router, each request with its
/// peer as `ConnectInfo` (the registration limit counts per address,
/// `api::players::PeerAddr`), each response tracked until it is sent.
#[derive(Clone)]
struct Handler {
    router: TowerToHyperService<Router>,
    peer: SocketAddr,
    watch: Arc<Watch>,
}

type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl hyper::service::Service<hyper::Request<Incoming>> for Handler {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, mut request: hyper::Request<Incoming>) -> Answer {
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let in_flight = InFlight::new(self.watch.clone());
        let answer = hyper::service::Service::call(&self.router, request);
        Box::pin(async move {
            let response = answer.await?;
            in_flight.0.answering();
            Ok(response.map(|body| {
                Body::new(Tracked {
                    body,
                    _in_flight: in_flight,
                })
            }))
        })
    }
}

/// A request from its head to the end of its response (or until dropped).
struct InFlight(Arc<Watch>);

impl InFlight {
    fn new(watch: Arc<Watch>) -> InFlight {
        watch.taken();
        InFlight(watch)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.done();
    }
}

/// A response body, its request in flight until hyper drops it (sent).
struct Tracked {
    body: Body,
    _in_flight: InFlight,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeouts() -> Timeouts {
        Timeouts {
            header: Duration::from_secs(10),
            keep_alive: Duration::from_secs(15),
            stalled: Duration::from_secs(30),
            handling: Duration::from_secs(95),
        }
    }

    /// The time left before `watch`'s deadline, and its stage.
    fn left(watch: &Watch) -> (Duration, &'static str) {
        let (at, stage) = watch.deadline();
        (at.saturating_duration_since(Instant::now()), stage)
    }

    /// Whether `d` is `expected` less at most 20 ms of the test's own time,
    /// and `at_least` more.
    fn about(d: Duration, expected: Duration, at_least: Duration) -> bool {
        d <= expected.saturating_sub(at_least)
            && d + Duration::from_millis(20) >= expected - at_least
    }

    #[test]
    fn each_stage_has_its_deadline() {
        let t = timeouts();
        let pause = Duration::from_millis(60);
        let watch = Watch::new(t);
        let (d, stage) = left(&watch);
        assert!(about(d, t.header, Duration::ZERO) && stage == "no request");
        std::thread::sleep(pause);
        watch.read();
        // The first head counts from the opening.
        let (d, stage) = left(&watch);
        assert!(about(d, t.header, pause), "{d:?}");
        assert_eq!(stage, "a request head not complete");
        watch.taken();
        assert!(about(left(&watch).0, t.handling, Duration::ZERO));
        watch.read(); // a body's bytes change nothing
        assert_eq!(left(&watch).1, "a request not answered");
        watch.answering();
        std::thread::sleep(pause);
        watch.wrote();
        let (d, stage) = left(&watch);
        assert!(about(d, t.stalled, Duration::ZERO) && stage == "a response not read");
        watch.done();
        let (d, stage) = left(&watch);
        assert!(about(d, t.keep_alive, Duration::ZERO) && stage == "idle");
        std::thread::sleep(pause);
        watch.read();
        // A later head counts from its own first byte.
        let (d, stage) = left(&watch);
        assert!(about(d, t.header, Duration::ZERO), "{d:?}");
        assert_eq!(stage, "a request head not complete");
    }
}

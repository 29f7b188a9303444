//! Upload bodies, the API's (`bots.rs`) and the web form's (`web/forms.rs`):
//! a few slots for reading them at once, a deadline, a size cap enforced
//! while reading, and a clear error for each way a body can go wrong.

use crate::app::State;
use crate::error::ApiError;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use http_body_util::BodyExt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::SemaphorePermit;

mod parts;

use parts::PartScanner;

/// Room for a multipart form's boundaries, part headers and small fields
/// beside the module: what a form may hold besides its `module`'s bytes.
/// Past it, 413 naming the form's fields (not the module).
pub const FORM_SLACK: usize = 64 << 10;
/// How long an upload waits for a free slot before its 503.
const SLOT_WAIT: Duration = Duration::from_secs(5);
/// The 503's `Retry-After`, in seconds.
const BUSY_RETRY_SECS: u64 = 5;
/// A body refused part-way (over its cap; the form's, for a bad token) is
/// read on and dropped, up to this much further for at most [`DRAIN_TIME`],
/// so that a client still sending it gets the answer rather than a reset
/// connection. Nothing of it is kept.
const DRAIN_BYTES: usize = 16 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(10);
/// The longest text field of an upload form: a token is 64 characters, a
/// bot name at most 32.
const TEXT_FIELD_BYTES: usize = 1024;

/// A turn to read and check an upload body: one of `[server]
/// uploads_at_once`. Take it before reading the body and keep it until its
/// bytes are dropped (after validation). Waits [`SLOT_WAIT`] at most for
/// one to come free, then 503 `busy` with `Retry-After`.
pub async fn upload_slot(state: &State) -> Result<SemaphorePermit<'_>, ApiError> {
    match tokio::time::timeout(SLOT_WAIT, state.upload_slots.acquire()).await {
        Ok(permit) => permit.map_err(ApiError::internal),
        Err(_) => {
            let at_once = state.config.uploads_at_once;
            tracing::warn!(at_once, "an upload found every slot taken");
            Err(ApiError::Busy {
                message: format!(
                    "every upload slot is taken ([server] uploads_at_once = {at_once}): the \
                     server is reading as many uploads as it may at once; try again in \
                     {BUSY_RETRY_SECS} seconds"
                ),
                retry_after: Some(BUSY_RETRY_SECS),
            })
        }
    }
}

/// 413 before a byte is read when the body's Content-Length is over `cap`
/// and the client waits for `100 Continue` (it never sends the body), or
/// the body is too large to be drained.
pub fn refuse_declared(headers: &HeaderMap, cap: usize, limit: usize) -> Result<(), ApiError> {
    let declared = declared_length(headers);
    let expects_continue = headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    match declared {
        Some(n) if n > cap as u64 && (expects_continue || n > (cap + DRAIN_BYTES) as u64) => {
            Err(ApiError::TooLarge(if cap > limit {
                format!(
                    "the form is {n} bytes, more than an upload form may be: the module at \
                     most {limit} bytes (max_upload_bytes) and {FORM_SLACK} bytes besides"
                )
            } else {
                format!("the module is larger than the {limit}-byte upload limit")
            }))
        }
        _ => Ok(()),
    }
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// The 413 of an upload over `limit`.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::TooLarge(format!(
        "the module is larger than the {limit}-byte upload limit"
    ))
}

/// The 413 of a form whose parts other than `module` (their bytes, headers
/// and boundaries) take more than [`FORM_SLACK`].
fn fields_too_large() -> ApiError {
    ApiError::TooLarge(format!(
        "the form's fields other than `module` take more than {FORM_SLACK} bytes: an upload \
         form holds the module and a few short fields (`name`, the web form's `token`)"
    ))
}

/// The 400 of a form with a second part named `name`: which one was meant
/// cannot be told, so neither is taken.
pub fn duplicate_part(name: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "the multipart form has more than one `{name}` part: send exactly one"
    ))
}

/// Why a body stopped being read.
#[derive(Clone, Debug, PartialEq)]
enum Cut {
    TooLarge,
    /// A form's parts other than `module` past [`FORM_SLACK`].
    FieldsTooLarge,
    TimedOut,
    Broken(String),
}

/// What the handler and its [`GuardedBody`] share.
struct Shared {
    /// Bytes read so far.
    read: AtomicUsize,
    /// Past this many bytes the body fails (413).
    cap: AtomicUsize,
    /// When not `usize::MAX`: once this many bytes are read, the body
    /// yields nothing more until [`BodyReader::release`] (a form's fields
    /// before its token is checked).
    hold_at: AtomicUsize,
    held: AtomicBool,
    /// For a form: past this many bytes read outside its `module` parts'
    /// contents, the body fails (413 naming the fields). `usize::MAX`
    /// otherwise.
    fields_cap: AtomicUsize,
    /// For a form: which bytes read are its `module`'s (`parts.rs`).
    parts: Mutex<Option<PartScanner>>,
    cut: Mutex<Option<Cut>>,
    /// For messages: the module's limit, and the deadline in seconds.
    limit: usize,
    timeout_secs: u64,
}

/// The handler's side of an upload body being read: why it failed, if it
/// did, as the error to answer with.
pub struct BodyReader(Arc<Shared>);

impl BodyReader {
    /// Wraps `body`: reading it fails past `cap` bytes (413 naming
    /// `max_upload_bytes`), past `[server] upload_timeout_secs` from now
    /// (408), or when the connection fails (400, "could not be read").
    pub fn new(state: &State, body: Body, cap: usize) -> (BodyReader, Body) {
        let timeout_secs = state.config.upload_timeout_secs;
        let shared = Arc::new(Shared {
            read: AtomicUsize::new(0),
            cap: AtomicUsize::new(cap),
            hold_at: AtomicUsize::new(usize::MAX),
            held: AtomicBool::new(false),
            fields_cap: AtomicUsize::new(usize::MAX),
            parts: Mutex::new(None),
            cut: Mutex::new(None),
            limit: state.config.max_upload_bytes,
            timeout_secs,
        });
        let deadline = tokio::time::sleep(Duration::from_secs(timeout_secs));
        let body = Body::new(GuardedBody {
            inner: body,
            deadline: Box::pin(deadline),
            shared: shared.clone(),
        });
        (BodyReader(shared), body)
    }

    /// Holds the body back once `bytes` are read, until [`Self::release`].
    pub fn hold_at(&self, bytes: usize) {
        self.0.hold_at.store(bytes, Ordering::SeqCst);
    }

    pub fn release(&self) {
        self.0.hold_at.store(usize::MAX, Ordering::SeqCst);
        self.0.held.store(false, Ordering::SeqCst);
    }

    /// `read`, or a 413 if the body is held back before it completes (or
    /// goes past its cap on the way): the fields before the hold point are
    /// larger than allowed.
    pub async fn unless_held<T>(
        &self,
        read: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        let mut read = std::pin::pin!(read);
        let held = self.0.hold_at.load(Ordering::SeqCst);
        let too_large = || {
            ApiError::TooLarge(format!(
                "the form's fields before its `module` take more than {held} bytes"
            ))
        };
        let result = std::future::poll_fn(|cx| match read.as_mut().poll(cx) {
            Poll::Pending if self.0.held.load(Ordering::SeqCst) => Poll::Ready(Err(too_large())),
            other => other,
        })
        .await;
        match result {
            Err(_) if matches!(self.cut(), Some(Cut::TooLarge | Cut::FieldsTooLarge)) => {
                Err(too_large())
            }
            other => other,
        }
    }

    fn cut(&self) -> Option<Cut> {
        self.0.cut.lock().map_or(None, |cut| cut.clone())
    }

    /// Whether the body failed by itself (the deadline, the connection),
    /// so that there is nothing left worth draining.
    pub fn broken(&self) -> bool {
        matches!(self.cut(), Some(Cut::TimedOut | Cut::Broken(_)))
    }

    /// The error to answer when reading failed with `other`: the body's own
    /// failure if it had one, else `other`.
    fn error_or(&self, other: impl FnOnce() -> ApiError) -> ApiError {
        match self.cut() {
            Some(Cut::TooLarge) => too_large(self.0.limit),
            Some(Cut::FieldsTooLarge) => fields_too_large(),
            Some(Cut::TimedOut) => ApiError::Timeout(format!(
                "the upload did not arrive within {} s ([server] upload_timeout_secs); \
                 nothing was stored",
                self.0.timeout_secs
            )),
            Some(Cut::Broken(e)) => {
                ApiError::BadRequest(format!("the request body could not be read: {e}"))
            }
            None => other(),
        }
    }

    /// Lets up to [`DRAIN_BYTES`] more be read, held back no more.
    fn allow_drain(&self) {
        self.release();
        let read = self.0.read.load(Ordering::SeqCst);
        self.0.cap.store(read + DRAIN_BYTES, Ordering::SeqCst);
        self.0.fields_cap.store(usize::MAX, Ordering::SeqCst);
        if let Ok(mut parts) = self.0.parts.lock() {
            *parts = None;
        }
    }

    /// The whole of a raw body from [`BodyReader::new`], at most its cap
    /// exactly, or its error (a body over the cap is drained, see
    /// [`DRAIN_BYTES`]).
    pub async fn read_all(&self, headers: &HeaderMap, mut body: Body) -> Result<Bytes, ApiError> {
        let cap = self.0.cap.load(Ordering::SeqCst);
        let expected = declared_length(headers).map_or(64 << 10, |n| n as usize);
        let mut bytes = Vec::with_capacity(expected.min(cap));
        while let Some(frame) = body.frame().await {
            let data = match frame.map(|frame| frame.into_data()) {
                Ok(Ok(data)) if bytes.len() + data.len() <= cap => data,
                Ok(Ok(_)) => {
                    drop(bytes);
                    self.allow_drain();
                    let drain = async { while let Some(Ok(_)) = body.frame().await {} };
                    let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
                    return Err(too_large(self.0.limit));
                }
                Ok(Err(_trailers)) => continue,
                Err(_) => {
                    return Err(self.error_or(|| ApiError::internal("a body failed with no cause")));
                }
            };
            bytes.extend_from_slice(&data);
        }
        Ok(Bytes::from(bytes))
    }

    /// A multipart form read from a body from [`BodyReader::new`]; 400 if
    /// it is not one.
    ///
    /// Its parts other than `module` may take [`FORM_SLACK`] bytes in all
    /// (413 naming them past that, however small each is), the `module`
    /// part `max_upload_bytes` (413 naming the module).
    pub async fn form(&self, parts: Parts, body: Body) -> Result<Multipart, ApiError> {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        if let Some(scanner) = content_type.as_deref().and_then(PartScanner::new)
            && let Ok(mut slot) = self.0.parts.lock()
        {
            *slot = Some(scanner);
            self.0.fields_cap.store(FORM_SLACK, Ordering::SeqCst);
        }
        Multipart::from_request(Request::from_parts(parts, body), &())
            .await
            .map_err(|e| {
                ApiError::BadRequest(format!(
                    "the multipart form cannot be read: {}",
                    e.body_text()
                ))
            })
    }

    fn form_error(&self, e: MultipartError) -> ApiError {
        self.error_or(|| {
            ApiError::BadRequest(format!(
                "the multipart form cannot be read: {}",
                e.body_text()
            ))
        })
    }

    pub async fn next_field<'a>(
        &self,
        form: &'a mut Multipart,
    ) -> Result<Option<Field<'a>>, ApiError> {
        form.next_field().await.map_err(|e| self.form_error(e))
    }

    /// A small text field (a token, a name), trimmed; 400 if it is longer
    /// than [`TEXT_FIELD_BYTES`].
    pub async fn text(&self, field: Field<'_>) -> Result<String, ApiError> {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = self
            .bytes(field, TEXT_FIELD_BYTES)
            .await
            .map_err(|e| match e {
                ApiError::TooLarge(_) if self.cut().is_none() => ApiError::BadRequest(format!(
                    "the form's `{name}` field is longer than {TEXT_FIELD_BYTES} bytes"
                )),
                e => e,
            })?;
        Ok(String::from_utf8_lossy(&bytes).trim().to_string())
    }

    /// The `module` part's bytes; past `max_upload_bytes`, the 413 of
    /// [`too_large`]. Its bytes do not count against the form's
    /// [`FORM_SLACK`].
    pub async fn file(&self, field: Field<'_>) -> Result<Bytes, ApiError> {
        self.bytes(field, self.0.limit).await
    }

    /// The form's next part, which must not be named `module` (one was read
    /// already): 400 naming it if it is, so that no second module is taken
    /// or dropped without a word.
    pub async fn no_second_module(&self, form: &mut Multipart) -> Result<(), ApiError> {
        while let Some(field) = self.next_field(form).await? {
            if field.name() == Some("module") {
                return Err(duplicate_part("module"));
            }
        }
        Ok(())
    }

    async fn bytes(&self, mut field: Field<'_>, limit: usize) -> Result<Bytes, ApiError> {
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| self.form_error(e))? {
            if bytes.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(bytes))
    }

    /// Reads the rest of a form refused part-way and drops it (see
    /// [`DRAIN_BYTES`]); nothing when the body failed by itself.
    pub async fn drain(&self, form: &mut Multipart) {
        if self.broken() {
            return;
        }
        self.allow_drain();
        let drain = async {
            while let Ok(Some(mut field)) = form.next_field().await {
                while let Ok(Some(_)) = field.chunk().await {}
            }
        };
        let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
    }
}

/// `http_body::Frame<Bytes>`, named through `BodyExt::frame`'s output
/// (`http-body` itself is not a dependency of this crate).
type Frame =
    <<http_body_util::combinators::Frame<'static, Body> as Future>::Output as FrameOf>::Frame;

trait FrameOf {
    type Frame;
}

impl<F, E> FrameOf for Option<Result<F, E>> {
    type Frame = F;
}

/// An upload body under its [`BodyReader`]'s cap, hold and deadline.
struct GuardedBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    shared: Arc<Shared>,
}

impl GuardedBody {
    fn fail(&self, cut: Cut) -> Poll<Option<Result<Frame, std::io::Error>>> {
        let message = format!("{cut:?}");
        if let Ok(mut slot) = self.shared.cut.lock() {
            slot.get_or_insert(cut);
        }
        Poll::Ready(Some(Err(std::io::Error::other(message))))
    }
}

impl HttpBody for GuardedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame, std::io::Error>>> {
        let shared = &self.shared;
        let read = shared.read.load(Ordering::SeqCst);
        if matches!(
            shared.cut.lock().as_deref(),
            Ok(Some(Cut::TimedOut | Cut::Broken(_)))
        ) {
            return Poll::Ready(None);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            return self.fail(Cut::TimedOut);
        }
        // Held back first: until the hold is released, nothing is refused.
        let hold_at = self.shared.hold_at.load(Ordering::SeqCst);
        if read >= hold_at {
            self.shared.held.store(true, Ordering::SeqCst);
            return Poll::Pending;
        }
        // A form: its module's bytes against the module's limit, the rest
        // against the fields' (whatever part the parser has got to); then
        // the whole body against its cap.
        let sorted = match self.shared.parts.lock().as_deref() {
            Ok(Some(parts)) if hold_at == usize::MAX => {
                Some((parts.module_bytes, parts.other_bytes))
            }
            _ => None,
        };
        let fields_cap = self.shared.fields_cap.load(Ordering::SeqCst);
        match sorted {
            Some((module, _)) if module > self.shared.limit => return self.fail(Cut::TooLarge),
            Some((_, other)) if other > fields_cap => return self.fail(Cut::FieldsTooLarge),
            Some(_) if read > self.shared.cap.load(Ordering::SeqCst) => {
                // Neither is over, yet the whole is: bytes of a part's
                // headers or a boundary not sorted yet, the form's.
                return self.fail(Cut::FieldsTooLarge);
            }
            _ => {}
        }
        if read > self.shared.cap.load(Ordering::SeqCst) {
            return self.fail(Cut::TooLarge);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                // Counted; the cap is checked before the next frame, so that
                // a form's first frame, however large, is parsed up to its
                // module before anything is refused.
                let data = frame.data_ref().map_or(&[][..], |d| &d[..]);
                self.shared.read.fetch_add(data.len(), Ordering::SeqCst);
                if let Ok(Some(parts)) = self.shared.parts.lock().as_deref_mut() {
                    parts.feed(data);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => self.fail(Cut::Broken(e.to_string())),
            other => other.map(|_| None),
        }
    }
}

//! Read bounds on request bodies. actix's `client_request_timeout` covers only the request
//! head: once the headers are in, a client could send its body one byte every few seconds and
//! hold a connection (and whatever the handler buffered) forever. Every body read here goes
//! through [`TimedBody`], which fails the read when the body pauses longer than the idle bound
//! or has not arrived in full by the deadline; the middleware then answers 408 `GLB_015` in the
//! envelope, whatever the handler made of the failed read, and closes the connection.

use std::{
    cell::{Cell, RefCell},
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
    time::Duration,
};

use actix_web::{
    HttpMessage,
    body::{BodySize, BoxBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    error::PayloadError,
    http::{ConnectionType, header},
    middleware::Next,
    web::{self, Bytes},
};
use cercat_config::LimitSettings;
use cercat_error::{ApiError, ErrorCode};
use futures::{Stream, StreamExt};
use tokio::time::{Instant, Sleep};

/// The bounds [`bound_body_reads`] applies, registered by the app as `web::Data<BodyBounds>`
/// (`BodyBounds::from(&settings.limits)`).
#[derive(Debug, Clone, Copy)]
pub struct BodyBounds {
    /// The whole body must arrive within this many seconds of the headers.
    pub read_timeout_secs: u64,
    /// … without pausing for more than this many seconds.
    pub idle_timeout_secs: u64,
}

impl From<&LimitSettings> for BodyBounds {
    fn from(limits: &LimitSettings) -> Self {
        Self { read_timeout_secs: limits.body_read_timeout_secs, idle_timeout_secs: limits.body_idle_timeout_secs }
    }
}

/// A body stream that fails once the body pauses for longer than `idle` or is still not
/// complete at `deadline`, and records that it did in `expired`.
pub struct TimedBody {
    inner: Rc<RefCell<Payload>>,
    idle: Duration,
    deadline: Instant,
    /// The next moment the read fails; armed at the first poll (a handler may do other work
    /// before it reads) and re-armed by every chunk.
    timer: Option<Pin<Box<Sleep>>>,
    expired: Rc<Cell<bool>>,
    /// Set once the body was read to its end (or the connection failed): nothing is left.
    finished: Rc<Cell<bool>>,
    /// Set once this stream yields nothing more (finished, or timed out).
    ended: bool,
}

impl TimedBody {
    /// Bounds `inner`; `expired` is set when a bound is hit.
    pub fn new(
        inner: Rc<RefCell<Payload>>,
        idle: Duration,
        total: Duration,
        expired: Rc<Cell<bool>>,
        finished: Rc<Cell<bool>>,
    ) -> Self {
        Self { inner, idle, deadline: Instant::now() + total, timer: None, expired, finished, ended: false }
    }

    fn next_timeout(&self) -> Instant {
        (Instant::now() + self.idle).min(self.deadline)
    }
}

impl Stream for TimedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let polled = self.inner.borrow_mut().poll_next_unpin(cx);
        match polled {
            Poll::Ready(Some(Ok(chunk))) => {
                let at = self.next_timeout();
                if let Some(timer) = self.timer.as_mut() {
                    timer.as_mut().reset(at);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(other) => {
                self.ended = true;
                self.finished.set(true);
                Poll::Ready(other)
            }
            Poll::Pending => {
                if self.timer.is_none() {
                    let at = self.next_timeout();
                    self.timer = Some(Box::pin(tokio::time::sleep_until(at)));
                }
                let Some(timer) = self.timer.as_mut() else { return Poll::Pending };
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        self.ended = true;
                        self.expired.set(true);
                        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "the request body arrived too slowly",
                        )))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

/// Whether the request announces a body (a length above 0, or chunked).
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().parse::<u64>().map_or(true, |n| n > 0))
}

/// Middleware: bounds the body read of every request by `limits.body_idle_timeout_secs` and
/// `limits.body_read_timeout_secs`; a request whose body timed out is answered 408. A response
/// sent before its request's body was read to the end (a timeout, a refused upload) closes the
/// connection: keeping it alive would make the server read — and drop — the rest of the body,
/// which is what a refusal must not cost.
pub async fn bound_body_reads(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Most requests (GETs) carry no body: nothing to bound, nothing to allocate.
    if !has_body(&req) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let Some(bounds) = req.app_data::<web::Data<BodyBounds>>().map(|b| *b.get_ref()) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let expired = Rc::new(Cell::new(false));
    let finished = Rc::new(Cell::new(false));
    let payload = Rc::new(RefCell::new(req.take_payload()));
    let idle = Duration::from_secs(bounds.idle_timeout_secs);
    let total = Duration::from_secs(bounds.read_timeout_secs);
    let timed: actix_web::dev::Payload = Payload::Stream {
        payload: Box::pin(TimedBody::new(Rc::clone(&payload), idle, total, Rc::clone(&expired), Rc::clone(&finished))),
    };
    req.set_payload(timed);
    let result = next.call(req).await;
    // actix drains an unread chunked body it sees dropped, to keep the connection alive; the
    // response body holds it until sent, so that actix closes the connection instead.
    let hold_unread = move |res: ServiceResponse<BoxBody>| {
        if finished.get() {
            return res;
        }
        res.map_body(|head, body| {
            head.set_connection_type(ConnectionType::Close);
            BoxBody::new(HoldingUnread { body, _payload: payload })
        })
    };
    if !expired.get() {
        return result.map(|res| hold_unread(res.map_into_boxed_body()));
    }
    let err = ApiError::new(
        ErrorCode::REQUEST_TIMEOUT,
        format!(
            "the request body must arrive within {total} s, without pausing for more than {idle} s",
            total = bounds.read_timeout_secs,
            idle = bounds.idle_timeout_secs
        ),
    );
    match result {
        Ok(res) => {
            let (req, _) = res.into_parts();
            let res = actix_web::ResponseError::error_response(&err);
            Ok(hold_unread(ServiceResponse::new(req, res)))
        }
        // A middleware or extractor failed on the read: the error value is rendered later.
        Err(_) => Err(err.into()),
    }
}

/// A response body that keeps its request's unread body alive until it is sent.
struct HoldingUnread {
    body: BoxBody,
    _payload: Rc<RefCell<Payload>>,
}

impl MessageBody for HoldingUnread {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

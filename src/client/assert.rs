//! Test helpers: assertions on a [`Fetched`] that make the common CORS test
//! one line.
//!
//! **These are for tests.** Each one panics, with a message that says what
//! the browser did instead (the console sentence, the preflight's headers,
//! the readable names), when its expectation does not hold; each is
//! `#[track_caller]`, so the failure points at the test's line. Each
//! returns `&Fetched`, so they chain. A failure on a refused `fetch()`
//! also prints what the server answered and what to change
//! ([`Fetched::advice`]):
//!
//! ```text
//! expected fetch() to resolve, but fetch() rejected (MissingAllowOriginHeader): Access to fetch at ...
//!   what happened: OPTIONS answered 401, without CORS headers (an auth layer?) (preflight)
//!   fix: OPTIONS answered 401: let preflights (OPTIONS) through the auth layer before authentication ...
//! ```
//!
//! ```
//! use browser_cors::client::{Browser, Transport, TransportError};
//! use browser_cors::Request;
//! use bytes::Bytes;
//!
//! /// A server that allows the page's preflight but forgets to expose X-Total.
//! struct Api;
//! impl Transport for Api {
//!     async fn send(&self, req: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> {
//!         let r = http::Response::builder().status(200)
//!             .header("access-control-allow-origin", "https://app.example")
//!             .header("access-control-allow-headers", "x-token")
//!             .header("x-total", "3");
//!         Ok(r.body(Bytes::new()).unwrap())
//!     }
//! }
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let browser = Browser::new(Api, "https://app.example").unwrap();
//! let url = "https://api.example/items".parse().unwrap();
//! browser.fetch(Request::get(url).header("X-Token", "t")).await
//!     .assert_ok()
//!     .assert_preflight_asked_for("x-token")
//!     .assert_not_readable("x-total");
//! # });
//! ```

// Test helpers panic by design: that is how a test fails. Nothing else in
// the crate calls them.
#![allow(clippy::panic)]

use crate::fetch::RequestKind;
use crate::response::Response;

use super::Fetched;

impl Fetched {
    /// What happened, for failure messages: the verdict, the console
    /// sentence, and for a refusal the library's [advice](crate::advice)
    /// (what the server answered, what to change), one `fix:` per line.
    fn describe(&self) -> String {
        match (self.response(), self.error()) {
            (Some(r), _) => format!(
                "fetch() resolved: type {}, status {}, readable headers {:?}",
                r.response_type.as_str(),
                r.status,
                r.header_names()
            ),
            (None, Some(e)) => {
                let mut s = format!("fetch() rejected ({}): {e}", e.reason.code());
                if let Some(advice) = self.advice() {
                    s.push_str(&format!("\n  what happened: {advice}"));
                }
                s
            }
            (None, None) => "fetch() did not finish".to_owned(),
        }
    }

    /// Why script cannot read `name` although the server sent it, if so.
    fn why_hidden(&self, name: &str) -> Option<String> {
        let response = self.response()?;
        let last = self.exchanges.last()?;
        let lower = name.to_ascii_lowercase();
        let sent = last.response_headers.contains_key(lower.as_str());
        if !sent || response.can_read_header(name) {
            return None;
        }
        Some(if response.response_type == crate::ResponseType::Cors {
            if crate::response::is_forbidden_response_header(&lower) {
                format!("\n  the server sent {lower}, which script never reads")
            } else {
                format!(
                    "\n  the server sent {lower}, but script reads only the safelisted headers and those listed in Access-Control-Expose-Headers\n  fix: add {lower} to Access-Control-Expose-Headers"
                )
            }
        } else {
            format!(
                "\n  the server sent {lower}, but a {} response shows script no headers",
                response.response_type.as_str()
            )
        })
    }

    /// The response; panics when `fetch()` rejected (with the console sentence).
    #[track_caller]
    pub fn assert_ok(&self) -> &Fetched {
        if self.response().is_none() {
            panic!("expected fetch() to resolve, but {}", self.describe());
        }
        self
    }

    /// The resolved response, or a panic naming why there is none.
    #[track_caller]
    pub fn expect_response(&self) -> &Response {
        match self.response() {
            Some(r) => r,
            None => panic!("expected fetch() to resolve, but {}", self.describe()),
        }
    }

    /// `fetch()` rejected with this [`CorsError`](crate::CorsError) code
    /// (`"MissingAllowOriginHeader"`, `"PreflightInvalidStatus"`, ...: see
    /// [`CorsError::code`](crate::CorsError::code)).
    #[track_caller]
    pub fn assert_blocked(&self, code: &str) -> &Fetched {
        match self.error() {
            Some(e) if e.reason.code() == code => self,
            _ => panic!(
                "expected fetch() to be blocked with {code}, but {}",
                self.describe()
            ),
        }
    }

    /// `fetch()` resolved with this status (0 for opaque responses).
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Fetched {
        match self.response() {
            Some(r) if r.status == status => self,
            _ => panic!("expected status {status}, but {}", self.describe()),
        }
    }

    /// Script can read the response header `name`.
    #[track_caller]
    pub fn assert_readable(&self, name: &str) -> &Fetched {
        match self.response() {
            Some(r) if r.can_read_header(name) => self,
            _ => panic!(
                "expected script to read header {name:?}, but {}{}",
                self.describe(),
                self.why_hidden(name).unwrap_or_default()
            ),
        }
    }

    /// Script cannot read the response header `name` (or `fetch()` rejected).
    #[track_caller]
    pub fn assert_not_readable(&self, name: &str) -> &Fetched {
        if self.response().is_some_and(|r| r.can_read_header(name)) {
            panic!(
                "expected header {name:?} to be hidden from script, but {}",
                self.describe()
            );
        }
        self
    }

    /// A preflight was sent for this fetch.
    #[track_caller]
    pub fn assert_preflighted(&self) -> &Fetched {
        if !self.preflighted() {
            panic!(
                "expected a preflight, but none was sent (requests: {})",
                self.wire_summary()
            );
        }
        self
    }

    /// No preflight was sent (none was needed, or a cached one was used).
    #[track_caller]
    pub fn assert_not_preflighted(&self) -> &Fetched {
        if self.preflighted() {
            panic!(
                "expected no preflight, but one was sent (requests: {})",
                self.wire_summary()
            );
        }
        self
    }

    /// A preflight listed `header` (case-insensitive) in its
    /// `Access-Control-Request-Headers`.
    #[track_caller]
    pub fn assert_preflight_asked_for(&self, header: &str) -> &Fetched {
        let wanted = header.to_ascii_lowercase();
        let asked: Vec<String> = self
            .exchanges
            .iter()
            .filter(|e| e.request.kind == RequestKind::Preflight)
            .filter_map(|e| e.request.header("access-control-request-headers"))
            .collect();
        if !asked
            .iter()
            .any(|list| list.split(',').any(|n| n.trim() == wanted))
        {
            panic!(
                "expected a preflight asking for {wanted:?}, but the preflights asked for {asked:?} (requests: {})",
                self.wire_summary()
            );
        }
        self
    }

    /// The request that reached the server last carried a `Cookie` header.
    #[track_caller]
    pub fn assert_cookie_sent(&self) -> &Fetched {
        if !self.last_actual_has_cookie() {
            panic!(
                "expected a Cookie header on the request, but none was sent (requests: {}){}",
                self.wire_summary(),
                self.cookie_notes_text()
            );
        }
        self
    }

    /// The cookie `name` went out with the last request that reached the
    /// server; when it did not, the message says why the engine withheld it
    /// (or why it was never stored).
    ///
    /// ```
    /// # use browser_cors::client::{Browser, Transport, TransportError};
    /// # use browser_cors::{CredentialsMode, Request};
    /// # struct Open;
    /// # impl Transport for Open {
    /// #     async fn send(&self, _r: http::Request<bytes::Bytes>) -> Result<http::Response<bytes::Bytes>, TransportError> {
    /// #         Ok(http::Response::builder().status(200)
    /// #             .header("access-control-allow-origin", "https://app.example")
    /// #             .header("access-control-allow-credentials", "true")
    /// #             .body(bytes::Bytes::new()).unwrap())
    /// #     }
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let browser = Browser::new(Open, "https://app.example").unwrap();
    /// let api: url::Url = "https://api.app.example/me".parse().unwrap();
    /// browser.add_cookie("sid=1; SameSite=Lax; Secure", &api).unwrap();
    /// // api.app.example is the page's own site: the Lax cookie goes.
    /// browser.fetch(Request::get(api).credentials(CredentialsMode::Include)).await
    ///     .assert_cookie_named_sent("sid");
    /// # });
    /// ```
    #[track_caller]
    pub fn assert_cookie_named_sent(&self, name: &str) -> &Fetched {
        let sent = self
            .exchanges
            .iter()
            .rev()
            .find(|e| e.request.kind == RequestKind::Actual)
            .and_then(|e| e.request.header("cookie"))
            .is_some_and(|c| {
                c.split("; ")
                    .any(|pair| pair.split('=').next() == Some(name))
            });
        if !sent {
            panic!(
                "expected the cookie `{name}` on the request, but it was not sent (requests: {}){}",
                self.wire_summary(),
                self.cookie_notes_text()
            );
        }
        self
    }

    /// The cookie notes, one per line, for a failure message.
    fn cookie_notes_text(&self) -> String {
        self.cookies.iter().map(|n| format!("\n  {n}")).collect()
    }

    /// No request of this fetch carried a `Cookie` header.
    #[track_caller]
    pub fn assert_no_cookie_sent(&self) -> &Fetched {
        if self
            .exchanges
            .iter()
            .any(|e| e.request.headers.contains("cookie"))
        {
            panic!(
                "expected no Cookie header, but one was sent (requests: {})",
                self.wire_summary()
            );
        }
        self
    }

    fn last_actual_has_cookie(&self) -> bool {
        self.exchanges
            .iter()
            .rev()
            .find(|e| e.request.kind == RequestKind::Actual)
            .is_some_and(|e| e.request.headers.contains("cookie"))
    }

    /// `METHOD url -> status` for each exchange.
    fn wire_summary(&self) -> String {
        let lines: Vec<String> = self
            .exchanges
            .iter()
            .map(|e| {
                let status = e
                    .status
                    .map_or_else(|| "transport error".to_owned(), |s| s.as_u16().to_string());
                format!("{} {} -> {status}", e.request.method, e.request.url)
            })
            .collect();
        if lines.is_empty() {
            "none".to_owned()
        } else {
            lines.join("; ")
        }
    }
}

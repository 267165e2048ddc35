//! # browser-cors
//!
//! What a browser does about CORS, without a browser. `browser-cors` puts the
//! browser's half of the [Fetch standard](https://fetch.spec.whatwg.org/)
//! between an HTTP client and the network: it decides whether a preflight is
//! needed and builds it, checks every response the way Chromium (or Firefox,
//! or WebKit) does, filters what script may read, follows redirects under
//! CORS rules, keeps a preflight cache, and explains each refusal in the
//! words of the browser's console.
//!
//! The core is a sans-IO state machine, [`Fetch`]: it is given requests,
//! response heads and the current time, and answers with the next request to
//! send or the final, browser-visible [`Outcome`].
//!
//! With the `client` feature, `client::Browser` drives the machine over a
//! real HTTP client (`reqwest`, a `reqwest_middleware` chain with the
//! `middleware` feature, or any tower service in-process with the `tower`
//! feature) and keeps a preflight cache and a cookie jar between fetches.
//!
//! ```
//! use browser_cors::{Action, Fetch, PreflightCache, Profile, Request, origin::parse_origin};
//! use std::time::Instant;
//!
//! let page = parse_origin("https://app.example").unwrap();
//! let req = Request::get("https://api.example/data".parse().unwrap()).header("X-Token", "secret");
//! let (mut cache, now) = (PreflightCache::default(), Instant::now());
//! let mut fetch = Fetch::new(&Profile::chromium(), &page, req);
//! let Action::Send(preflight) = fetch.poll(&mut cache, now) else { unreachable!() };
//! assert_eq!(preflight.header("access-control-request-headers").as_deref(), Some("x-token"));
//! // The server forgot Access-Control-Allow-Headers:
//! let answer = http::Response::builder().status(204)
//!     .header("access-control-allow-origin", "https://app.example").body(()).unwrap();
//! fetch.on_response(&answer, &mut cache, now);
//! let Action::Done(outcome) = fetch.poll(&mut cache, now) else { unreachable!() };
//! assert!(outcome.error().unwrap().to_string().ends_with(
//!     "Request header field x-token is not allowed by Access-Control-Allow-Headers in preflight response."));
//! ```
#![forbid(unsafe_code)]
// docs.rs (nightly, `--cfg docsrs`) marks each item with the feature it
// needs; `doc_cfg` now also does what `doc_auto_cfg` did. Stable builds
// never see the attribute.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod advice;
pub mod cache;
pub mod check;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "conformance")]
#[cfg_attr(docsrs, doc(cfg(feature = "conformance")))]
pub mod conformance;
pub mod cookie;
pub mod corp;
#[cfg(any(feature = "conformance", feature = "fuzzing", test))]
mod drive;
pub mod error;
pub mod fetch;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod headers;
pub mod input;
pub mod local_network;
pub mod mime;
pub mod mixed_content;
pub mod origin;
pub mod page;
pub mod preflight;
pub mod profile;
pub mod range;
pub mod redirect;
pub mod request;
pub mod response;
pub mod safelist;

pub use advice::{Advice, Cause, PreflightNeed, Seen, Stack, advise, preflight_need};
pub use cache::PreflightCache;
pub use cookie::{CookieJar, CookieNote};
pub use corp::EmbedderPolicy;
pub use error::{CorsError, InputError, NetworkError, Stage};
pub use fetch::{
    Action, BrowserState, Credentials, Fetch, Outcome, RequestKind, Store, WireRequest,
};
pub use headers::HeaderList;
pub use local_network::{AddressSpace, LocalNetworkPermissions, PermissionState};
pub use page::{InsecureRequests, Page};
pub use profile::{Engine, Profile};
pub use request::{CredentialsMode, Mode, RedirectMode, Request};
pub use response::{Response, ResponseHeaders, ResponseType};

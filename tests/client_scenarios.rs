//! The shared scenario suite: every step of every vector file, run through
//! each adapter over a real HTTP stack, must give what the core replayer
//! computes for the same routes.
//!
//! - `reqwest`: `Browser<ReqwestTransport>` against three wiremock servers on
//!   loopback (`{A}` and `{B}` on 127.0.0.1, `{C}` reached as `localhost`, so
//!   it is cross-site with `{A}`).
//! - `middleware`: a `reqwest_middleware::ClientWithMiddleware` with
//!   `BrowserMiddleware`, against three more wiremock servers.
//! - `tower`: `Browser<TowerTransport<_>>` over an in-process tower service
//!   that serves the same routes (no socket: the in-process path).
//! - `actix`: `Browser<ActixTransport<_>>` over an actix-web app built with
//!   `actix_web::test::init_service` serving the same routes (in-process, not
//!   `Send`: run on an actix `System` on its own thread, with `fetch_local`).
//!
//! The servers are the scenario's script: a request is served by the first
//! matching route (404 otherwise), and logged (method, origin and path,
//! `Origin`, `Access-Control-Request-*`, whether a `Cookie` came). The
//! outcome compared per step is the one the vectors define: result, type,
//! status, redirected, url, readable header names and that server log.
//!
//! A real HTTP server adds headers a route did not ask for (hyper adds
//! `content-length` and `date`; the recording server added none). The names
//! a route did not send are removed from the readable names before the
//! comparison, exactly those, found by diffing what the server wrote with
//! what arrived.
//!
//! Steps that cannot be expressed through an adapter are listed in
//! `EXCLUDED` with the reason; an excluded step that starts to agree fails
//! the test, as does any other step that disagrees.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use browser_cors::client::actix::ActixTransport;
use browser_cors::client::middleware::{BrowserError, BrowserMiddleware};
use browser_cors::client::reqwest::ReqwestTransport;
use browser_cors::client::tower::TowerTransport;
use browser_cors::client::{Browser, Fetched, LocalDynTransport};
use browser_cors::conformance::{
    Expectation, LogEntry, Origins, Route, Scenario, StepReport, engine_of_file, js_bytes,
    js_string, replay,
};
use browser_cors::{Engine, Outcome, Request};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use http_body_util::Full;
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Adapter {
    Reqwest,
    Middleware,
    Tower,
    Actix,
}

/// (file, scenario, step, adapter, why the adapter cannot reproduce it).
const EXCLUDED: &[(&str, &str, usize, Adapter, &str)] = &[
    (
        "chromium-156.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Reqwest,
        DEL,
    ),
    (
        "chromium-156.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Middleware,
        DEL,
    ),
    (
        "chromium-156.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Tower,
        DEL,
    ),
    (
        "firefox-153.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Reqwest,
        DEL,
    ),
    (
        "firefox-153.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Middleware,
        DEL,
    ),
    (
        "firefox-153.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Tower,
        DEL,
    ),
    (
        "webkit-2.50.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Reqwest,
        DEL,
    ),
    (
        "webkit-2.50.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Middleware,
        DEL,
    ),
    (
        "webkit-2.50.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Tower,
        DEL,
    ),
    (
        "chromium-156.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Actix,
        DEL,
    ),
    (
        "firefox-153.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Actix,
        DEL,
    ),
    (
        "webkit-2.50.json",
        "safelist/accept-unsafe-byte-del",
        0,
        Adapter::Actix,
        DEL,
    ),
];

/// Why `safelist/accept-unsafe-byte-del` is excluded everywhere.
const DEL: &str = "the script's Accept value holds a DEL byte (0x7F): the browser preflights \
and sends it, but the http crate's HeaderValue refuses 0x7F, so no Rust HTTP stack built on it \
(reqwest, hyper, tower) can put it on the wire; the Browser reports a network error after the \
preflight instead (and the middleware cannot even build the reqwest::Request)";

/// The scenario's server: its routes and what it received.
#[derive(Default)]
struct World {
    routes: Vec<Route>,
    log: Vec<LogEntry>,
    /// The header names each logged request was answered with.
    served: Vec<BTreeSet<String>>,
}

type Shared = Arc<Mutex<World>>;

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| *c != b' ' && *c != b'\t')
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| *c != b' ' && *c != b'\t')
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// Serves one request as origin `key` (`{A}`, `{B}` or `{C}`) and logs it.
fn serve(
    world: &Shared,
    origins: &Origins,
    key: &str,
    method: &str,
    path: &str,
    headers: &HeaderMap,
) -> (u16, Vec<(HeaderName, HeaderValue)>, Vec<u8>) {
    let mut world = world.lock().unwrap();
    let get = |name: &str| {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| js_string(v.as_bytes()))
            .collect();
        (!values.is_empty()).then(|| origins.unfill(&values.join(", ")))
    };
    let entry = LogEntry {
        method: method.to_owned(),
        origin_url: format!("{key}{path}"),
        origin: get("origin"),
        acrm: get("access-control-request-method"),
        acrh: get("access-control-request-headers"),
        cookie: headers.contains_key("cookie"),
        cookies: Some(
            headers
                .get_all("cookie")
                .iter()
                .flat_map(|v| {
                    js_string(v.as_bytes())
                        .split("; ")
                        .map(|p| p.split('=').next().unwrap_or_default().to_owned())
                        .collect::<Vec<_>>()
                })
                .collect(),
        ),
        sec_fetch_mode: get("sec-fetch-mode"),
        sec_fetch_site: get("sec-fetch-site"),
        request_headers: None,
    };
    world.log.push(entry);
    let route = world
        .routes
        .iter()
        .find(|r| r.origin == key && r.path == path && (r.method == "*" || r.method == method))
        .cloned();
    let Some(route) = route else {
        world.served.push(BTreeSet::new());
        return (404, Vec::new(), Vec::new());
    };
    let mut out = Vec::new();
    for (name, value) in &route.headers {
        let filled = js_bytes(&origins.fill(value));
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(trim(&filled)),
        ) {
            out.push((n, v));
        }
    }
    world
        .served
        .push(out.iter().map(|(n, _)| n.as_str().to_owned()).collect());
    let body = route.body.clone().unwrap_or_default().into_bytes();
    (route.status, out, body)
}

/// A wiremock responder for one origin.
struct Responder {
    world: Shared,
    origins: Origins,
    key: &'static str,
}

impl wiremock::Respond for Responder {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let (status, headers, body) = serve(
            &self.world,
            &self.origins,
            self.key,
            request.method.as_str(),
            request.url.path(),
            &request.headers,
        );
        let mut template = wiremock::ResponseTemplate::new(status);
        for (n, v) in headers {
            template = template.append_header(n, v);
        }
        template.set_body_bytes(body)
    }
}

/// Three wiremock servers for `{A}`, `{B}`, `{C}`.
async fn start_servers(world: &Shared) -> (Origins, Vec<wiremock::MockServer>) {
    let servers = vec![
        wiremock::MockServer::start().await,
        wiremock::MockServer::start().await,
        wiremock::MockServer::start().await,
    ];
    let port = |s: &wiremock::MockServer| s.address().port();
    let origins = Origins {
        a: format!("http://127.0.0.1:{}", port(&servers[0])),
        b: format!("http://127.0.0.1:{}", port(&servers[1])),
        c: format!("http://localhost:{}", port(&servers[2])),
        ..Origins::default()
    };
    // `unfill` replaces text: no origin may be a prefix of another.
    let ports: Vec<String> = servers.iter().map(|s| port(s).to_string()).collect();
    for p in &ports {
        for q in &ports {
            assert!(
                p == q || !q.starts_with(p.as_str()),
                "ports {ports:?} overlap as text"
            );
        }
    }
    for (server, key) in servers.iter().zip(["{A}", "{B}", "{C}"]) {
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(Responder {
                world: Arc::clone(world),
                origins: origins.clone(),
                key,
            })
            .mount(server)
            .await;
    }
    (origins, servers)
}

/// The in-process app serving the same routes for all three origins.
fn tower_app(world: Shared, origins: Origins) -> App {
    App::new(tower::service_fn(move |req: http::Request<Full<Bytes>>| {
        let world = Arc::clone(&world);
        let origins = origins.clone();
        async move {
            let origin = format!(
                "{}://{}",
                req.uri().scheme_str().unwrap_or("http"),
                req.uri().authority().map(|a| a.as_str()).unwrap_or("")
            );
            let key = if origin == origins.a {
                "{A}"
            } else if origin == origins.b {
                "{B}"
            } else if origin == origins.c {
                "{C}"
            } else {
                return Err(format!("connection refused: no server at {origin}"));
            };
            let (status, headers, body) = serve(
                &world,
                &origins,
                key,
                req.method().as_str(),
                req.uri().path(),
                req.headers(),
            );
            let mut response = http::Response::new(Full::new(Bytes::from(body)));
            *response.status_mut() =
                http::StatusCode::from_u16(status).map_err(|e| e.to_string())?;
            for (n, v) in headers {
                response.headers_mut().append(n, v);
            }
            Ok(response)
        }
    }))
}

/// The in-process actix-web app serving the same routes for all three
/// origins, boxed (`init_service`'s type cannot be named).
async fn actix_app(world: Shared, origins: Origins) -> Box<dyn LocalDynTransport> {
    let handler = move |req: actix_web::HttpRequest| {
        let world = Arc::clone(&world);
        let origins = origins.clone();
        async move {
            let origin = format!(
                "{}://{}",
                req.uri().scheme_str().unwrap_or("http"),
                req.uri().authority().map(|a| a.as_str()).unwrap_or("")
            );
            let key = if origin == origins.a {
                "{A}"
            } else if origin == origins.b {
                "{B}"
            } else if origin == origins.c {
                "{C}"
            } else {
                return actix_web::HttpResponse::BadGateway()
                    .body(format!("no server at {origin}"));
            };
            // actix-web 4 speaks http 0.2: carry the headers over as bytes.
            let mut headers = HeaderMap::new();
            for (n, v) in req.headers() {
                headers.append(
                    HeaderName::from_bytes(n.as_str().as_bytes()).unwrap(),
                    HeaderValue::from_bytes(v.as_bytes()).unwrap(),
                );
            }
            let (status, out, body) = serve(
                &world,
                &origins,
                key,
                req.method().as_str(),
                req.uri().path(),
                &headers,
            );
            let mut response = actix_web::HttpResponse::build(
                actix_web::http::StatusCode::from_u16(status).unwrap(),
            );
            for (n, v) in out {
                response.append_header((n.as_str(), v.as_bytes()));
            }
            response.body(body)
        }
    };
    let app = actix_web::test::init_service(
        actix_web::App::new().default_service(actix_web::web::to(handler)),
    )
    .await;
    Box::new(ActixTransport::new(app))
}

type App = tower::util::BoxCloneSyncService<
    http::Request<Full<Bytes>>,
    http::Response<Full<Bytes>>,
    String,
>;

/// One adapter's browser for one scenario.
enum Client {
    Reqwest(Browser<ReqwestTransport>),
    Middleware(reqwest_middleware::ClientWithMiddleware, BrowserMiddleware),
    Tower(Browser<TowerTransport<App>>),
    Actix(Browser<Box<dyn LocalDynTransport>>),
}

/// The outcome of one step through an adapter: the Fetched, or why the
/// step cannot be expressed through it.
async fn run(client: &Client, request: Request) -> Result<Fetched, String> {
    match client {
        Client::Reqwest(b) => Ok(b.fetch(request).await),
        Client::Tower(b) => Ok(b.fetch(request).await),
        Client::Actix(b) => Ok(b.fetch_local(request).await),
        Client::Middleware(c, mw) => {
            let method = reqwest::Method::from_bytes(request.method.as_bytes())
                .map_err(|e| format!("reqwest cannot carry method {:?}: {e}", request.method))?;
            let mut req = reqwest::Request::new(method, request.url.clone());
            for (n, v) in &request.headers {
                let name = HeaderName::from_bytes(n.as_bytes())
                    .map_err(|e| format!("reqwest cannot carry header name {n:?}: {e}"))?;
                let value = HeaderValue::from_bytes(v)
                    .map_err(|e| format!("reqwest cannot carry the value of {n:?}: {e}"))?;
                req.headers_mut().append(name, value);
            }
            if let Some(body) = &request.body {
                *req.body_mut() = Some(reqwest::Body::from(body.clone()));
            }
            let mut ext = http::Extensions::new();
            ext.insert(request.mode);
            ext.insert(request.credentials);
            ext.insert(request.redirect);
            let before = mw.browser().trace().len();
            match c.execute_with_extensions(req, &mut ext).await {
                Ok(response) => {
                    let fetched = response
                        .extensions()
                        .get::<Fetched>()
                        .cloned()
                        .ok_or("no Fetched in the response extensions")?;
                    // What the reqwest caller sees must be the filtered response.
                    let r = fetched.response().ok_or("Ok without a response")?;
                    assert_eq!(response.status().as_u16(), r.status);
                    assert_eq!(response.headers(), &r.headers.to_header_map());
                    if let Some(url) = &r.url {
                        assert_eq!(response.url(), url);
                    }
                    let body = response.bytes().await.map_err(|e| e.to_string())?;
                    assert_eq!(Some(body), fetched.body);
                    Ok(fetched)
                }
                Err(reqwest_middleware::Error::Middleware(e)) => {
                    match e.downcast_ref::<BrowserError>() {
                        Some(BrowserError::Opaque(fetched)) => Ok((**fetched).clone()),
                        Some(BrowserError::Blocked(error)) => Ok(Fetched {
                            outcome: Outcome::NetworkError((**error).clone()),
                            body: None,
                            exchanges: mw.browser().trace().split_off(before).into(),
                            cookies: Vec::new(),
                        }),
                        _ => Err(format!("middleware error: {e}")),
                    }
                }
                Err(e) => Err(format!("reqwest error: {e}")),
            }
        }
    }
}

/// What the step gave, in the vectors' terms.
fn observe(fetched: &Fetched, world: &World, origins: &Origins) -> Expectation {
    let log = world.log.clone();
    match &fetched.outcome {
        Outcome::NetworkError(_) => Expectation::network_error(log),
        Outcome::Response(r) => {
            // Names the server's HTTP stack added to the last response.
            let added: BTreeSet<String> = match (fetched.exchanges.last(), world.served.last()) {
                (Some(e), Some(served)) => e
                    .response_headers
                    .keys()
                    .map(|k| k.as_str().to_owned())
                    .filter(|k| !served.contains(k))
                    .collect(),
                _ => BTreeSet::new(),
            };
            let mut observed = Expectation::response(r, origins, log);
            if let Some(names) = observed.headers.as_mut() {
                names.retain(|n| !added.contains(n));
            }
            observed
        }
    }
}

struct Tally {
    steps: usize,
    agree_replayer: usize,
    agree_recording: usize,
    problems: Vec<String>,
}

async fn run_adapter(
    file: &str,
    scenarios: &[Scenario],
    engine: Engine,
    replayed: &[StepReport],
    adapter: Adapter,
) -> Tally {
    let world: Shared = Arc::default();
    let (origins, _servers) = match adapter {
        Adapter::Tower | Adapter::Actix => (
            Origins {
                a: "http://127.0.0.1:8001".into(),
                b: "http://127.0.0.1:8002".into(),
                c: "http://localhost:8003".into(),
                ..Origins::default()
            },
            Vec::new(),
        ),
        _ => start_servers(&world).await,
    };
    let cookie_url = Url::parse(&format!("{}/", origins.a)).unwrap();
    let mut tally = Tally {
        steps: 0,
        agree_replayer: 0,
        agree_recording: 0,
        problems: Vec::new(),
    };
    // One client per run (building one reads the system's root certificates);
    // each scenario gets a fresh Browser, so a fresh cache and jar.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut reports = replayed.iter();
    for scenario in scenarios {
        world.lock().unwrap().routes = scenario.routes.clone();
        let client = match adapter {
            Adapter::Reqwest => {
                let b = Browser::with_engine(
                    ReqwestTransport::from_client(http.clone()),
                    &origins.a,
                    engine,
                )
                .unwrap();
                b.add_cookie("cred=1; Path=/", &cookie_url).unwrap();
                Client::Reqwest(b)
            }
            Adapter::Middleware => {
                let inner = http.clone();
                let mw = BrowserMiddleware::with_engine(&origins.a, engine).unwrap();
                mw.browser()
                    .add_cookie("cred=1; Path=/", &cookie_url)
                    .unwrap();
                let c = reqwest_middleware::ClientBuilder::new(inner)
                    .with(mw.clone())
                    .build();
                Client::Middleware(c, mw)
            }
            Adapter::Tower => {
                let app = tower_app(Arc::clone(&world), origins.clone());
                let b = Browser::with_engine(TowerTransport::new(app), &origins.a, engine).unwrap();
                b.add_cookie("cred=1; Path=/", &cookie_url).unwrap();
                Client::Tower(b)
            }
            Adapter::Actix => {
                let app = actix_app(Arc::clone(&world), origins.clone()).await;
                let b = Browser::with_engine(app, &origins.a, engine).unwrap();
                b.add_cookie("cred=1; Path=/", &cookie_url).unwrap();
                Client::Actix(b)
            }
        };
        for (index, step) in scenario.steps.iter().enumerate() {
            let report = reports.next().expect("the replayer reports every step");
            assert_eq!(
                (report.id.as_str(), report.step),
                (scenario.id.as_str(), index)
            );
            if step.wait_ms > 0 {
                tokio::time::sleep(Duration::from_millis(step.wait_ms)).await;
            }
            {
                let mut w = world.lock().unwrap();
                w.log.clear();
                w.served.clear();
            }
            tally.steps += 1;
            let outcome = match step.fetch.request(&origins) {
                Some(request) => run(&client, request).await,
                None => Err("the URL does not parse".into()),
            };
            let excluded = EXCLUDED.iter().find(|(f, id, s, a, _)| {
                *f == file && *id == scenario.id && *s == index && *a == adapter
            });
            let observed = outcome.map(|f| observe(&f, &world.lock().unwrap(), &origins));
            let diff = match &observed {
                Ok(o) => report.observed.differences(o),
                Err(why) => vec![if why.is_empty() {
                    "error".to_owned()
                } else {
                    "inexpressible".to_owned()
                }],
            };
            if let Ok(o) = &observed {
                if step.expect.differences(o).is_empty() {
                    tally.agree_recording += 1;
                }
            }
            match (diff.is_empty(), excluded) {
                (true, None) => tally.agree_replayer += 1,
                (true, Some((.., why))) => tally.problems.push(format!(
                    "{adapter:?} {} step {index} now agrees; remove it from EXCLUDED ({why})",
                    scenario.id
                )),
                (false, None) => tally.problems.push(format!(
                    "{adapter:?} {} step {index}: {} differ\n  adapter:  {}\n  replayer: {}",
                    scenario.id,
                    diff.join(", "),
                    match &observed {
                        Ok(o) => serde_json::to_string(o).unwrap(),
                        Err(e) => e.clone(),
                    },
                    serde_json::to_string(&report.observed).unwrap()
                )),
                (false, Some(_)) => {}
            }
        }
    }
    tally
}

async fn check(file: &str) {
    let path = format!("{}/spec-tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let scenarios: Vec<Scenario> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let engine = engine_of_file(file).unwrap_or(Engine::Chromium);
    let replayed = replay(file, &scenarios, &engine.profile());
    // The actix app is not Send: it runs on an actix System of its own thread.
    let (a, (r, m, t)) = std::thread::scope(|scope| {
        let actix = scope.spawn(|| {
            actix_web::rt::System::new().block_on(run_adapter(
                file,
                &scenarios,
                engine,
                &replayed,
                Adapter::Actix,
            ))
        });
        let others = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                tokio::join!(
                    run_adapter(file, &scenarios, engine, &replayed, Adapter::Reqwest),
                    run_adapter(file, &scenarios, engine, &replayed, Adapter::Middleware),
                    run_adapter(file, &scenarios, engine, &replayed, Adapter::Tower),
                )
            })
        });
        (actix.join().expect("the actix adapter panicked"), others)
    });
    let mut problems = Vec::new();
    for (adapter, tally) in [
        ("reqwest", r),
        ("middleware", m),
        ("tower", t),
        ("actix", a),
    ] {
        let excluded = EXCLUDED
            .iter()
            .filter(|(f, .., a, _)| *f == file && format!("{a:?}").to_lowercase() == adapter)
            .count();
        println!(
            "{file} {adapter}: {}/{} steps agree with the replayer ({} excluded), {}/{} with the recording",
            tally.agree_replayer, tally.steps, excluded, tally.agree_recording, tally.steps
        );
        assert!(tally.steps > 200, "{file}: only {} steps", tally.steps);
        problems.extend(tally.problems);
    }
    assert!(
        problems.is_empty(),
        "{file}: {} problems\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_156_through_every_adapter() {
    check("chromium-156.json").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firefox_153_through_every_adapter() {
    check("firefox-153.json").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webkit_2_50_through_every_adapter() {
    check("webkit-2.50.json").await;
}

//! `audit` against six server stacks, each with five common mistakes:
//! wildcard origin with credentials, methods/headers not allowed, CORS
//! headers dropped on error responses, an auth layer that rejects
//! preflights, and OPTIONS not handled. The servers are in-process loopback
//! servers that send, header for header, what those stacks send in each
//! case (the comments say which configuration produces it); the expected
//! root causes and fixes are written for each case, not copied from the
//! program.

#[allow(dead_code)]
#[path = "../src/cli/server.rs"]
mod server;

use std::process::{Command, Output};

use server::Route;

const PAGE: &str = "https://app.example";

fn start(routes: Vec<Route>) -> u16 {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(l.local_addr().unwrap().port()).unwrap();
            server::serve(l, routes).await;
        });
    });
    rx.recv().unwrap()
}

fn audit(port: u16, path: &str, extra: &[&str]) -> Output {
    let url = format!("http://127.0.0.1:{port}{path}");
    let mut args = vec!["audit", url.as_str(), "--origin", PAGE];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_browser-cors"))
        .args(&args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .output()
        .unwrap()
}

/// The "Root causes:" block of the text output.
fn causes_text(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let block: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Root causes:"))
        .take_while(|l| !l.is_empty())
        .collect();
    block.join("\n")
}

/// One expected root cause: its kind, the rows it explains, and its first
/// fix (the framework's setting).
struct Cause {
    cause: &'static str,
    rows: &'static [u64],
    fix: &'static str,
}

const fn cause(cause: &'static str, rows: &'static [u64], fix: &'static str) -> Cause {
    Cause { cause, rows, fix }
}

/// Runs `audit --json` on `/{stack}/{case}` and compares its causes.
fn expect(port: u16, stack: &str, case: &str, args: &[&str], server: &str, expected: &[Cause]) {
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let o = audit(port, &format!("/{stack}/{case}"), &with_json);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stack}/{case}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["server"], server, "{stack}/{case}");
    let got = v["causes"].as_array().unwrap();
    assert_eq!(got.len(), expected.len(), "{stack}/{case}: {got:#?}");
    for (g, e) in got.iter().zip(expected) {
        assert_eq!(g["cause"], e.cause, "{stack}/{case}");
        assert_eq!(g["rows"], serde_json::json!(e.rows), "{stack}/{case}");
        assert_eq!(g["fixes"][0], e.fix, "{stack}/{case}");
    }
}

fn route(method: &str, path: &str, status: u16, headers: &[(&str, &str)]) -> Route {
    let mut r = Route::new(method, path, status);
    for (n, v) in headers {
        r = r.header(n, v);
    }
    r
}

/// The response a working CORS setup gives a credentialed GET.
const ECHO_CREDENTIALED: [(&str, &str); 3] = [
    ("Access-Control-Allow-Origin", PAGE),
    ("Access-Control-Allow-Credentials", "true"),
    ("Vary", "Origin"),
];

// ---- Express 4 with the cors package (X-Powered-By: Express everywhere).

fn express() -> Vec<Route> {
    let xp = ("X-Powered-By", "Express");
    // finalhandler's error page (Express's default error handler).
    let error_page = [
        xp,
        ("Content-Security-Policy", "default-src 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Type", "text/html; charset=utf-8"),
    ];
    vec![
        // cors({ origin: '*', credentials: true })
        route(
            "OPTIONS",
            "/express/wild",
            204,
            &[
                xp,
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Credentials", "true"),
                (
                    "Access-Control-Allow-Methods",
                    "GET,HEAD,PUT,PATCH,POST,DELETE",
                ),
                ("Vary", "Access-Control-Request-Headers"),
                ("Access-Control-Allow-Headers", "content-type"),
                ("Content-Length", "0"),
            ],
        ),
        route(
            "*",
            "/express/wild",
            200,
            &[
                xp,
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Credentials", "true"),
                ("Content-Type", "application/json; charset=utf-8"),
                ("ETag", "W/\"2-vyGp6PvFo4RvsFtPoIWeCReyIC8\""),
            ],
        )
        .body("{}"),
        // cors({ origin: [PAGE], methods: ['GET', 'POST'], allowedHeaders: ['Content-Type'] })
        route(
            "OPTIONS",
            "/express/methods",
            204,
            &[
                xp,
                ("Access-Control-Allow-Origin", PAGE),
                ("Vary", "Origin"),
                ("Access-Control-Allow-Methods", "GET,POST"),
                ("Access-Control-Allow-Headers", "Content-Type"),
                ("Content-Length", "0"),
            ],
        ),
        route(
            "*",
            "/express/methods",
            200,
            &[
                xp,
                ("Access-Control-Allow-Origin", PAGE),
                ("Vary", "Origin"),
                ("Content-Type", "application/json; charset=utf-8"),
            ],
        )
        .body("{}"),
        // app.options('*', cors()) first, then a middleware that throws,
        // then app.use(cors()): the preflight passes, the GET's 500 comes
        // from finalhandler before cors() ran.
        route(
            "OPTIONS",
            "/express/error",
            204,
            &[
                xp,
                ("Access-Control-Allow-Origin", PAGE),
                ("Vary", "Origin, Access-Control-Request-Headers"),
                (
                    "Access-Control-Allow-Methods",
                    "GET,HEAD,PUT,PATCH,POST,DELETE",
                ),
                ("Access-Control-Allow-Headers", "x-token"),
                ("Content-Length", "0"),
            ],
        ),
        route("*", "/express/error", 500, &error_page).body("<pre>Internal Server Error</pre>"),
        // app.use(requireSession) before app.use(cors({ origin: [PAGE], credentials: true })):
        // the preflight carries no cookie and gets 401; the GET with the cookie passes.
        route("OPTIONS", "/express/auth", 401, &error_page).body("<pre>Unauthorized</pre>"),
        route(
            "*",
            "/express/auth",
            200,
            &[
                xp,
                ECHO_CREDENTIALED[0],
                ECHO_CREDENTIALED[1],
                ECHO_CREDENTIALED[2],
            ],
        )
        .body("{}"),
        // No cors at all: Express answers OPTIONS itself, 200 with Allow.
        route(
            "OPTIONS",
            "/express/options",
            200,
            &[
                xp,
                ("Allow", "GET,HEAD,PUT"),
                ("Content-Type", "text/html; charset=utf-8"),
                ("ETag", "W/\"c-wZQW5T5bQgNk2hC2y3nqGOk5ZU8\""),
            ],
        )
        .body("GET,HEAD,PUT"),
        route(
            "*",
            "/express/options",
            200,
            &[xp, ("Content-Type", "application/json; charset=utf-8")],
        )
        .body("{}"),
        // express.static before cors(): serve-static passes OPTIONS on, no
        // route matches, and finalhandler answers 404 "Cannot OPTIONS".
        route("OPTIONS", "/express/static", 404, &error_page)
            .body("<pre>Cannot OPTIONS /express/static</pre>"),
        route(
            "*",
            "/express/static",
            200,
            &[xp, ("Content-Type", "application/json; charset=UTF-8")],
        )
        .body("{}"),
    ]
}

// ---- Flask with flask-cors, on Werkzeug's server.

fn flask() -> Vec<Route> {
    let server = ("Server", "Werkzeug/3.0.1 Python/3.12.1");
    let html = ("Content-Type", "text/html; charset=utf-8");
    let json = ("Content-Type", "application/json");
    vec![
        // A hand-written after_request that sets * and credentials (flask-cors
        // itself refuses that combination).
        route(
            "OPTIONS",
            "/flask/wild",
            200,
            &[
                server,
                html,
                ("Allow", "HEAD, GET, PUT, OPTIONS"),
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "GET, PUT"),
                ("Access-Control-Allow-Headers", "Content-Type"),
                ("Content-Length", "0"),
            ],
        ),
        route(
            "*",
            "/flask/wild",
            200,
            &[
                server,
                json,
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Credentials", "true"),
            ],
        )
        .body("{}"),
        // CORS(app, origins=[PAGE], methods=['GET', 'POST'], allow_headers=['Content-Type']):
        // flask-cors leaves out Allow-Headers when the asked header is not allowed.
        route(
            "OPTIONS",
            "/flask/methods",
            200,
            &[
                server,
                html,
                ("Allow", "PUT, HEAD, GET, OPTIONS"),
                ("Access-Control-Allow-Origin", PAGE),
                ("Access-Control-Allow-Methods", "GET, POST"),
                ("Vary", "Origin"),
                ("Content-Length", "0"),
            ],
        ),
        route(
            "*",
            "/flask/methods",
            200,
            &[
                server,
                json,
                ("Access-Control-Allow-Origin", PAGE),
                ("Vary", "Origin"),
            ],
        )
        .body("{}"),
        // debug=True: an unhandled exception gives Werkzeug's debugger page,
        // which flask-cors's after_request never sees. The preflight is
        // flask-cors's (allow_headers='*' echoes the asked header).
        route(
            "OPTIONS",
            "/flask/error",
            200,
            &[
                server,
                html,
                ("Allow", "HEAD, GET, OPTIONS"),
                ("Access-Control-Allow-Origin", PAGE),
                ("Access-Control-Allow-Headers", "x-token"),
                (
                    "Access-Control-Allow-Methods",
                    "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT",
                ),
                ("Vary", "Origin"),
                ("Content-Length", "0"),
            ],
        ),
        route("*", "/flask/error", 500, &[server, html])
            .body("<!doctype html><title>ZeroDivisionError</title>"),
        // A before_request that aborts 401 without a session: flask-cors's
        // after_request still adds its headers to the 401.
        route(
            "OPTIONS",
            "/flask/auth",
            401,
            &[
                server,
                html,
                ("Access-Control-Allow-Origin", PAGE),
                ("Access-Control-Allow-Credentials", "true"),
                ("Vary", "Origin"),
            ],
        )
        .body("<title>401 Unauthorized</title>"),
        route(
            "*",
            "/flask/auth",
            200,
            &[
                server,
                json,
                ECHO_CREDENTIALED[0],
                ECHO_CREDENTIALED[1],
                ECHO_CREDENTIALED[2],
            ],
        )
        .body("{}"),
        // No flask-cors: Flask's automatic OPTIONS, 200 with Allow.
        route(
            "OPTIONS",
            "/flask/options",
            200,
            &[
                server,
                html,
                ("Allow", "HEAD, GET, PUT, OPTIONS"),
                ("Content-Length", "0"),
            ],
        ),
        route("*", "/flask/options", 200, &[server, json]).body("{}"),
    ]
}

// ---- Django with django-cors-headers, on runserver, SecurityMiddleware on.

fn django() -> Vec<Route> {
    let base = [
        ("Server", "WSGIServer/0.2 CPython/3.12.1"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    vec![
        // A custom middleware that sets * and credentials (django-cors-headers
        // echoes the origin when credentials are allowed).
        route(
            "OPTIONS",
            "/django/wild",
            200,
            &with(&[
                ("Allow", "GET, PUT, OPTIONS"),
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "GET, PUT"),
                ("Access-Control-Allow-Headers", "content-type"),
                ("Content-Length", "0"),
            ]),
        ),
        route(
            "*",
            "/django/wild",
            200,
            &with(&[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Credentials", "true"),
            ]),
        )
        .body("{}"),
        // CORS_ALLOWED_ORIGINS = [PAGE]; CORS_ALLOW_METHODS = ("GET", "POST");
        // CORS_ALLOW_HEADERS left at default_headers.
        route(
            "OPTIONS",
            "/django/methods",
            200,
            &with(&[
                ("Vary", "origin"),
                ("Access-Control-Allow-Origin", PAGE),
                (
                    "Access-Control-Allow-Headers",
                    "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with",
                ),
                ("Access-Control-Allow-Methods", "GET, POST"),
                ("Access-Control-Max-Age", "86400"),
                ("Content-Length", "0"),
            ]),
        ),
        route(
            "*",
            "/django/methods",
            200,
            &with(&[("Vary", "origin"), ("Access-Control-Allow-Origin", PAGE)]),
        )
        .body("{}"),
        // A middleware above CorsMiddleware raises: Django's 500 page never
        // passes through CorsMiddleware. The preflight is answered by it.
        route(
            "OPTIONS",
            "/django/error",
            200,
            &with(&[
                ("Vary", "origin"),
                ("Access-Control-Allow-Origin", PAGE),
                (
                    "Access-Control-Allow-Headers",
                    "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with, x-token",
                ),
                (
                    "Access-Control-Allow-Methods",
                    "DELETE, GET, OPTIONS, PATCH, POST, PUT",
                ),
                ("Access-Control-Max-Age", "86400"),
                ("Content-Length", "0"),
            ]),
        ),
        route("*", "/django/error", 500, &base).body("<h1>Server Error (500)</h1>"),
        // A session-checking middleware above CorsMiddleware answers 401.
        route(
            "OPTIONS",
            "/django/auth",
            401,
            &with(&[("Content-Type", "application/json")]),
        )
        .body("{\"detail\": \"Authentication credentials were not provided.\"}"),
        route(
            "*",
            "/django/auth",
            200,
            &with(&[
                ECHO_CREDENTIALED[0],
                ECHO_CREDENTIALED[1],
                ("Vary", "origin"),
            ]),
        )
        .body("{}"),
        // No django-cors-headers; @require_http_methods(["GET", "PUT"]) on the view.
        route(
            "OPTIONS",
            "/django/options",
            405,
            &with(&[("Allow", "GET, PUT"), ("Content-Length", "0")]),
        ),
        route("*", "/django/options", 200, &base).body("{}"),
    ]
}

// ---- FastAPI on uvicorn, with Starlette's CORSMiddleware.

fn fastapi() -> Vec<Route> {
    let server = ("server", "uvicorn");
    let json = ("content-type", "application/json");
    let text = ("content-type", "text/plain; charset=utf-8");
    vec![
        // CORSMiddleware(allow_origins=['*'], allow_credentials=True,
        // allow_methods=['*'], allow_headers=['*']): preflights echo the
        // origin, but a response to a request without a Cookie header gets *.
        route(
            "OPTIONS",
            "/fastapi/wild",
            200,
            &[
                server,
                text,
                ("vary", "Origin"),
                (
                    "access-control-allow-methods",
                    "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT",
                ),
                ("access-control-max-age", "600"),
                ("access-control-allow-credentials", "true"),
                ("access-control-allow-headers", "content-type"),
                ("access-control-allow-origin", PAGE),
            ],
        )
        .body("OK"),
        route(
            "*",
            "/fastapi/wild",
            200,
            &[
                server,
                json,
                ("access-control-allow-origin", "*"),
                ("access-control-allow-credentials", "true"),
            ],
        )
        .body("{}"),
        // CORSMiddleware(allow_origins=[PAGE]) and nothing else: allow_methods
        // defaults to GET, allow_headers to the safelisted ones; a preflight
        // asking for more is answered 400 'Disallowed CORS method' / 'headers'.
        route(
            "OPTIONS",
            "/fastapi/methods",
            400,
            &[
                server,
                text,
                ("vary", "Origin"),
                ("access-control-allow-methods", "GET"),
                ("access-control-max-age", "600"),
                (
                    "access-control-allow-headers",
                    "Accept, Accept-Language, Content-Language, Content-Type",
                ),
                ("access-control-allow-origin", PAGE),
            ],
        )
        .body("Disallowed CORS method"),
        route(
            "*",
            "/fastapi/methods",
            200,
            &[
                server,
                json,
                ("access-control-allow-origin", PAGE),
                ("vary", "Origin"),
            ],
        )
        .body("{}"),
        // An unhandled exception: ServerErrorMiddleware's 500, outside CORSMiddleware.
        route(
            "OPTIONS",
            "/fastapi/error",
            200,
            &[
                server,
                text,
                ("vary", "Origin"),
                ("access-control-allow-methods", "GET"),
                ("access-control-max-age", "600"),
                (
                    "access-control-allow-headers",
                    "Accept, Accept-Language, Content-Language, Content-Type, x-token",
                ),
                ("access-control-allow-origin", PAGE),
            ],
        )
        .body("OK"),
        route("*", "/fastapi/error", 500, &[server, text]).body("Internal Server Error"),
        // An auth middleware added after CORSMiddleware (so outside it).
        route(
            "OPTIONS",
            "/fastapi/auth",
            401,
            &[server, json, ("www-authenticate", "Bearer")],
        )
        .body("{\"detail\":\"Not authenticated\"}"),
        route(
            "*",
            "/fastapi/auth",
            200,
            &[
                server,
                json,
                ECHO_CREDENTIALED[0],
                ECHO_CREDENTIALED[1],
                ECHO_CREDENTIALED[2],
            ],
        )
        .body("{}"),
        // No CORSMiddleware: FastAPI's 405 for OPTIONS.
        route(
            "OPTIONS",
            "/fastapi/options",
            405,
            &[server, json, ("allow", "GET")],
        )
        .body("{\"detail\":\"Method Not Allowed\"}"),
        route("*", "/fastapi/options", 200, &[server, json]).body("{}"),
    ]
}

// ---- nginx with add_header in the location (proxying an app).

fn nginx() -> Vec<Route> {
    let server = ("Server", "nginx/1.24.0");
    let html = ("Content-Type", "text/html");
    vec![
        // add_header Access-Control-Allow-Origin *; add_header
        // Access-Control-Allow-Credentials true; if ($request_method = OPTIONS) { return 204; }
        route(
            "OPTIONS",
            "/nginx/wild",
            204,
            &[
                server,
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS"),
                (
                    "Access-Control-Allow-Headers",
                    "Content-Type, Authorization",
                ),
            ],
        ),
        route(
            "*",
            "/nginx/wild",
            200,
            &[
                server,
                ("Content-Type", "application/json"),
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Credentials", "true"),
            ],
        )
        .body("{}"),
        // add_header Access-Control-Allow-Methods "GET, POST";
        // add_header Access-Control-Allow-Headers "Content-Type";
        route(
            "OPTIONS",
            "/nginx/methods",
            204,
            &[
                server,
                ("Access-Control-Allow-Origin", PAGE),
                ("Access-Control-Allow-Methods", "GET, POST"),
                ("Access-Control-Allow-Headers", "Content-Type"),
            ],
        ),
        route(
            "*",
            "/nginx/methods",
            200,
            &[
                server,
                ("Content-Type", "application/json"),
                ("Access-Control-Allow-Origin", PAGE),
            ],
        )
        .body("{}"),
        // add_header without always: the upstream's 500 goes out without them.
        route(
            "OPTIONS",
            "/nginx/error",
            204,
            &[
                server,
                ("Access-Control-Allow-Origin", PAGE),
                ("Access-Control-Allow-Methods", "GET, POST"),
                ("Access-Control-Allow-Headers", "Content-Type, X-Token"),
            ],
        ),
        route("*", "/nginx/error", 500, &[server, html]).body("<h1>500 Internal Server Error</h1>"),
        // auth_basic in the location: the preflight has no Authorization.
        route(
            "OPTIONS",
            "/nginx/auth",
            401,
            &[server, html, ("WWW-Authenticate", "Basic realm=\"api\"")],
        )
        .body("<h1>401 Authorization Required</h1>"),
        route(
            "*",
            "/nginx/auth",
            401,
            &[server, html, ("WWW-Authenticate", "Basic realm=\"api\"")],
        )
        .body("<h1>401 Authorization Required</h1>"),
        // A static location: OPTIONS is 405 Not Allowed.
        route("OPTIONS", "/nginx/options", 405, &[server, html]).body("<h1>405 Not Allowed</h1>"),
        route(
            "*",
            "/nginx/options",
            200,
            &[server, ("Content-Type", "application/json")],
        )
        .body("{}"),
    ]
}

// ---- axum 0.8 with tower-http 0.6's CorsLayer (hyper sends no Server header).

fn axum() -> Vec<Route> {
    let vary = (
        "vary",
        "origin, access-control-request-method, access-control-request-headers",
    );
    let text = ("content-type", "text/plain; charset=utf-8");
    vec![
        // CorsLayer::permissive() and a page that fetches with credentials.
        route(
            "OPTIONS",
            "/axum/wild",
            200,
            &[
                ("access-control-allow-origin", "*"),
                ("access-control-allow-methods", "*"),
                ("access-control-allow-headers", "*"),
                ("access-control-expose-headers", "*"),
                vary,
                ("content-length", "0"),
            ],
        ),
        route(
            "*",
            "/axum/wild",
            200,
            &[
                text,
                ("access-control-allow-origin", "*"),
                ("access-control-expose-headers", "*"),
                vary,
            ],
        )
        .body("ok"),
        // CorsLayer::new().allow_origin(PAGE).allow_methods([Method::GET]): no allow_headers.
        route(
            "OPTIONS",
            "/axum/methods",
            200,
            &[
                ("access-control-allow-origin", PAGE),
                ("access-control-allow-methods", "GET"),
                vary,
                ("content-length", "0"),
            ],
        ),
        route(
            "*",
            "/axum/methods",
            200,
            &[text, ("access-control-allow-origin", PAGE), vary],
        )
        .body("ok"),
        // .layer(cors).layer(HandleErrorLayer::new(..)): the error layer's 500
        // is made outside the CorsLayer.
        route(
            "OPTIONS",
            "/axum/error",
            200,
            &[
                ("access-control-allow-origin", PAGE),
                ("access-control-allow-methods", "GET"),
                ("access-control-allow-headers", "x-token"),
                vary,
                ("content-length", "0"),
            ],
        ),
        route("*", "/axum/error", 500, &[text]).body("Unhandled internal error"),
        // .layer(cors).layer(auth): the auth layer answers the preflight 401
        // with an empty body; the GET with the session cookie passes.
        route("OPTIONS", "/axum/auth", 401, &[("content-length", "0")]),
        route(
            "*",
            "/axum/auth",
            200,
            &[text, ECHO_CREDENTIALED[0], ECHO_CREDENTIALED[1], vary],
        )
        .body("ok"),
        // No CorsLayer: axum's method router answers OPTIONS 405, empty, with Allow.
        route(
            "OPTIONS",
            "/axum/options",
            405,
            &[("allow", "GET,HEAD"), ("content-length", "0")],
        ),
        route("*", "/axum/options", 200, &[text]).body("ok"),
    ]
}

// The app's requests in each case (the rows, in order):
/// 1 GET, 2 GET + Content-Type: application/json, 3 PUT, 4 PUT + Content-Type; credentials included.
const WILD: &[&str] = &[
    "-X",
    "GET",
    "-X",
    "PUT",
    "-H",
    "Content-Type: application/json",
    "--credentials",
    "include",
];
/// 1 GET, 2 GET + X-Token, 3 PUT, 4 PUT + X-Token.
const METHODS: &[&str] = &[
    "-X",
    "GET",
    "-X",
    "PUT",
    "-H",
    "X-Token: 1",
    "--credentials",
    "omit",
];
/// 1 GET, 2 GET + X-Token (preflighted, then the GET fails).
const ERROR: &[&str] = &["-X", "GET", "-H", "X-Token: 1", "--credentials", "omit"];
/// As WILD, with the session cookie the auth layer wants.
const AUTH: &[&str] = &[
    "-X",
    "GET",
    "-X",
    "PUT",
    "-H",
    "Content-Type: application/json",
    "--credentials",
    "include",
    "--cookie",
    "sid=1",
];
/// 1 PUT, 2 PUT + Content-Type: both preflighted.
const OPTIONS: &[&str] = &[
    "-X",
    "PUT",
    "-H",
    "Content-Type: application/json",
    "--credentials",
    "omit",
];

const ALL: &[u64] = &[1, 2, 3, 4];
const PREFLIGHTED: &[u64] = &[2, 3, 4];
const PUT_ROWS: &[u64] = &[3, 4];
const TWO: &[u64] = &[1, 2];

#[test]
fn express_with_cors() {
    let port = start(express());
    let s = "Express";
    expect(
        port,
        "express",
        "wild",
        WILD,
        s,
        &[cause(
            "wildcard-with-credentials",
            ALL,
            "Express: origin: '*' cannot go with credentials: true; use cors({ origin: ['https://app.example'], credentials: true }) (origin: true echoes any origin)",
        )],
    );
    expect(
        port,
        "express",
        "methods",
        METHODS,
        s,
        &[
            cause(
                "method-not-allowed",
                PUT_ROWS,
                "Express: cors({ methods: [...] }) must include 'PUT'",
            ),
            cause(
                "header-not-allowed",
                &[2],
                "Express: cors({ allowedHeaders: [...] }) must include 'x-token' (leave it unset to echo what the preflight asks for)",
            ),
        ],
    );
    expect(
        port,
        "express",
        "error",
        ERROR,
        s,
        &[cause(
            "error-response-without-cors",
            TWO,
            "Express: app.use(cors(...)) before the routes and any middleware that may fail, so error responses (and the error handler's) carry the headers",
        )],
    );
    expect(
        port,
        "express",
        "auth",
        AUTH,
        s,
        &[cause(
            "auth-rejects-preflight",
            PREFLIGHTED,
            "Express: app.use(cors(...)) before the auth middleware: cors answers OPTIONS with 204 itself (or app.options('*', cors()) first)",
        )],
    );
    // Express answers OPTIONS itself for its routes (200 with Allow): the
    // preflight fails for want of CORS headers.
    expect(
        port,
        "express",
        "options",
        OPTIONS,
        s,
        &[cause(
            "no-cors-headers",
            TWO,
            "Express: app.use(cors({ origin: ['https://app.example'] })) before the routes (cors answers OPTIONS with 204 itself)",
        )],
    );
    // A static file: OPTIONS falls through express.static to the 404.
    expect(
        port,
        "express",
        "static",
        OPTIONS,
        s,
        &[cause(
            "preflight-not-handled",
            TWO,
            "Express: app.use(cors({ origin: ['https://app.example'] })) before the routes (cors answers OPTIONS with 204 itself)",
        )],
    );
}

#[test]
fn flask_with_flask_cors() {
    let port = start(flask());
    let s = "Flask";
    expect(
        port,
        "flask",
        "wild",
        WILD,
        s,
        &[cause(
            "wildcard-with-credentials",
            ALL,
            "Flask: CORS(app, origins=['https://app.example'], supports_credentials=True) (flask-cors then echoes the origin)",
        )],
    );
    expect(
        port,
        "flask",
        "methods",
        METHODS,
        s,
        &[
            cause(
                "method-not-allowed",
                PUT_ROWS,
                "Flask: CORS(app, methods=[...]) must include 'PUT'",
            ),
            cause(
                "header-not-allowed",
                &[2],
                "Flask: CORS(app, allow_headers=[...]) must include 'x-token'",
            ),
        ],
    );
    expect(
        port,
        "flask",
        "error",
        ERROR,
        s,
        &[cause(
            "error-response-without-cors",
            TWO,
            "Flask: turn exceptions into responses with @app.errorhandler(Exception); flask-cors adds its headers to every response Flask returns, not to Werkzeug's debugger page",
        )],
    );
    // flask-cors puts its headers on the 401 too: the refusal is the status.
    expect(
        port,
        "flask",
        "auth",
        AUTH,
        s,
        &[cause(
            "auth-rejects-preflight",
            PREFLIGHTED,
            "Flask: skip authentication for OPTIONS (if request.method == 'OPTIONS': return, first in the before_request or decorator); flask-cors then answers the preflight",
        )],
    );
    // Flask's automatic OPTIONS answers 200 with Allow, without CORS headers.
    expect(
        port,
        "flask",
        "options",
        OPTIONS,
        s,
        &[cause(
            "no-cors-headers",
            TWO,
            "Flask: CORS(app, origins=['https://app.example']) (flask-cors answers OPTIONS for every route), or @cross_origin() on the view",
        )],
    );
}

#[test]
fn django_with_django_cors_headers() {
    let port = start(django());
    let s = "Django";
    expect(
        port,
        "django",
        "wild",
        WILD,
        s,
        &[cause(
            "wildcard-with-credentials",
            ALL,
            "Django: CORS_ALLOWED_ORIGINS = ['https://app.example'] with CORS_ALLOW_CREDENTIALS = True (django-cors-headers echoes the origin; a * comes from a header set elsewhere)",
        )],
    );
    expect(
        port,
        "django",
        "methods",
        METHODS,
        s,
        &[
            cause(
                "method-not-allowed",
                PUT_ROWS,
                "Django: CORS_ALLOW_METHODS = (*default_methods, 'PUT') (from corsheaders.defaults)",
            ),
            cause(
                "header-not-allowed",
                &[2],
                "Django: CORS_ALLOW_HEADERS = (*default_headers, 'x-token') (from corsheaders.defaults)",
            ),
        ],
    );
    expect(
        port,
        "django",
        "error",
        ERROR,
        s,
        &[cause(
            "error-response-without-cors",
            TWO,
            "Django: put 'corsheaders.middleware.CorsMiddleware' first in MIDDLEWARE, so responses made by other middleware (and error pages) pass through it",
        )],
    );
    expect(
        port,
        "django",
        "auth",
        AUTH,
        s,
        &[cause(
            "auth-rejects-preflight",
            PREFLIGHTED,
            "Django: put 'corsheaders.middleware.CorsMiddleware' above the authentication middleware in MIDDLEWARE; it answers preflights before they reach authentication",
        )],
    );
    expect(
        port,
        "django",
        "options",
        OPTIONS,
        s,
        &[cause(
            "preflight-not-handled",
            TWO,
            "Django: add 'corsheaders' to INSTALLED_APPS, 'corsheaders.middleware.CorsMiddleware' at the top of MIDDLEWARE, and CORS_ALLOWED_ORIGINS = ['https://app.example'] (it answers OPTIONS itself)",
        )],
    );
}

#[test]
fn fastapi_with_starlette_cors_middleware() {
    let port = start(fastapi());
    let s = "FastAPI/Starlette";
    // The preflights pass (Starlette echoes the origin there); the GETs,
    // without a Cookie header, get *. The PUTs are not sent.
    expect(
        port,
        "fastapi",
        "wild",
        WILD,
        s,
        &[cause(
            "wildcard-with-credentials",
            TWO,
            "FastAPI/Starlette: CORSMiddleware(allow_origins=['*'], allow_credentials=True) sends * to requests that carry no Cookie header; list the origins: allow_origins=['https://app.example'] (or allow_origin_regex)",
        )],
    );
    // The 400 'Disallowed CORS method' is a method list, not a status problem.
    expect(
        port,
        "fastapi",
        "methods",
        METHODS,
        s,
        &[
            cause(
                "method-not-allowed",
                PUT_ROWS,
                "FastAPI/Starlette: add 'PUT' to CORSMiddleware(allow_methods=[...]) (the default is ['GET'], ['*'] allows every method); it answers 400 'Disallowed CORS method' otherwise",
            ),
            cause(
                "header-not-allowed",
                &[2],
                "FastAPI/Starlette: add 'x-token' to CORSMiddleware(allow_headers=[...]) (the default allows only the safelisted headers); it answers 400 'Disallowed CORS headers' otherwise",
            ),
        ],
    );
    expect(
        port,
        "fastapi",
        "error",
        ERROR,
        s,
        &[cause(
            "error-response-without-cors",
            TWO,
            "FastAPI/Starlette: an unhandled exception becomes a 500 in ServerErrorMiddleware, outside CORSMiddleware: catch it in the route (return a JSONResponse), or wrap the whole app: app = CORSMiddleware(app, allow_origins=[...])",
        )],
    );
    expect(
        port,
        "fastapi",
        "auth",
        AUTH,
        s,
        &[cause(
            "auth-rejects-preflight",
            PREFLIGHTED,
            "FastAPI/Starlette: add CORSMiddleware after the auth middleware (the last app.add_middleware is the outermost), so it answers OPTIONS before authentication",
        )],
    );
    expect(
        port,
        "fastapi",
        "options",
        OPTIONS,
        s,
        &[cause(
            "preflight-not-handled",
            TWO,
            "FastAPI/Starlette: app.add_middleware(CORSMiddleware, allow_origins=['https://app.example'], allow_methods=[...], allow_headers=[...]) (without it FastAPI answers OPTIONS 405)",
        )],
    );
}

#[test]
fn nginx_with_add_header() {
    let port = start(nginx());
    let s = "nginx";
    expect(
        port,
        "nginx",
        "wild",
        WILD,
        s,
        &[cause(
            "wildcard-with-credentials",
            ALL,
            "nginx: add_header Access-Control-Allow-Origin $http_origin always; after checking $http_origin against an allow-list (a map block), plus add_header Vary Origin always;",
        )],
    );
    expect(
        port,
        "nginx",
        "methods",
        METHODS,
        s,
        &[
            cause(
                "method-not-allowed",
                PUT_ROWS,
                "nginx: add PUT to add_header Access-Control-Allow-Methods \"...\" always;",
            ),
            cause(
                "header-not-allowed",
                &[2],
                "nginx: add x-token to add_header Access-Control-Allow-Headers \"...\" always;",
            ),
        ],
    );
    const ALWAYS: &str = "nginx: add_header applies only to 2xx and 3xx responses unless it ends with always: add_header Access-Control-Allow-Origin https://app.example always;";
    expect(
        port,
        "nginx",
        "error",
        ERROR,
        s,
        &[cause("error-response-without-cors", TWO, ALWAYS)],
    );
    // auth_basic refuses the preflights, and its 401 to the GET has no CORS
    // headers either (add_header without always).
    expect(
        port,
        "nginx",
        "auth",
        AUTH,
        s,
        &[
            cause(
                "auth-rejects-preflight",
                PREFLIGHTED,
                "nginx: answer preflights before auth_basic/auth_request: if ($request_method = OPTIONS) { return 204; } with the add_header ... always; lines in the location",
            ),
            cause("error-response-without-cors", &[1], ALWAYS),
        ],
    );
    expect(
        port,
        "nginx",
        "options",
        OPTIONS,
        s,
        &[cause(
            "preflight-not-handled",
            TWO,
            "nginx: add_header Access-Control-Allow-Origin https://app.example always; in the location, and answer preflights there: if ($request_method = OPTIONS) { return 204; }",
        )],
    );
}

#[test]
fn axum_with_tower_http() {
    let port = start(axum());
    let s = "axum + tower-http";
    expect(
        port,
        "axum",
        "wild",
        WILD,
        s,
        &[cause(
            "wildcard-with-credentials",
            ALL,
            "axum + tower-http: CorsLayer::new().allow_origin(HeaderValue::from_static(\"https://app.example\")).allow_credentials(true) (or AllowOrigin::mirror_request()); Any cannot go with credentials",
        )],
    );
    expect(
        port,
        "axum",
        "methods",
        METHODS,
        s,
        &[
            cause(
                "method-not-allowed",
                PUT_ROWS,
                "axum + tower-http: add Method::PUT to CorsLayer::new()...allow_methods([...])",
            ),
            cause(
                "header-not-allowed",
                &[2],
                "axum + tower-http: add HeaderName::from_static(\"x-token\") to CorsLayer::new()...allow_headers([...])",
            ),
        ],
    );
    // The 500 shows no stack; the CorsLayer's preflight does.
    expect(
        port,
        "axum",
        "error",
        ERROR,
        s,
        &[cause(
            "error-response-without-cors",
            TWO,
            "axum + tower-http: add the CorsLayer last (outermost: the last .layer() wraps the others), so responses made by other layers (HandleErrorLayer, timeouts) pass through it",
        )],
    );
    // The empty 401 shows no stack; the GET that passed the auth layer does.
    expect(
        port,
        "axum",
        "auth",
        AUTH,
        s,
        &[cause(
            "auth-rejects-preflight",
            PREFLIGHTED,
            "axum + tower-http: add the CorsLayer after the auth layer (.layer(auth).layer(cors): the last .layer() runs first), so it answers OPTIONS before authentication",
        )],
    );
    expect(
        port,
        "axum",
        "options",
        OPTIONS,
        s,
        &[cause(
            "preflight-not-handled",
            TWO,
            "axum + tower-http: Router::new()...layer(CorsLayer::new().allow_origin(HeaderValue::from_static(\"https://app.example\")).allow_methods([...]).allow_headers([...])) (the CorsLayer answers OPTIONS; without it axum answers an empty 405)",
        )],
    );
}

#[test]
fn the_text_starts_with_the_causes_and_fits_80_columns() {
    let port = start(fastapi());
    let o = audit(port, "/fastapi/methods", METHODS);
    assert_eq!(
        causes_text(&o),
        "\
Root causes:
 1. methods not allowed: 2 rows (3-4)
    fix: FastAPI/Starlette: add 'PUT' to CORSMiddleware(allow_methods=[...])
         (the default is ['GET'], ['*'] allows every method); it answers 400
         'Disallowed CORS method' otherwise
    fix: the OPTIONS response must list PUT in Access-Control-Allow-Methods
 2. request headers not allowed: 1 row (2)
    fix: FastAPI/Starlette: add 'x-token' to CORSMiddleware(allow_headers=[...])
         (the default allows only the safelisted headers); it answers 400
         'Disallowed CORS headers' otherwise
    fix: the OPTIONS response must list x-token in Access-Control-Allow-Headers"
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    // Every refusal shows the status it came with.
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("#  method"))
        .collect();
    assert!(
        table
            .join("\n")
            .contains("no: OPTIONS answered 400: PUT not in"),
        "{out}"
    );
    for line in out.lines() {
        assert!(line.chars().count() <= 80, "{line:?}");
    }
}

#[test]
fn audit_browser_all_fits_80_columns_and_marks_disagreement_in_text() {
    // Firefox and WebKit cap Max-Age differently from Chromium, and agree
    // with it on every CORS verdict here; but WebKit counts http://127.0.0.1
    // as mixed content on an https page (mixed/s-to-a-loopback-ip), so the
    // rows Chromium and Firefox allow are marked, in text.
    let mut routes = axum();
    routes.extend(django());
    let port = start(routes);
    let o = audit(port, "/django/methods", &["--browser", "all"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    for line in out.lines() {
        assert!(line.chars().count() <= 80, "{line:?}\n{out}");
    }
    assert!(
        out.contains(" 1. mixed content (an https page fetching http): 48 rows (1-48) [webkit]"),
        "{out}"
    );
    assert!(
        out.contains("≠ chromium, firefox: yes (200);\n")
            && out.contains("webkit: no: blocked as mixed"),
        "{out}"
    );
    assert!(
        !out.contains("the browsers agree on every request"),
        "{out}"
    );
    // The second request per preflighted row shows each engine's cache.
    assert!(
        out.contains("chromium: Access-Control-Max-Age: 86400 → kept 7200 s"),
        "{out}"
    );
    assert!(
        out.contains("firefox: Access-Control-Max-Age: 86400 → kept 86400 s"),
        "{out}"
    );
}

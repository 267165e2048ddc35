//! `browser-cors demo`: an embedded loopback server with the common CORS
//! setups and mistakes, each checked as `check` would, in one table.

use std::process::ExitCode;

use browser_cors::client::Browser;
use browser_cors::{CredentialsMode, Engine, Outcome, Request};

use super::check::render;
use super::common::{Style, parse_engine, table, transport};
use super::explain::{self, Preflight};
use super::server::{Route, serve};

/// Arguments of `demo`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "\
Example:
  browser-cors demo             # the table
  browser-cors demo --verbose   # and every exchange, as `check` draws it

Nothing leaves the machine: the server listens on 127.0.0.1 only.")]
pub struct DemoArgs {
    /// Print each endpoint's full `check` output before the table.
    #[arg(short, long)]
    pub verbose: bool,
    /// The browser to emulate: chromium (default), firefox or webkit.
    #[arg(long, default_value = "chromium", value_parser = parse_engine)]
    pub browser: Engine,
}

/// The page every demo request comes from.
pub const PAGE: &str = "https://app.example";

/// One demo row: the endpoint, what script asks, and the server's routes.
struct Case {
    path: &'static str,
    label: &'static str,
    build: fn(Request) -> Request,
}

fn routes(base: &str) -> Vec<Route> {
    let ok = |path: &str| {
        Route::new("GET", path, 200)
            .header("Access-Control-Allow-Origin", PAGE)
            .header("Vary", "Origin")
            .header("Content-Type", "application/json")
            .body("{\"ok\":true}")
    };
    vec![
        ok("/exact-origin").header("Access-Control-Allow-Credentials", "true"),
        Route::new("GET", "/wildcard-credentials", 200)
            .header("Access-Control-Allow-Origin", "*")
            .header("Access-Control-Allow-Credentials", "true")
            .body("{}"),
        Route::new("GET", "/no-allow-origin", 200)
            .header("Content-Type", "application/json")
            .body("{}"),
        Route::new("GET", "/two-allow-origins", 200)
            .header("Access-Control-Allow-Origin", "*")
            .header("Access-Control-Allow-Origin", PAGE)
            .body("{}"),
        Route::new("OPTIONS", "/options-405", 405).header("Allow", "GET, PUT"),
        Route::new("OPTIONS", "/options-401", 401).header("WWW-Authenticate", "Bearer"),
        Route::new("OPTIONS", "/custom-header", 204)
            .header("Access-Control-Allow-Origin", PAGE)
            .header("Access-Control-Allow-Methods", "GET"),
        Route::new("OPTIONS", "/patch", 204)
            .header("Access-Control-Allow-Origin", PAGE)
            .header("Access-Control-Allow-Methods", "GET, POST, PATCH"),
        Route::new("OPTIONS", "/http-to-https", 301)
            .header("Location", &format!("https://{base}/http-to-https")),
        ok("/expose-missing").header("X-Total-Count", "42"),
        ok("/expose-ok")
            .header("X-Total-Count", "42")
            .header("Access-Control-Expose-Headers", "X-Total-Count"),
        Route::new("OPTIONS", "/max-age", 204)
            .header("Access-Control-Allow-Origin", PAGE)
            .header("Access-Control-Allow-Methods", "PUT")
            .header("Access-Control-Allow-Headers", "Content-Type")
            .header("Access-Control-Max-Age", "600"),
        Route::new("PUT", "/max-age", 200)
            .header("Access-Control-Allow-Origin", PAGE)
            .header("Vary", "Origin")
            .body("saved"),
        ok("/login")
            .header("Access-Control-Allow-Credentials", "true")
            .header("Set-Cookie", "sid=1; SameSite=Lax; Secure"),
    ]
}

fn json_put(r: Request) -> Request {
    r.method("PUT")
        .header("Content-Type", "application/json")
        .body("{}")
}

const CASES: [Case; 15] = [
    Case {
        path: "/exact-origin",
        label: "GET, credentials: include",
        build: |r| r.credentials(CredentialsMode::Include),
    },
    Case {
        path: "/wildcard-credentials",
        label: "GET, credentials: include",
        build: |r| r.credentials(CredentialsMode::Include),
    },
    Case {
        path: "/no-allow-origin",
        label: "GET",
        build: |r| r,
    },
    Case {
        path: "/two-allow-origins",
        label: "GET",
        build: |r| r,
    },
    Case {
        path: "/options-405",
        label: "PUT application/json",
        build: json_put,
    },
    Case {
        path: "/options-401",
        label: "GET + Authorization",
        build: |r| r.header("Authorization", "Bearer demo"),
    },
    Case {
        path: "/custom-header",
        label: "GET + X-Token",
        build: |r| r.header("X-Token", "abc"),
    },
    Case {
        path: "/patch",
        label: "method 'patch'",
        build: |r| r.method("patch"),
    },
    Case {
        path: "/http-to-https",
        label: "PUT application/json",
        build: json_put,
    },
    Case {
        path: "/expose-missing",
        label: "GET, read X-Total-Count",
        build: |r| r,
    },
    Case {
        path: "/expose-ok",
        label: "GET, read X-Total-Count",
        build: |r| r,
    },
    Case {
        path: "/max-age",
        label: "PUT application/json (1st)",
        build: json_put,
    },
    Case {
        path: "/max-age",
        label: "PUT application/json (2nd)",
        build: json_put,
    },
    Case {
        path: "/login",
        label: "GET, credentials: include",
        build: |r| r.credentials(CredentialsMode::Include),
    },
    // An absolute URL: the API on plain http, from an https page.
    Case {
        path: "http://api.example/items",
        label: "GET over plain http",
        build: |r| r,
    },
];

/// Runs `demo`.
pub fn run(args: &DemoArgs) -> ExitCode {
    let Some(rt) = super::runtime() else {
        return ExitCode::from(2);
    };
    let style = Style::detect();
    rt.block_on(async {
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("browser-cors: cannot listen on 127.0.0.1: {e}");
                return ExitCode::from(2);
            }
        };
        let base = match listener.local_addr() {
            Ok(a) => a.to_string(),
            Err(e) => {
                eprintln!("browser-cors: cannot listen on 127.0.0.1: {e}");
                return ExitCode::from(2);
            }
        };
        let server = tokio::spawn(serve(listener, routes(&base)));
        let browser = match transport()
            .map_err(|e| e.0)
            .and_then(|t| Browser::with_engine(t, PAGE, args.browser).map_err(|e| e.to_string()))
        {
            Ok(b) => b,
            Err(e) => {
                eprintln!("browser-cors: {e}");
                return ExitCode::from(2);
            }
        };
        let cookie_at = url::Url::parse(&format!("http://{base}/")).ok();
        if let Some(u) = &cookie_at {
            let _ = browser.add_cookie("session=demo", u);
        }
        outln!(
            "A page at {PAGE} calls fetch() on a demo server at http://{base} ({}):\n",
            args.browser.name()
        );
        let mut rows = Vec::new();
        let mut blocked = Vec::new();
        for case in &CASES {
            let target = if case.path.starts_with("http") {
                case.path.to_owned()
            } else {
                format!("http://{base}{}", case.path)
            };
            let Ok(url) = url::Url::parse(&target) else {
                continue;
            };
            let request = (case.build)(Request::get(url));
            let fetched = browser.fetch(request.clone()).await;
            if args.verbose {
                outln!(
                    "── {} {}\n{}",
                    case.path,
                    case.label,
                    render(&request, PAGE, browser.profile(), &fetched, style)
                );
            }
            let (verdict, reason) = match &fetched.outcome {
                Outcome::Response(r) => {
                    let mut why = Vec::new();
                    match explain::preflight(&request, browser.page_origin(), browser.profile()) {
                        Preflight::Needed(_) if fetched.preflighted() => {
                            why.push("preflight passed".to_owned());
                        }
                        Preflight::Needed(_) => {
                            why.push("no OPTIONS: preflight cached (Max-Age)".to_owned());
                        }
                        Preflight::NotNeeded(_) => why.push("simple request".to_owned()),
                    }
                    let hidden = explain::hidden_headers(r, &fetched.exchanges);
                    if !hidden.is_empty() {
                        why.push(format!("{} not exposed", hidden.join(", ")));
                    }
                    why.extend(fetched.cookies.iter().map(|n| n.short()));
                    (format!("ok ({} {})", r.response_type.as_str(), r.status), why.join("; "))
                }
                Outcome::NetworkError(e) => (
                    "blocked".to_owned(),
                    explain::short(e, &request, &fetched.exchanges),
                ),
            };
            blocked.push(fetched.error().is_some());
            rows.push(vec![case.path.to_owned(), case.label.to_owned(), verdict, reason]);
        }
        server.abort();
        out!(
            "{}",
            table(&["endpoint", "request", "verdict", "reason"], &rows, &|r, c, s| {
                if c == 2 {
                    if blocked.get(r).copied().unwrap_or(false) {
                        style.bad(s)
                    } else {
                        style.ok(s)
                    }
                } else {
                    s.to_owned()
                }
            })
        );
        outln!(
            "\nSee one in full: browser-cors demo --verbose, or browser-cors check URL --origin {PAGE}"
        );
        ExitCode::SUCCESS
    })
}

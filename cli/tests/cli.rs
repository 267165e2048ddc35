//! The `browser-cors` binary: output (compared with text written by hand for
//! a controlled loopback server, colour off) and exit statuses.

#[allow(dead_code)]
#[path = "../src/cli/server.rs"]
mod server;

use std::process::{Command, Output};

use server::Route;

const PAGE: &str = "https://app.test";
/// The page of the tests that compare engines over plain-http loopback:
/// WebKit counts http://127.0.0.1 as mixed content on an https page
/// (mixed/s-to-a-loopback-ip), which would hide every CORS verdict.
const HTTP_PAGE: &str = "http://app.test";

/// Serves `routes` on 127.0.0.1 from a background thread; returns the port.
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

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_browser-cors"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn api_routes() -> Vec<Route> {
    vec![
        Route::new("OPTIONS", "/no-acah", 204)
            .header("Access-Control-Allow-Origin", PAGE)
            .header("Access-Control-Allow-Methods", "PUT"),
        Route::new("OPTIONS", "/ok", 204)
            .header("Access-Control-Allow-Origin", PAGE)
            .header("Access-Control-Allow-Credentials", "true")
            .header("Access-Control-Allow-Methods", "PUT")
            .header("Access-Control-Allow-Headers", "x-token")
            .header("Vary", "Origin"),
        Route::new("PUT", "/ok", 200)
            .header("Access-Control-Allow-Origin", PAGE)
            .header("Access-Control-Allow-Credentials", "true")
            .header("Vary", "Origin")
            .header("Content-Type", "text/plain")
            .header("X-Total", "3")
            .body("done"),
        Route::new("GET", "/plain", 200)
            .header("Content-Type", "text/plain")
            .body("secret"),
        Route::new("GET", "/moved", 302).header("Location", "/plain"),
        Route::new("GET", "/moved-cors", 302)
            .header("Location", "/echo-star")
            .header("Access-Control-Allow-Origin", "*"),
        Route::new("GET", "/echo-star", 200)
            .header("Access-Control-Allow-Origin", "*")
            .header("Content-Type", "text/plain"),
    ]
}

/// The one-line usage error: exit 2, one line on stderr, nothing on stdout,
/// no panic or backtrace.
fn assert_usage_error(o: &Output, contains: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.starts_with("browser-cors: "), "stderr: {err}");
    assert!(err.contains(contains), "stderr: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert!(stdout(o).is_empty(), "stdout: {}", stdout(o));
}

#[test]
fn check_draws_a_refused_preflight_and_names_the_fix() {
    let port = start(api_routes());
    let url = format!("http://127.0.0.1:{port}/no-acah");
    let o = run(&[
        "check",
        &url,
        "--origin",
        PAGE,
        "-X",
        "PUT",
        "-H",
        "X-Token: 1",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let expected = format!(
        "\
Chromium fetch({url}) from a page at https://app.test

  page ──▶ server  OPTIONS {url}  (preflight)
                   Origin: https://app.test
                   Access-Control-Request-Method: PUT
                   Access-Control-Request-Headers: x-token
  page ◀── server  204 No Content
                   Access-Control-Allow-Origin: https://app.test
                   Access-Control-Allow-Methods: PUT

✘ fetch() rejects: TypeError: Failed to fetch
    console: Access to fetch at '{url}' from origin 'https://app.test' has been blocked by CORS policy: Request header field x-token is not allowed by Access-Control-Allow-Headers in preflight response.
    reason: HeaderDisallowedByPreflightResponse (stage: preflight)
Preflight: yes, because
    - method PUT is not GET, HEAD or POST
    - header x-token is not CORS-safelisted
Fix:
    - the OPTIONS response must list x-token in Access-Control-Allow-Headers
"
    );
    assert_eq!(stdout(&o), expected);
    assert!(
        !stdout(&o).contains('\x1b'),
        "colour off when not a terminal"
    );
}

#[test]
fn check_draws_a_credentialed_success_its_withheld_cookie_and_hidden_header() {
    let port = start(api_routes());
    let url = format!("http://127.0.0.1:{port}/ok");
    let o = run(&[
        "check",
        &url,
        "--origin",
        PAGE,
        "-X",
        "PUT",
        "-H",
        "X-Token: 1",
        "--credentials",
        "include",
        "--cookie",
        "sid=7",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let expected = format!(
        "\
Chromium fetch({url}) from a page at https://app.test

  page ──▶ server  OPTIONS {url}  (preflight)
                   Origin: https://app.test
                   Access-Control-Request-Method: PUT
                   Access-Control-Request-Headers: x-token
  page ◀── server  204 No Content
                   Access-Control-Allow-Origin: https://app.test
                   Access-Control-Allow-Credentials: true
                   Access-Control-Allow-Methods: PUT
                   Access-Control-Allow-Headers: x-token
                   Vary: Origin
  page ──▶ server  PUT {url}
                   Origin: https://app.test
                   X-Token: 1
  page ◀── server  200 OK
                   Access-Control-Allow-Origin: https://app.test
                   Access-Control-Allow-Credentials: true
                   Vary: Origin

✔ fetch() resolves: a cors response, status 200
    readable headers: content-type
    note: script cannot read x-total: list it in Access-Control-Expose-Headers
    note: cookie `sid` was not sent to {url}: third-party cookies are blocked; mark the cookie `Partitioned` (with `Secure; SameSite=None`), or serve the API from the page's site
Preflight: yes, because
    - method PUT is not GET, HEAD or POST
    - header x-token is not CORS-safelisted
"
    );
    assert_eq!(stdout(&o), expected);
}

#[test]
fn check_json_follows_the_expect_object() {
    let port = start(api_routes());
    let base = format!("http://127.0.0.1:{port}");
    let o = run(&[
        "check",
        &format!("{base}/plain"),
        "--origin",
        PAGE,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["result"], "network-error");
    assert!(v.get("type").is_none() && v.get("status").is_none());
    assert_eq!(v["error"]["reason"]["code"], "MissingAllowOriginHeader");
    assert_eq!(v["error"]["stage"], "response");
    assert!(v["error"]["console"].as_str().unwrap().ends_with(
        "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    ));
    assert_eq!(
        v["fix"][0],
        "the response must carry Access-Control-Allow-Origin: https://app.test (or *)"
    );
    assert_eq!(
        v["server_log"],
        serde_json::json!([{"method": "GET", "origin_url": format!("{base}/plain"),
            "origin": PAGE, "acrm": null, "acrh": null, "cookie": false,
            "sec_fetch_mode": "cors", "sec_fetch_site": "cross-site", "status": 200}])
    );

    // redirect: manual gives an opaqueredirect response (Chromium checks CORS
    // on the redirect hop first, so the 302 carries Allow-Origin here).
    let o = run(&[
        "check",
        &format!("{base}/moved-cors"),
        "--origin",
        PAGE,
        "--json",
        "--redirect",
        "manual",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "an opaqueredirect response resolves"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["type"], "opaqueredirect");
    assert_eq!(v["status"], 0);
    assert_eq!(v["url"], format!("{base}/moved-cors"));
    // Followed, it lands on the wildcard response: the final URL, redirected.
    let o = run(&[
        "check",
        &format!("{base}/moved-cors"),
        "--origin",
        PAGE,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["type"].as_str(), v["redirected"].as_bool()),
        (Some("cors"), Some(true))
    );
    assert_eq!(v["url"], format!("{base}/echo-star"));
    assert_eq!(v["server_log"].as_array().unwrap().len(), 2);
    assert_eq!(v["error"], serde_json::Value::Null);

    let o = run(&[
        "check",
        &format!("{base}/echo-star"),
        "--origin",
        PAGE,
        "--json",
        "-H",
        "X-Empty:",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // -H 'X-Empty:' sends an empty value (a preflight asks for it, and the
    // route has no OPTIONS: 404).
    assert_eq!(v["server_log"][0]["method"], "OPTIONS");
    assert_eq!(v["server_log"][0]["acrh"], "x-empty");
    assert_eq!(
        v["preflight"]["reasons"][0],
        "header x-empty is not CORS-safelisted"
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn check_exit_statuses() {
    let port = start(api_routes());
    let base = format!("http://127.0.0.1:{port}");
    // no-cors: an opaque response still resolves.
    let o = run(&[
        "check",
        &format!("{base}/plain"),
        "--origin",
        PAGE,
        "--mode",
        "no-cors",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("✔ fetch() resolves: an opaque response, status 0\n"),
        "{}",
        stdout(&o)
    );
    // same-origin mode to another origin: refused by the browser's rules.
    let o = run(&[
        "check",
        &format!("{base}/plain"),
        "--origin",
        PAGE,
        "--mode",
        "same-origin",
    ]);
    assert_eq!(o.status.code(), Some(1));
    // redirect: error.
    let o = run(&[
        "check",
        &format!("{base}/moved"),
        "--origin",
        PAGE,
        "--redirect",
        "error",
    ]);
    assert_eq!(o.status.code(), Some(1));
    // A forbidden method is fetch()'s TypeError: a browser rule, exit 1.
    let o = run(&[
        "check",
        &format!("{base}/plain"),
        "--origin",
        PAGE,
        "-X",
        "TRACE",
    ]);
    assert_eq!(o.status.code(), Some(1));
    // Same-origin (the page is the server): basic response.
    let o = run(&["check", "/plain", "--origin", &base, "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["type"], "basic");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let port = start(api_routes());
    let url = format!("http://127.0.0.1:{port}/plain");
    assert_usage_error(
        &run(&["check", "http://[::1", "--origin", PAGE]),
        "invalid URL",
    );
    assert_usage_error(
        &run(&["check", &url, "--origin", "not an origin"]),
        "invalid origin",
    );
    assert_usage_error(
        &run(&["check", &url, "--origin", "https://app.test/path"]),
        "invalid origin",
    );
    assert_usage_error(
        &run(&["check", &url, "--origin", PAGE, "-H", "X-Token 1"]),
        "no colon",
    );
    assert_usage_error(
        &run(&["check", &url, "--origin", PAGE, "-H", "Cookie: a=b"]),
        "forbidden request header",
    );
    assert_usage_error(
        &run(&["check", &url, "--origin", PAGE, "-H", "Host: evil"]),
        "forbidden request header",
    );
    assert_usage_error(
        &run(&["check", &url, "--origin", PAGE, "-H", "X-A: €"]),
        "U+20AC",
    );
    assert_usage_error(
        &run(&["check", &url, "--origin", PAGE, "--mode", "navigate"]),
        "invalid mode",
    );
    assert_usage_error(
        &run(&["check", &url, "--origin", PAGE, "--cookie", "novalue"]),
        "no '='",
    );
    let down = format!("http://127.0.0.1:{}/x", closed_port());
    assert_usage_error(&run(&["check", &down, "--origin", PAGE]), "cannot reach");
    assert_usage_error(&run(&["audit", &down, "--origin", PAGE]), "cannot reach");
    assert_usage_error(
        &run(&["audit", &url, "--origin", PAGE, "--browser", "lynx"]),
        "unknown browser",
    );
    // A URL without a scheme: the likely fix, not a lookup of something else.
    assert_usage_error(
        &run(&["check", "localhost:8080/x", "--origin", PAGE]),
        "URL 'localhost:8080/x' has no scheme: did you mean http://localhost:8080/x?",
    );
    assert_usage_error(
        &run(&["check", "127.0.0.1:8080/x", "--origin", PAGE]),
        "did you mean http://127.0.0.1:8080/x?",
    );
    assert_usage_error(
        &run(&[
            "check",
            &url,
            "--origin",
            PAGE,
            "--cacert",
            "/nonexistent.pem",
        ]),
        "--cacert /nonexistent.pem: cannot read it",
    );
    assert_usage_error(
        &run(&["check", &url, "--origin", PAGE, "--timeout", "0"]),
        "--timeout 0: give a number of seconds",
    );
    // clap's own usage errors also exit 2.
    assert_eq!(run(&["check", &url]).status.code(), Some(2));
}

#[test]
fn check_accepts_an_origin_with_a_trailing_slash_and_names_the_stack() {
    let port = start(vec![
        Route::new("OPTIONS", "/items", 400)
            .header("server", "uvicorn")
            .header("access-control-allow-origin", PAGE)
            .header("access-control-allow-methods", "GET")
            .header("access-control-max-age", "600")
            .header("vary", "Origin")
            .body("Disallowed CORS method"),
    ]);
    let url = format!("http://127.0.0.1:{port}/items");
    let o = run(&[
        "check",
        &url,
        "--origin",
        "https://app.test/",
        "-X",
        "PUT",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["page"], PAGE);
    assert_eq!(v["advice"]["cause"], "method-not-allowed");
    assert_eq!(v["advice"]["stack"], "starlette");
    assert_eq!(v["advice"]["status"], 400);
    assert_eq!(
        v["fix"],
        serde_json::json!([
            "FastAPI/Starlette: add 'PUT' to CORSMiddleware(allow_methods=[...]) (the default is ['GET'], ['*'] allows every method); it answers 400 'Disallowed CORS method' otherwise",
            "the OPTIONS response must list PUT in Access-Control-Allow-Methods"
        ])
    );
}

#[test]
fn unreachable_with_json_still_prints_the_object() {
    let down = format!("http://127.0.0.1:{}/x", closed_port());
    let o = run(&["check", &down, "--origin", PAGE, "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["reason"]["code"], "Network");
    assert_eq!(v["error"]["stage"], "network");
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn demo_prints_the_table_and_exits_0() {
    let o = run(&["demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let table = out
        .lines()
        .skip_while(|l| !l.starts_with("endpoint"))
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let expected = "\
endpoint                  request                     verdict        reason
------------------------  --------------------------  -------------  ---------------------------------------------------------------------------------------------------------------------------------------------------------------
/exact-origin             GET, credentials: include   ok (cors 200)  simple request; cookie session not sent: third-party cookies are blocked
/wildcard-credentials     GET, credentials: include   blocked        * with credentials (on a 200)
/no-allow-origin          GET                         blocked        no Access-Control-Allow-Origin (on a 200)
/two-allow-origins        GET                         blocked        Access-Control-Allow-Origin sent twice (on a 200)
/options-405              PUT application/json        blocked        OPTIONS answered 405, without CORS headers
/options-401              GET + Authorization         blocked        OPTIONS answered 401, without CORS headers (an auth layer?)
/custom-header            GET + X-Token               blocked        x-token not in Access-Control-Allow-Headers (OPTIONS answered 204)
/patch                    method 'patch'              blocked        patch not in Access-Control-Allow-Methods (OPTIONS answered 204)
/http-to-https            PUT application/json        blocked        OPTIONS answered 301 (a redirect)
/expose-missing           GET, read X-Total-Count     ok (cors 200)  simple request; x-total-count not exposed
/expose-ok                GET, read X-Total-Count     ok (cors 200)  simple request
/max-age                  PUT application/json (1st)  ok (cors 200)  preflight passed
/max-age                  PUT application/json (2nd)  ok (cors 200)  no OPTIONS: preflight cached (Max-Age)
/login                    GET, credentials: include   ok (cors 200)  simple request; cookie session not sent: third-party cookies are blocked; cookie sid not stored: a cross-site response may not set a SameSite=Lax/Strict cookie
http://api.example/items  GET over plain http         blocked        blocked as mixed content, nothing sent";
    assert_eq!(table, expected);
    assert!(out.starts_with(
        "A page at https://app.example calls fetch() on a demo server at http://127.0.0.1:"
    ));
}

#[test]
fn demo_verbose_shows_each_exchange() {
    let o = run(&["demo", "--verbose"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    // The second /max-age request sends no OPTIONS: the section shows one PUT only.
    let second = out
        .split("── /max-age PUT application/json (2nd)")
        .nth(1)
        .unwrap();
    let second = second.split("endpoint").next().unwrap();
    assert!(!second.contains("OPTIONS http"), "{second}");
    assert!(second.contains("PUT http"), "{second}");
    assert!(
        second.contains("Preflight: needed, answered from the preflight cache"),
        "{second}"
    );
    assert!(out.contains(
        "OPTIONS answered 401: let preflights (OPTIONS) through the auth layer before authentication"
    ));
    assert!(out.contains("the redirect goes http→https"));
}

#[test]
fn audit_tables_and_json() {
    let api = |page: &str| {
        start(vec![
            Route::new("OPTIONS", "/api", 204)
                .header("Access-Control-Allow-Origin", page)
                .header("Access-Control-Allow-Methods", "GET, PUT")
                .header("Access-Control-Allow-Headers", "content-type"),
            Route::new("*", "/api", 200)
                .header("Access-Control-Allow-Origin", page)
                .header("Content-Type", "application/json")
                .body("{}"),
        ])
    };
    let port = api(PAGE);
    let url = format!("http://127.0.0.1:{port}/api");
    let o = run(&["audit", &url, "--origin", PAGE, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let probes = v["probes"].as_array().unwrap();
    assert_eq!(probes.len(), 6 * 4 * 2);
    let find = |m: &str, h: &str, c: &str| {
        probes
            .iter()
            .find(|p| p["method"] == m && p["header"] == h && p["credentials"] == c)
            .unwrap()["results"]["chromium"]
            .clone()
    };
    assert_eq!(find("GET", "-", "omit")["verdict"], "ok");
    // No Access-Control-Allow-Credentials: credentialed requests fail.
    assert_eq!(find("GET", "-", "include")["verdict"], "blocked");
    assert_eq!(
        find("GET", "-", "include")["reason"],
        "no Access-Control-Allow-Credentials: true (on a 200)"
    );
    // PUT passes its preflight and is not sent without --send-unsafe.
    let put = find("PUT", "Content-Type: application/json", "omit");
    assert_eq!(put["verdict"], "would-send");
    assert_eq!(put["preflighted"], true);
    assert_eq!(
        find("DELETE", "-", "omit")["reason"],
        "DELETE not in Access-Control-Allow-Methods (OPTIONS answered 204)"
    );
    assert_eq!(
        find("GET", "Authorization: Bearer audit", "omit")["reason"],
        "authorization not in Access-Control-Allow-Headers (OPTIONS answered 204)"
    );

    let o = run(&["audit", &url, "--origin", PAGE, "--json", "--send-unsafe"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let put = v["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["method"] == "PUT" && p["header"] == "-" && p["credentials"] == "omit")
        .unwrap();
    assert_eq!(
        put["results"]["chromium"]["verdict"], "ok",
        "sent with --send-unsafe"
    );

    let url = format!("http://127.0.0.1:{}/api", api(HTTP_PAGE));
    let o = run(&["audit", &url, "--origin", HTTP_PAGE, "--browser", "all"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    // One verdict column: the engines agree on every row here.
    let is_header = |l: &&str| l.split_whitespace().take(2).eq(["#", "method"]);
    let header = out.lines().find(is_header).unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["#", "method", "header", "creds", "verdict"]
    );
    assert!(out.contains("the browsers agree on every request"), "{out}");
    let row = out
        .lines()
        .find(|l| l.split_whitespace().take(2).eq(["1", "GET"]))
        .unwrap_or_default();
    assert!(row.ends_with("yes (200)"), "{out}");
    // The root causes come first, with the rows they explain.
    let first = out.lines().position(|l| l == "Root causes:").unwrap();
    assert!(first < out.lines().position(|l| is_header(&l)).unwrap());
    // Every credentialed row lacks Access-Control-Allow-Credentials, but 18
    // (a simple POST, not sent without --send-unsafe).
    assert!(
        out.contains(
            " 1. credentials not allowed: 23 rows (2, 4, 6, 8, 10, 12, 14, 16, 20, 22, 24,"
        ),
        "{out}"
    );
}

#[test]
fn audit_stops_early_and_probes_the_apps_own_request() {
    // A port nothing listens on: one attempt, one line, exit 2.
    let down = format!("http://127.0.0.1:{}/x", closed_port());
    let started = std::time::Instant::now();
    assert_usage_error(
        &run(&[
            "audit",
            &down,
            "--origin",
            PAGE,
            "--browser",
            "all",
            "--timeout",
            "2",
        ]),
        "cannot reach",
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_usage_error(
        &run(&["audit", "localhost:8080/x", "--origin", PAGE]),
        "did you mean http://localhost:8080/x?",
    );
    assert_usage_error(
        &run(&[
            "audit",
            &down,
            "--origin",
            PAGE,
            "--credentials",
            "sometimes",
        ]),
        "invalid credentials",
    );
    // -X and -H: the app's request, and the same without the headers.
    let port = start(vec![
        Route::new("OPTIONS", "/api", 204)
            .header("Access-Control-Allow-Origin", PAGE)
            .header("Access-Control-Allow-Methods", "PUT")
            .header("Access-Control-Allow-Headers", "x-token"),
        Route::new("*", "/api", 200).header("Access-Control-Allow-Origin", PAGE),
    ]);
    let url = format!("http://127.0.0.1:{port}/api");
    let o = run(&[
        "audit",
        &url,
        "--origin",
        "https://app.test/",
        "-X",
        "PUT",
        "-H",
        "X-Token: 1",
        "-H",
        "X-Other: 2",
        "--credentials",
        "omit",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["origin"], PAGE, "a trailing / on --origin is accepted");
    let probes = v["probes"].as_array().unwrap();
    assert_eq!(probes.len(), 2);
    assert_eq!(probes[1]["header"], "X-Token: 1, X-Other: 2");
    assert_eq!(probes[0]["results"]["chromium"]["verdict"], "would-send");
    assert_eq!(probes[0]["results"]["chromium"]["preflight_reused"], true);
    assert_eq!(
        probes[1]["results"]["chromium"]["reason"],
        "x-other not in Access-Control-Allow-Headers (OPTIONS answered 204)"
    );
    assert_eq!(v["causes"][0]["cause"], "header-not-allowed");
    assert_eq!(v["causes"][0]["rows"], serde_json::json!([2]));
    assert_eq!(
        v["causes"][0]["fixes"][0],
        "the OPTIONS response must list x-other in Access-Control-Allow-Headers"
    );
}

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in ["check", "demo", "audit", "replay"] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0));
        let out = stdout(&o);
        assert!(out.contains("Example"), "{cmd}: {out}");
        if cmd != "replay" {
            assert!(out.contains("--browser"), "{cmd}");
        }
    }
    let out = stdout(&run(&["check", "--help"]));
    assert!(out.contains("forbidden header"), "{out}");
}

#[test]
fn replay_of_the_vectors_passes() {
    let o = run(&["replay", "../spec-tests/vectors/chromium-156.json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).ends_with(" passed, 0 failed\n"));
}

#[test]
fn replay_fails_when_only_sec_fetch_differs() {
    // One recorded step whose Sec-Fetch-Site is changed: the outcome still
    // agrees, the step must not.
    let text = std::fs::read_to_string("../spec-tests/vectors/chromium-156-cookie-redirects.json")
        .unwrap();
    let mut scenarios: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = &mut scenarios[0];
    first["steps"][0]["expect"]["server_log"][0]["sec_fetch_site"] = "cross-site".into();
    let one = serde_json::Value::Array(vec![first.clone()]);
    let path = std::env::temp_dir().join(format!(
        "chromium-156-sec-fetch-{}.json",
        std::process::id()
    ));
    std::fs::write(&path, one.to_string()).unwrap();
    let o = run(&["replay", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("step 0: Sec-Fetch-*"), "{}", stdout(&o));
    assert!(
        stdout(&o).ends_with("0 passed, 1 failed\n"),
        "{}",
        stdout(&o)
    );
}

/// Runs `openssl` with `args` in `dir`; false when openssl is missing or fails.
fn openssl(dir: &std::path::Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn https_certificate_problems_name_the_option_that_helps() {
    let dir = std::env::temp_dir().join(format!("browser-cors-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A private CA, and a server certificate for 127.0.0.1 signed by it.
    std::fs::write(
        dir.join("ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    let made = openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "1",
            "-subj",
            "/CN=test CA",
        ],
    ) && openssl(
        &dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "s.key",
            "-out",
            "s.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ) && openssl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "s.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "s.pem",
            "-days",
            "1",
            "-extfile",
            "ext",
        ],
    );
    if !made {
        eprintln!("skipped: the openssl command is needed to make the certificates");
        return;
    }
    let port = closed_port();
    // s_server on loopback, for a few connections only (it exits by itself).
    let mut server = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
            "s.pem",
            "-key",
            "s.key",
            "-www",
            "-naccept",
            "6",
        ])
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        let mut line = String::new();
        let mut out = std::io::BufReader::new(server.stdout.take().unwrap());
        while !line.contains("ACCEPT") {
            line.clear();
            assert!(
                out.read_line(&mut line).unwrap() > 0,
                "s_server did not start"
            );
        }
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    }
    let url = format!("https://127.0.0.1:{port}/");
    let o = run(&["check", &url, "--origin", PAGE]);
    assert_usage_error(&o, "cannot verify the certificate of");
    assert!(
        stderr(&o).contains("(UnknownIssuer): pass --cacert FILE"),
        "{}",
        stderr(&o)
    );
    let ca = dir.join("ca.pem");
    let o = run(&[
        "check",
        &url,
        "--origin",
        PAGE,
        "--cacert",
        ca.to_str().unwrap(),
    ]);
    // Verified: s_server's status page has no CORS headers, a CORS refusal.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("MissingAllowOriginHeader"),
        "{}",
        stdout(&o)
    );
    let o = run(&["check", &url, "--origin", PAGE, "--insecure"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn audit_marks_a_disagreement_in_text() {
    // Chromium safelists the DPR client hint; Firefox and WebKit preflight
    // it, and this server has no OPTIONS route (404).
    let port = start(vec![
        Route::new("GET", "/img", 200).header("Access-Control-Allow-Origin", "*"),
    ]);
    let url = format!("http://127.0.0.1:{port}/img");
    let o = Command::new(env!("CARGO_BIN_EXE_browser-cors"))
        .args([
            "audit",
            &url,
            "--origin",
            HTTP_PAGE,
            "-X",
            "GET",
            "-H",
            "DPR: 2",
            "--credentials",
            "omit",
            "--browser",
            "all",
        ])
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let row = out.lines().find(|l| l.starts_with("2 ")).unwrap();
    assert!(
        row.ends_with(
            "≠ chromium: yes (200); firefox, webkit: no: OPTIONS answered 404, without CORS headers"
        ),
        "{out}"
    );
    assert!(
        out.contains("1 request where the browsers disagree (marked ≠)"),
        "{out}"
    );
    assert!(
        out.contains(" 1. OPTIONS is not handled: 1 row (2) [firefox, webkit]"),
        "{out}"
    );
}

#[test]
fn a_server_that_never_answers_stops_the_audit_after_one_timeout() {
    // Accepts connections and never answers; gone after 20 s at most.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        l.set_nonblocking(true).unwrap();
        let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::time::Instant::now() < until {
            if let Ok((s, _)) = l.accept() {
                held.push(s);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    });
    let url = format!("http://127.0.0.1:{port}/x");
    let started = std::time::Instant::now();
    let o = run(&[
        "audit",
        &url,
        "--origin",
        PAGE,
        "--browser",
        "all",
        "--timeout",
        "1",
    ]);
    assert_usage_error(&o, "no answer within 1 s (--timeout to wait longer)");
    // One probe, not 144 of them.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn audit_shows_what_each_engine_does_with_a_cached_wildcard() {
    let port = start(vec![
        Route::new("OPTIONS", "/w", 204)
            .header("Access-Control-Allow-Origin", "*")
            .header("Access-Control-Allow-Methods", "*")
            .header("Access-Control-Allow-Headers", "*")
            .header("Access-Control-Max-Age", "600"),
        Route::new("*", "/w", 200).header("Access-Control-Allow-Origin", "*"),
    ]);
    let url = format!("http://127.0.0.1:{port}/w");
    let o = run(&[
        "audit",
        &url,
        "--origin",
        HTTP_PAGE,
        "-X",
        "PUT",
        "--credentials",
        "omit",
        "--browser",
        "all",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cache = v["cache"].as_array().unwrap();
    let by = |name: &str| cache.iter().find(|c| c["browser"] == name).unwrap().clone();
    // Chromium and WebKit let a cached * serve other names; Firefox keeps it literal.
    assert_eq!(by("chromium")["wildcard_reused"], true);
    assert_eq!(by("firefox")["wildcard_reused"], false);
    assert_eq!(by("webkit")["wildcard_reused"], true);
    assert_eq!(by("webkit")["lifetime_s"], 600);
    // Chromium's cached * does not cover Authorization
    // (misc/star-cache-then-authorization): that PUT row is preflighted
    // again; WebKit's does.
    assert_eq!(
        by("chromium")["reused"],
        3,
        "three of the four PUT rows (default header set) found the preflight cached"
    );
    assert_eq!(by("webkit")["reused"], 4);
}

#[test]
fn check_takes_the_pages_address_space_permission_and_policies() {
    let port = start(vec![
        Route::new("GET", "/lan", 200).header("Access-Control-Allow-Origin", "*"),
    ]);
    let url = format!("http://127.0.0.1:{port}/lan");
    // A public page reaching loopback: Chromium denies (headless), nothing sent.
    let o = run(&[
        "check",
        &url,
        "--origin",
        PAGE,
        "--page-address-space",
        "public",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "Permission was denied for this request to access the `loopback` address space."
        ),
        "{out}"
    );
    assert!(
        !out.contains("page ──▶ server"),
        "nothing may be sent: {out}"
    );
    // Granted: the fetch resolves.
    let o = run(&[
        "check",
        &url,
        "--origin",
        PAGE,
        "--page-address-space",
        "public",
        "--local-network",
        "granted",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // The page's own COEP: a no-cors fetch without CORP is blocked.
    let o = run(&[
        "check",
        &url,
        "--origin",
        PAGE,
        "--mode",
        "no-cors",
        "--page-header",
        "Cross-Origin-Embedder-Policy: require-corp",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o)
            .contains("net::ERR_BLOCKED_BY_RESPONSE.NotSameOriginAfterDefaultedToSameOriginByCoep"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn check_json_lists_each_withheld_cookie_with_its_reason_and_fix() {
    let port = start(api_routes());
    let url = format!("http://127.0.0.1:{port}/ok");
    let args = [
        "check",
        &url,
        "--origin",
        PAGE,
        "-X",
        "PUT",
        "-H",
        "X-Token: 1",
        "--credentials",
        "include",
        "--cookie",
        "sid=7",
        "--json",
    ];
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["cookies"][0]["name"], "sid");
    assert_eq!(v["cookies"][0]["action"], "not-sent");
    assert_eq!(v["cookies"][0]["reason"], "third-party-blocked");
    assert!(
        v["cookies"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("Partitioned")
    );
    // With the switch users turn on, the (Lax) cookie is still withheld cross-site.
    let mut allowed = args.to_vec();
    allowed.extend(["--third-party-cookies", "allowed"]);
    let v: serde_json::Value = serde_json::from_slice(&run(&allowed).stdout).unwrap();
    assert_eq!(v["cookies"][0]["reason"], "same-site-default-lax");
}

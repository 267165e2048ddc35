//! Tests of the recorder itself (`browser-cors record`/`verify`, feature
//! `record`): its pure helpers, the server's exactness on the wire, the runner
//! protocol driven by hand, the stable-runs filter, bounded waits when the
//! "browser" dies or hangs, and (when Chromium is installed) a live
//! recording checked against the shipped Chromium 156 expectations.

#[allow(dead_code, unused_imports)]
#[path = "../src/cli/record/mod.rs"]
mod record;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use record::plan::{self, Origins};
use record::server::{Event, Server};
use serde_json::{Value, json};

fn origins() -> Origins {
    Origins::new(&[40001, 40002, 40003, 40004, 40005, 40006, 40007, 40008])
}

#[test]
fn urls_get_the_scenario_prefix_after_their_placeholder() {
    let o = origins();
    assert_eq!(
        o.fill_url("{B}/r", "/s0007"),
        "http://127.0.0.1:40002/s0007/r"
    );
    assert_eq!(o.fill_url("/r?x=1", "/s0007"), "/s0007/r?x=1");
    assert_eq!(
        o.fill_url("{B}/t?q=1#frag", "/s0001"),
        "http://127.0.0.1:40002/s0001/t?q=1#frag"
    );
    assert_eq!(
        o.fill_url("http://u:p@{A_host}/t", "/s0002"),
        "http://u:p@127.0.0.1:40001/s0002/t"
    );
    assert_eq!(
        o.fill_url("{S}/r", "/s0003"),
        "https://app.test:40004/s0003/r"
    );
    assert_eq!(
        o.fill_url("data:text/plain,hi", "/s0001"),
        "data:text/plain,hi"
    );
    assert_eq!(o.fill_url("", "/s0001"), "");
}

#[test]
fn urls_shown_by_the_browser_lose_prefix_and_port() {
    let o = origins();
    assert_eq!(
        o.unfill_url("http://127.0.0.1:40002/s0003/r?x#", "/s0003"),
        "{B}/r?x#"
    );
    assert_eq!(
        o.unfill_url("http://localhost:40003/s0003", "/s0003"),
        "{C}/"
    );
    assert_eq!(
        o.unfill_url("http://u:p@127.0.0.1:40001/s0215/t", "/s0215"),
        "http://u:p@{A_host}/t"
    );
    // A port that merely starts with another's is not that origin.
    let o2 = Origins::new(&[4000, 40001, 3, 4, 5, 6, 7, 8]);
    assert_eq!(o2.unfill("http://127.0.0.1:40001/x"), "{B}/x");
}

#[test]
fn cookies_are_scoped_to_their_scenario() {
    assert_eq!(
        plan::scope_cookie("a=b; Path=/", "/s0004", false),
        "a=b; Path=/s0004"
    );
    assert_eq!(
        plan::scope_cookie("a=b; path=/x; Secure", "/s0004", false),
        "a=b; path=/s0004/x; Secure"
    );
    assert_eq!(plan::scope_cookie("a=b", "/s0004", false), "a=b");
    assert_eq!(
        plan::scope_cookie("a=b", "/s0004", true),
        "a=b; Path=/s0004"
    );
    assert_eq!(
        plan::scope_cookie("__Host-h=1; Secure; Path=/", "/s0004", true),
        "__Host-h=1; Secure; Path=/"
    );
    assert_eq!(plan::split_prefix("/s0012/r"), Some((11, "/r")));
    assert_eq!(plan::split_prefix("/s0012"), Some((11, "/")));
    assert_eq!(plan::split_prefix("/s001/r"), None);
    assert_eq!(plan::split_prefix("/s0000/r"), None);
    assert_eq!(plan::split_prefix("/favicon.ico"), None);
}

#[test]
fn sessions_group_by_address_spaces_and_isolate_host_cookies() {
    let s = vec![
        json!({"id": "a", "routes": [], "steps": []}),
        json!({"id": "b", "address_spaces": {"{S}": "public"}, "routes": [], "steps": []}),
        json!({"id": "c", "routes": [], "steps": []}),
        json!({"id": "d", "setup": [{"visit": "{S}", "set_cookie": ["__Host-h=1; Secure; Path=/"]}],
               "routes": [], "steps": []}),
        json!({"id": "e", "address_spaces": {"{S}": "public"}, "routes": [], "steps": []}),
    ];
    assert_eq!(record::sessions(&s), vec![vec![0, 2], vec![1, 4], vec![3]]);
}

fn rec(expects: Vec<Option<Vec<Value>>>) -> record::Recording {
    record::Recording {
        expects,
        ..record::Recording::default()
    }
}

#[test]
fn only_scenarios_identical_in_every_run_are_kept() {
    let ok = json!({"result": "response"});
    let err = json!({"result": "network-error", "server_log": []});
    let runs = vec![
        rec(vec![
            Some(vec![ok.clone()]),
            Some(vec![ok.clone()]),
            Some(vec![ok.clone()]),
        ]),
        rec(vec![Some(vec![ok.clone()]), Some(vec![err.clone()]), None]),
        rec(vec![
            Some(vec![ok.clone()]),
            Some(vec![ok.clone()]),
            Some(vec![ok.clone()]),
        ]),
    ];
    let (kept, unstable) = record::stable(&runs, 3);
    assert_eq!(kept, vec![Some(vec![ok.clone()]), None, None]);
    assert_eq!(
        unstable,
        vec![
            (1, "run 2 differs from run 1".to_owned()),
            (2, "not recorded in 1 of 3 runs".to_owned())
        ]
    );
    let (kept, unstable) = record::stable(&runs[..1], 3);
    assert_eq!(kept.iter().filter(|k| k.is_some()).count(), 3);
    assert!(unstable.is_empty());
}

fn scenario() -> Value {
    json!({
        "id": "wire/exact",
        "note": "n",
        "routes": [
            {"origin": "{B}", "path": "/r", "method": "OPTIONS", "status": 204,
             "headers": [["Access-Control-Allow-Origin", "{A}"], ["access-control-allow-methods", "PUT"]]},
            {"origin": "{B}", "path": "/r", "method": "*", "status": 200,
             "headers": [["Access-Control-Allow-Origin", "{A}"], ["X-Dup", "1"], ["x-dup", " 2 "],
                         ["X-Latin", "caf\u{e9}"], ["Set-Cookie", "k=v; Path=/"], ["Location", "{C}/next"]],
             "body": "ok\n"}
        ],
        "steps": [{"fetch": {"url": "{B}/r", "method": "PUT", "headers": [["X-Custom", "1"]], "body": "x"}}]
    })
}

/// Sends `request` on a raw TCP connection and returns every byte until
/// the server closes it.
fn raw(port: u16, request: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    out
}

fn port(server: &Server, letter: &str) -> u16 {
    let o = server.origins.get(letter).unwrap();
    o.rsplit(':').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_sends_exactly_the_scripted_bytes() {
    let server = Server::start(vec![scenario()], None).await.unwrap();
    let (b, a, c) = (
        port(&server, "B"),
        server.origins.get("A").unwrap().to_owned(),
        server.origins.get("C").unwrap().to_owned(),
    );
    let got = tokio::task::spawn_blocking(move || {
        raw(
            b,
            "PUT /s0001/r HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx",
        )
    })
    .await
    .unwrap();
    let mut want = format!(
        "HTTP/1.0 200 OK\r\nAccess-Control-Allow-Origin: {a}\r\nX-Dup: 1\r\nx-dup:  2 \r\nX-Latin: caf"
    )
    .into_bytes();
    want.push(0xe9);
    want.extend_from_slice(
        format!("\r\nSet-Cookie: k=v; Path=/s0001\r\nLocation: {c}/s0001/next\r\n\r\nok\n")
            .as_bytes(),
    );
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want)
    );
    assert_eq!(got, want);

    let got =
        tokio::task::spawn_blocking(move || raw(b, "OPTIONS /s0001/r HTTP/1.1\r\nHost: x\r\n\r\n"))
            .await
            .unwrap();
    let want = format!(
        "HTTP/1.0 204 No Content\r\nAccess-Control-Allow-Origin: {a}\r\naccess-control-allow-methods: PUT\r\n\r\n"
    );
    assert_eq!(String::from_utf8_lossy(&got), want);

    // Another origin, path or an unprefixed path: a bare 404.
    let a_port = port(&server, "A");
    for (p, req) in [
        (a_port, "GET /s0001/r HTTP/1.1\r\n\r\n"),
        (b, "GET /s0001/other HTTP/1.1\r\n\r\n"),
        (b, "GET /r HTTP/1.1\r\n\r\n"),
        (b, "GET /s0002/r HTTP/1.1\r\n\r\n"),
    ] {
        let got = tokio::task::spawn_blocking(move || raw(p, req))
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&got),
            "HTTP/1.0 404 Not Found\r\n\r\n"
        );
    }
    // Not HTTP (a TLS ClientHello on a plain port): closed without a byte.
    let got = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(("127.0.0.1", b)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(&[0x16, 0x03, 0x01, 0x00, 0x05]).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        out
    })
    .await
    .unwrap();
    assert!(got.is_empty());
}

async fn get(url: String) -> (String, String) {
    let r = reqwest::Client::new().get(url).send().await.unwrap();
    let cookie = r
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (cookie, r.text().await.unwrap())
}

async fn post(url: String, body: String) -> u16 {
    reqwest::Client::new()
        .post(url)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text.find(start).unwrap() + start.len();
    let j = text[i..].find(end).unwrap() + i;
    &text[i..j]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_protocol_builds_expect_from_the_page_and_the_wire() {
    let mut server = Server::start(vec![scenario()], None).await.unwrap();
    server.state.lock().unwrap().session = vec![0];
    let a = server.origins.get("A").unwrap().to_owned();
    let b = server.origins.get("B").unwrap().to_owned();

    // The start page sets the harness cookie and goes to the runner.
    let (cookie, body) = get(server.start_url()).await;
    assert_eq!(cookie, "cred=1; Path=/");
    assert!(
        body.contains(&format!("\"{a}/__oracle/runner?s=0\"")),
        "{body}"
    );
    assert!(body.contains(&format!("\"{b}/__oracle/warmup\"")), "{body}");
    assert_eq!(server.events.recv().await, Some(Event::Started));

    // The runner page carries the plan: the step's URL under the prefix.
    let (_, page) = get(format!("{a}/__oracle/runner?s=0")).await;
    let plan: Value = serde_json::from_str(between(&page, "const PLAN = ", ";\n")).unwrap();
    assert_eq!(plan["steps"][0]["url"], json!(format!("{b}/s0001/r")));
    assert_eq!(plan["steps"][0]["init"]["method"], json!("PUT"));
    assert_eq!(
        plan["steps"][0]["init"]["headers"],
        json!([["X-Custom", "1"]])
    );
    assert_eq!(plan["next"], json!(format!("{a}/__oracle/go?pos=1")));

    // A request before `begin` is not part of the step.
    let port_b = port(&server, "B");
    let pre = "GET /s0001/r HTTP/1.1\r\n\r\n";
    tokio::task::spawn_blocking(move || raw(port_b, pre))
        .await
        .unwrap();
    assert_eq!(
        post(format!("{a}/__oracle/begin?s=0&i=0"), String::new()).await,
        204
    );
    let preflight = format!(
        "OPTIONS /s0001/r HTTP/1.1\r\nHost: x\r\nOrigin: {a}\r\nAccess-Control-Request-Method: PUT\r\n\
         Access-Control-Request-Headers: x-custom\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Site: same-site\r\n\r\n"
    );
    let actual = format!(
        "PUT /s0001/r?q=1 HTTP/1.1\r\nHost: x\r\nOrigin: {a}\r\nX-Custom: 1\r\nContent-Type: text/plain;charset=UTF-8\r\n\
         Cookie: z=1; cred=1\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Site: same-site\r\nContent-Length: 1\r\n\r\nx"
    );
    tokio::task::spawn_blocking(move || {
        raw(port_b, &preflight);
        raw(port_b, &actual);
    })
    .await
    .unwrap();
    let shown = json!({"result": "response", "type": "cors", "status": 200, "redirected": false,
                       "url": format!("{b}/s0001/r?q=1"), "headers": ["x-dup", "content-type", "x-dup"]});
    assert_eq!(
        post(format!("{a}/__oracle/result?s=0&i=0"), shown.to_string()).await,
        204
    );
    assert_eq!(
        server.events.recv().await,
        Some(Event::Step {
            scenario: 0,
            step: 0
        })
    );
    let expect = server
        .state
        .lock()
        .unwrap()
        .expects
        .get(&(0, 0))
        .cloned()
        .unwrap();
    let want = json!({
        "result": "response", "type": "cors", "status": 200, "redirected": false,
        "url": "{B}/r?q=1", "headers": ["content-type", "x-dup"],
        "server_log": [
            {"method": "OPTIONS", "origin_url": "{B}/r", "origin": "{A}", "acrm": "PUT",
             "acrh": "x-custom", "cookie": false, "sec_fetch_mode": "cors", "sec_fetch_site": "same-site",
             "request_headers": {"x-custom": null, "content-type": null}},
            {"method": "PUT", "origin_url": "{B}/r", "origin": "{A}", "acrm": null, "acrh": null,
             "cookie": true, "sec_fetch_mode": "cors", "sec_fetch_site": "same-site",
             "request_headers": {"x-custom": "1", "content-type": "text/plain;charset=UTF-8"}}
        ]
    });
    assert_eq!(expect, want);
    assert_eq!(server.state.lock().unwrap().stray.len(), 1);

    // A result for a step that did not begin is refused.
    assert_eq!(
        post(format!("{a}/__oracle/result?s=0&i=0"), shown.to_string()).await,
        409
    );
    // The end of the session.
    let (_, done) = get(format!("{a}/__oracle/go?pos=1")).await;
    assert!(done.contains("done"));
    assert_eq!(server.events.recv().await, Some(Event::Done));
}

#[test]
fn a_format2_log_entry_names_the_cookies_in_order() {
    let seen = plan::Seen {
        method: "GET".into(),
        placeholder: "{T}".into(),
        path: "/r".into(),
        headers: vec![("cookie".into(), "b=1; a=2; nameless".into())],
    };
    let entry = plan::log_entry(&seen, &json!({"url": "{T}/r"}), &origins(), true);
    assert_eq!(entry["cookies"], json!(["b", "a", ""]));
    assert_eq!(entry["cookie"], json!(true));
    assert!(entry.get("request_headers").is_none());
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_browser-cors"))
}

/// A fake browser: `--version` answers, anything else runs `body`.
fn fake_browser(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'Fake 156.0.1'; exit 0; fi\n{body}\n"
        ),
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    path
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "browser-cors-record-test-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_browser_that_exits_at_once_is_a_clear_error_not_a_hang() {
    let dir = temp_dir("exits");
    let fake = fake_browser(&dir, "exits", "exit 3");
    let start = Instant::now();
    let out = Command::new(bin())
        .args(["record", "smoke/smoke.json"])
        .arg(dir.join("out.json"))
        .args(["--browser", "chromium", "--browser-path"])
        .arg(&fake)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("exited") && err.contains("before loading the runner page"),
        "{err}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert!(!dir.join("out.json").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_browser_that_hangs_is_stopped_with_its_process_group() {
    let dir = temp_dir("hangs");
    let pids = dir.join("pids");
    // The "browser" starts a child of its own and never loads the page.
    let fake = fake_browser(
        &dir,
        "hangs",
        &format!("sleep 300 & echo $! > {}\nsleep 300", pids.display()),
    );
    let start = Instant::now();
    let out = Command::new(bin())
        .args(["record", "smoke/smoke.json"])
        .arg(dir.join("out.json"))
        .args(["--browser", "chromium", "--browser-path"])
        .arg(&fake)
        .env("BROWSER_CORS_START_TIMEOUT", "4")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("did not load the runner page within 4 s"),
        "{err}"
    );
    let took = start.elapsed();
    assert!(took < Duration::from_secs(15), "{took:?}");
    let child = std::fs::read_to_string(&pids).unwrap();
    // Killed: gone, or a zombie waiting for init to reap it (SIGKILL is
    // delivered at once, the reaping is not ours to wait for).
    let stat = format!("/proc/{}/stat", child.trim());
    let deadline = Instant::now() + Duration::from_secs(5);
    let running = loop {
        let state = std::fs::read_to_string(&stat)
            .ok()
            .and_then(|s| s.rsplit(')').next().map(|r| r.trim().chars().next()))
            .flatten();
        let running = !matches!(state, None | Some('Z' | 'X'));
        if !running || Instant::now() > deadline {
            break running;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        !running,
        "the fake browser's child {} outlived the recorder",
        child.trim()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_browser_says_how_to_install_it() {
    let out = Command::new(bin())
        .args([
            "verify",
            "--browser",
            "chromium",
            "--browser-path",
            "/nonexistent/chromium",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("/nonexistent/chromium: no such file"), "{err}");
    let err = record::browser::Engine::Chromium
        .find_among(&["/nonexistent/a", "/nonexistent/b"])
        .unwrap_err();
    assert_eq!(
        err,
        "no chromium found; install chromium: apt-get install chromium libnss3-tools"
    );
}

/// With Chromium installed, a live recording of the smoke set must equal the
/// shipped Chromium 156 expectations of the same scenarios.
#[test]
fn live_chromium_recording_matches_the_shipped_vectors() {
    let Ok(binary) = record::browser::Engine::Chromium.find(None) else {
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        return;
    };
    let version = record::browser::Engine::Chromium.version(&binary).unwrap();
    if record::browser::major(&version) != "156" {
        eprintln!("skipped: {version} is not the shipped vectors' Chromium 156");
        return;
    }
    let dir = temp_dir("live");
    let out_file = dir.join("smoke.json");
    let out = Command::new(bin())
        .args(["record", "smoke/smoke.json"])
        .arg(&out_file)
        .args(["--browser", "chromium"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Chromium 156.") && stdout.contains("label chromium-156.json"),
        "{stdout}"
    );
    let recorded: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let shipped: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string("../spec-tests/vectors/chromium-156.json").unwrap(),
    )
    .unwrap();
    assert_eq!(recorded.len(), 31);
    for r in &recorded {
        let s = shipped.iter().find(|s| s["id"] == r["id"]).unwrap();
        assert_eq!(r["steps"], s["steps"], "{}", r["id"]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_reaches_only_the_recorders_own_listeners() {
    let server = Server::start(vec![scenario()], None).await.unwrap();
    let proxy = server.proxy_port;
    let b = port(&server, "B");
    let a = server.origins.get("A").unwrap().to_owned();
    // CONNECT to a listener: 200, then the listener's own bytes.
    let got = tokio::task::spawn_blocking(move || {
        raw(
            proxy,
            &format!(
                "CONNECT api.other.test:{b} HTTP/1.1\r\nHost: api.other.test:{b}\r\n\r\n\
                 OPTIONS /s0001/r HTTP/1.1\r\nHost: x\r\n\r\n"
            ),
        )
    })
    .await
    .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&got),
        format!(
            "HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.0 204 No Content\r\n\
             Access-Control-Allow-Origin: {a}\r\naccess-control-allow-methods: PUT\r\n\r\n"
        )
    );
    // An absolute-form request is passed on and served by path.
    let got = tokio::task::spawn_blocking(move || {
        raw(
            proxy,
            &format!("OPTIONS http://app.test:{b}/s0001/r HTTP/1.1\r\nHost: app.test:{b}\r\n\r\n"),
        )
    })
    .await
    .unwrap();
    assert!(
        String::from_utf8_lossy(&got).starts_with("HTTP/1.0 204 No Content\r\n"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    // Any other port is refused.
    let got =
        tokio::task::spawn_blocking(move || raw(proxy, "CONNECT example.com:443 HTTP/1.1\r\n\r\n"))
            .await
            .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&got),
        "HTTP/1.1 403 Forbidden\r\n\r\n"
    );
}

#[test]
fn recordings_are_labelled_by_engine_and_major_version() {
    use record::browser::{Engine, major};
    assert_eq!(
        major("Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)"),
        "156"
    );
    assert_eq!(major("Mozilla Firefox 153.8.0esr"), "153");
    assert_eq!(major("WebKitGTK 2.50.6-1~deb12u2"), "2.50");
    assert_eq!(
        record::label(Engine::Chromium, "Chromium 156.0.8078.114", false),
        "chromium-156.json"
    );
    assert_eq!(
        record::label(Engine::Firefox, "Mozilla Firefox 153.8.0esr", true),
        "firefox-153-gate.json"
    );
    assert_eq!(
        record::label(Engine::Webkit, "WebKitGTK 2.50.6-1~deb12u2", false),
        "webkit-2.50.json"
    );
}

//! `browser-cors check --json` against real loopback servers agrees with
//! the recorded Chromium outcome of every single-step scenario of
//! `spec-tests/vectors/chromium-156.json` that the check flags can express.
//!
//! Three listeners stand for the three origins ({A}, {B} on 127.0.0.1, {C}
//! on localhost); every scenario's routes are served under a per-scenario
//! path prefix (as the recorder did), and the prefix is removed again from
//! the output before comparing.

#[allow(dead_code)]
#[path = "../src/cli/server.rs"]
mod server;

use std::process::Command;
use std::sync::Mutex;

use browser_cors::conformance::{Origins, Scenario};
use serde_json::Value;
use server::Route;

/// Scenarios whose `check` outcome is known to differ from the recording,
/// with the reason. The test fails when one of them starts agreeing.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[(
    "safelist/accept-unsafe-byte-del",
    "the header value holds DEL (0x7f), which http::HeaderValue (and so reqwest) refuses to carry: \
     the real exchange fails as a transport error (exit 2) where Chromium sends it",
)];

/// Why a scenario cannot be expressed with the check flags (None: it can).
fn not_expressible(s: &Scenario, engine: &str) -> Option<&'static str> {
    if s.steps.len() != 1 {
        return Some("several steps (check makes one fetch with a fresh browser)");
    }
    let f = &s.steps.first()?.fetch;
    // check refuses what the chosen engine forbids (User-Agent differs).
    let profile = engine.parse::<browser_cors::Engine>().ok()?.profile();
    for (name, value) in &f.headers {
        if name.is_empty() || name.contains(':') {
            return Some("a header name -H cannot write");
        }
        if value.chars().any(|c| u32::from(c) > 0xff) {
            return Some("a header value above U+00FF: check refuses it as a usage error (exit 2)");
        }
        let bytes: Vec<u8> = value.chars().map(|c| c as u8).collect();
        if browser_cors::safelist::is_forbidden_request_header(name, &bytes, &profile) {
            return Some(
                "a forbidden header: check refuses it as a usage error (exit 2) where fetch() drops it",
            );
        }
    }
    None
}

fn prefix_location(value: &str, prefix: &str) -> String {
    // http://u:p@{B_host}/t: the host placeholder inside a URL.
    for p in ["{A_host}", "{B_host}", "{C_host}"] {
        if value.contains(&format!("{p}/")) {
            return value.replacen(&format!("{p}/"), &format!("{p}{prefix}/"), 1);
        }
    }
    for p in ["{A}", "{B}", "{C}"] {
        if let Some(rest) = value.strip_prefix(p) {
            if rest.starts_with('/') {
                return format!("{p}{prefix}{rest}");
            }
        }
    }
    if value.starts_with('/') && !value.starts_with("//") {
        return format!("{prefix}{value}");
    }
    value.to_owned()
}

struct Case {
    id: String,
    args: Vec<String>,
    expect: browser_cors::conformance::Expectation,
    prefix: String,
}

fn strip(s: &str, origins: &Origins, prefix: &str) -> String {
    origins.unfill(s).replace(&format!("}}{prefix}/"), "}/")
}

/// The observed expectation fields, with placeholders, from check's JSON.
fn observed(v: &Value, origins: &Origins, prefix: &str) -> Value {
    let mut out = serde_json::Map::new();
    for k in ["result", "type", "status", "redirected", "headers"] {
        if let Some(x) = v.get(k) {
            out.insert(k.into(), x.clone());
        }
    }
    if let Some(u) = v.get("url").and_then(Value::as_str) {
        out.insert("url".into(), Value::String(strip(u, origins, prefix)));
    }
    let log: Vec<Value> = v
        .get("server_log")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .map(|e| {
                    let s = |k: &str| {
                        e.get(k)
                            .and_then(Value::as_str)
                            .map_or(Value::Null, |x| Value::String(strip(x, origins, prefix)))
                    };
                    serde_json::json!({
                        "method": e.get("method"), "origin_url": s("origin_url"), "origin": s("origin"),
                        "acrm": s("acrm"), "acrh": s("acrh"), "cookie": e.get("cookie"),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    out.insert("server_log".into(), Value::Array(log));
    Value::Object(out)
}

fn expected(e: &browser_cors::conformance::Expectation) -> Value {
    let mut v = serde_json::to_value(e).unwrap();
    let log: Vec<Value> = e
        .server_log
        .iter()
        .map(|l| {
            serde_json::json!({"method": l.method, "origin_url": l.origin_url, "origin": l.origin,
                "acrm": l.acrm, "acrh": l.acrh, "cookie": l.cookie})
        })
        .collect();
    v["server_log"] = Value::Array(log);
    v
}

#[test]
fn check_json_agrees_with_recorded_chromium() {
    agreement("chromium-156.json", "chromium", KNOWN_DIFFERENCES);
}

#[test]
fn check_json_agrees_with_recorded_firefox() {
    agreement("firefox-153.json", "firefox", KNOWN_DIFFERENCES);
}

#[test]
fn check_json_agrees_with_recorded_webkit() {
    agreement("webkit-2.50.json", "webkit", KNOWN_DIFFERENCES);
}

fn agreement(file: &str, engine: &str, known: &[(&str, &str)]) {
    let text = std::fs::read_to_string(format!("../spec-tests/vectors/{file}")).unwrap();
    let scenarios: Vec<Scenario> = serde_json::from_str(&text).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (la, lb, lc) = rt.block_on(async {
        (
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        )
    });
    let origins = Origins {
        a: format!("http://127.0.0.1:{}", la.local_addr().unwrap().port()),
        b: format!("http://127.0.0.1:{}", lb.local_addr().unwrap().port()),
        c: format!("http://localhost:{}", lc.local_addr().unwrap().port()),
        ..Origins::default()
    };

    let mut routes: [Vec<Route>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut cases = Vec::new();
    let mut excluded = Vec::new();
    for (i, s) in scenarios.iter().enumerate() {
        if let Some(why) = not_expressible(s, engine) {
            excluded.push((s.id.clone(), why));
            continue;
        }
        let prefix = format!("/s{i}");
        for r in &s.routes {
            let slot = match r.origin.as_str() {
                "{A}" => 0,
                "{B}" => 1,
                "{C}" => 2,
                other => panic!("unknown origin {other}"),
            };
            let mut route = Route::new(&r.method, &format!("{prefix}{}", r.path), r.status);
            for (n, v) in &r.headers {
                let v = if n.eq_ignore_ascii_case("location") {
                    prefix_location(v, &prefix)
                } else {
                    v.clone()
                };
                route = route.header(n, &origins.fill(&v));
            }
            if let Some(b) = &r.body {
                route = route.body(b);
            }
            routes[slot].push(route);
        }
        let step = &s.steps[0];
        let f = &step.fetch;
        let url = if f.url.starts_with('/') {
            format!("{}{prefix}{}", origins.a, f.url)
        } else {
            origins.fill(&prefix_location(&f.url, &prefix))
        };
        let mut args = vec![
            "check".to_owned(),
            url,
            "--origin".into(),
            origins.a.clone(),
            "--json".into(),
            "--browser".into(),
            engine.into(),
            "--cookie".into(),
            "127.0.0.1:cred=1".into(),
        ];
        if let Some(m) = &f.method {
            args.extend(["-X".into(), m.clone()]);
        }
        for (n, v) in &f.headers {
            args.extend(["-H".into(), format!("{n}: {v}")]);
        }
        if let Some(m) = f.mode {
            args.extend(["--mode".into(), m.as_str().into()]);
        }
        if let Some(c) = f.credentials {
            args.extend(["--credentials".into(), c.as_str().into()]);
        }
        if let Some(r) = f.redirect {
            args.extend(["--redirect".into(), r.as_str().into()]);
        }
        if let Some(b) = &f.body {
            args.extend(["--data".into(), b.clone()]);
        }
        cases.push(Case {
            id: s.id.clone(),
            args,
            expect: step.expect.clone(),
            prefix,
        });
    }
    let [ra, rb, rc] = routes;
    rt.spawn(server::serve(la, ra));
    rt.spawn(server::serve(lb, rb));
    rt.spawn(server::serve(lc, rc));

    let results = Mutex::new(Vec::new());
    let next = Mutex::new(0usize);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some(case) = cases.get(i) else { break };
                    let out = Command::new(env!("CARGO_BIN_EXE_browser-cors"))
                        .args(&case.args)
                        .env("NO_COLOR", "1")
                        .output()
                        .unwrap();
                    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
                        panic!(
                            "{}: not JSON ({e}): {} {}",
                            case.id,
                            String::from_utf8_lossy(&out.stdout),
                            String::from_utf8_lossy(&out.stderr)
                        )
                    });
                    let obs = observed(&json, &origins, &case.prefix);
                    let exp = expected(&case.expect);
                    let want_code = if case.expect.result == "response" {
                        0
                    } else {
                        1
                    };
                    let agrees = obs == exp && out.status.code() == Some(want_code);
                    results.lock().unwrap().push((
                        case.id.clone(),
                        agrees,
                        obs,
                        exp,
                        out.status.code(),
                    ));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let agreeing = results.iter().filter(|r| r.1).count();
    eprintln!(
        "check --json --browser {engine} agrees with {file} on {agreeing} of {} scenarios run ({} excluded as not expressible)",
        results.len(),
        excluded.len()
    );
    for (id, why) in &excluded {
        eprintln!("  excluded {id}: {why}");
    }
    let mut failures = Vec::new();
    for (id, agrees, obs, exp, code) in &results {
        let known = known.iter().find(|(k, _)| k == id);
        match (agrees, known) {
            (false, None) => failures.push(format!(
                "{id}: disagrees (exit {code:?})\n  observed {obs}\n  expected {exp}"
            )),
            (true, Some((_, why))) => failures.push(format!(
                "{id}: listed as a known difference ({why}) but now agrees: remove it from the list"
            )),
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(agreeing > 150, "too few scenarios compared: {agreeing}");
}

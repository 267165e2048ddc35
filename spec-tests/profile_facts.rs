//! Each engine difference of `src/profile.rs`, pinned by a small scenario
//! run through the replayer (or, for cookie facts, the jar) in all three
//! engines: the engines that differ must differ, exactly here.
use browser_cors::Profile;
use browser_cors::conformance::{Expectation, Scenario, replay};
use browser_cors::profile::*;
use serde_json::{Value, json};

/// Runs `steps` (fetch arguments with optional `wait_ms`) against `routes`
/// and returns what the emulated browser did at each step.
fn observe(profile: &Profile, routes: Value, steps: Value) -> Vec<Expectation> {
    let steps: Vec<Value> = steps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut s = s.clone();
            let wait = s.get("wait_ms").cloned().unwrap_or(json!(0));
            if let Some(o) = s.as_object_mut() {
                o.remove("wait_ms");
            }
            json!({"fetch": s, "wait_ms": wait, "expect": {"result": "", "server_log": []}})
        })
        .collect();
    let scenario: Scenario =
        serde_json::from_value(json!({"id": "t", "routes": routes, "steps": steps})).unwrap();
    replay("t.json", &[scenario], profile)
        .into_iter()
        .map(|r| r.observed)
        .collect()
}

/// `fetch()`'s result (`response` / `network-error`) in each engine.
fn results(routes: Value, steps: Value) -> [String; 3] {
    Engine::ALL.map(|e| {
        observe(&e.profile(), routes.clone(), steps.clone())[0]
            .result
            .clone()
    })
}

/// How many requests the second step put on the wire, in each engine.
fn second_step_requests(routes: Value, steps: Value) -> [usize; 3] {
    Engine::ALL.map(|e| {
        observe(&e.profile(), routes.clone(), steps.clone())[1]
            .server_log
            .len()
    })
}

fn methods(e: &Expectation) -> Vec<&str> {
    e.server_log.iter().map(|l| l.method.as_str()).collect()
}

fn allow_all() -> Value {
    json!([
        {"origin": "{B}", "path": "/r", "method": "OPTIONS", "status": 204, "headers": [
            ["Access-Control-Allow-Origin", "{A}"], ["Access-Control-Allow-Methods", "PUT, DELETE"],
            ["Access-Control-Allow-Headers", "*"], ["Access-Control-Max-Age", "600"]]},
        {"origin": "{B}", "path": "/r", "method": "*", "status": 200, "headers": [["Access-Control-Allow-Origin", "{A}"]]}
    ])
}

/// Whether the single step with this header was preflighted, per engine.
fn preflighted_with(name: &str, value: &str) -> [bool; 3] {
    Engine::ALL.map(|e| {
        let obs = observe(
            &e.profile(),
            allow_all(),
            json!([{"url": "{B}/r", "headers": [[name, value]]}]),
        );
        methods(&obs[0]).first() == Some(&"OPTIONS")
    })
}

#[test]
fn client_hints_are_safelisted_only_in_chromium() {
    assert_eq!(preflighted_with("DPR", "2"), [false, true, true]);
    assert_eq!(preflighted_with("Save-Data", "on"), [false, true, true]);
    assert_eq!(preflighted_with("DPR", "abc"), [true, true, true]);
}

#[test]
fn high_bytes_are_unsafe_only_in_firefox() {
    assert_eq!(
        preflighted_with("Accept", "text/h\u{e9}"),
        [false, true, false]
    );
}

#[test]
fn user_agent_is_dropped_only_by_chromium() {
    assert_eq!(preflighted_with("User-Agent", "bot"), [false, true, true]);
    let obs = observe(
        &Profile::webkit(),
        allow_all(),
        json!([{"url": "{B}/r", "headers": [["User-Agent", "bot"]]}]),
    );
    let preflight_ua = obs[0].server_log[0].request_headers.as_ref().unwrap()["user-agent"].clone();
    assert_eq!(
        preflight_ua.as_deref(),
        Some("bot"),
        "WebKit copies the UA onto the preflight"
    );
}

#[test]
fn repeated_values_are_checked_one_by_one_in_firefox() {
    let a = "a".repeat(100);
    let obs: Vec<Vec<String>> = Engine::ALL
        .map(|e| {
            let o = observe(
                &e.profile(),
                allow_all(),
                json!([{"url": "{B}/r", "headers": [["Accept", a], ["Accept", a]]}]),
            );
            methods(&o[0]).iter().map(|m| m.to_string()).collect()
        })
        .to_vec();
    assert_eq!(
        obs,
        [vec!["OPTIONS", "GET"], vec!["GET"], vec!["OPTIONS", "GET"]]
    );
    let dup = observe(
        &Profile::firefox(),
        allow_all(),
        json!([{"url": "{B}/r", "headers": [["X-A", "1"], ["X-A", "2"]]}]),
    );
    assert_eq!(dup[0].server_log[0].acrh.as_deref(), Some("x-a,x-a"));
}

#[test]
fn cache_credentials_rule() {
    let routes = json!([
        {"origin": "{B}", "path": "/r", "method": "OPTIONS", "status": 204, "headers": [
            ["Access-Control-Allow-Origin", "{A}"], ["Access-Control-Allow-Methods", "PUT"],
            ["Access-Control-Allow-Credentials", "true"], ["Access-Control-Max-Age", "600"]]},
        {"origin": "{B}", "path": "/r", "method": "*", "status": 200, "headers": [
            ["Access-Control-Allow-Origin", "{A}"], ["Access-Control-Allow-Credentials", "true"]]}
    ]);
    let steps = json!([
        {"url": "{B}/r", "method": "PUT", "credentials": "include"},
        {"url": "{B}/r", "method": "PUT", "credentials": "omit"}
    ]);
    assert_eq!(
        second_step_requests(routes, steps),
        [1, 2, 1],
        "an include entry serves omit except in Firefox"
    );
}

#[test]
fn cached_wildcard_methods_are_literal_in_firefox() {
    let routes = json!([
        {"origin": "{B}", "path": "/r", "method": "OPTIONS", "status": 204, "headers": [
            ["Access-Control-Allow-Origin", "{A}"], ["Access-Control-Allow-Methods", "*"], ["Access-Control-Max-Age", "600"]]},
        {"origin": "{B}", "path": "/r", "method": "*", "status": 200, "headers": [["Access-Control-Allow-Origin", "{A}"]]}
    ]);
    let steps = json!([{"url": "{B}/r", "method": "PUT"}, {"url": "{B}/r", "method": "DELETE"}]);
    assert_eq!(second_step_requests(routes, steps), [1, 2, 1]);
}

#[test]
fn max_age_rules() {
    use browser_cors::preflight::max_age;
    let secs = |v: &[u8], p: &Profile| max_age(Some(v), p).as_secs();
    assert_eq!(Engine::ALL.map(|e| secs(b"abc", &e.profile())), [5, 0, 5]);
    assert_eq!(
        Engine::ALL.map(|e| secs(b"999999", &e.profile())),
        [7200, 86400, 600]
    );
    assert_eq!(Engine::ALL.map(|e| secs(b"-1", &e.profile())), [0, 0, 0]);
    assert_eq!(
        Engine::ALL.map(|e| max_age(None, &e.profile()).as_secs()),
        [5, 5, 5]
    );
}

#[test]
fn failed_actual_request_drops_the_entry_only_in_firefox() {
    let routes = json!([
        {"origin": "{B}", "path": "/r", "method": "OPTIONS", "status": 204, "headers": [
            ["Access-Control-Allow-Origin", "{A}"], ["Access-Control-Allow-Methods", "PUT"], ["Access-Control-Max-Age", "600"]]},
        {"origin": "{B}", "path": "/r", "method": "*", "status": 200, "headers": []}
    ]);
    let steps = json!([{"url": "{B}/r", "method": "PUT"}, {"url": "{B}/r", "method": "PUT"}]);
    assert_eq!(second_step_requests(routes, steps), [1, 2, 1]);
}

#[test]
fn webkit_caches_a_result_whose_header_check_failed() {
    let routes = json!([
        {"origin": "{B}", "path": "/r", "method": "OPTIONS", "status": 204, "headers": [
            ["Access-Control-Allow-Origin", "{A}"], ["Access-Control-Allow-Methods", "PUT"], ["Access-Control-Max-Age", "600"]]},
        {"origin": "{B}", "path": "/r", "method": "*", "status": 200, "headers": [["Access-Control-Allow-Origin", "{A}"]]}
    ]);
    // The first PUT asks for X-A, which is refused; the second needs only PUT.
    let steps = json!([{"url": "{B}/r", "method": "PUT", "headers": [["X-A", "1"]]}, {"url": "{B}/r", "method": "PUT"}]);
    assert_eq!(second_step_requests(routes, steps), [2, 2, 1]);
}

fn redirect_routes(location: &str) -> Value {
    json!([
        {"origin": "{B}", "path": "/r", "method": "OPTIONS", "status": 204, "headers": [
            ["Access-Control-Allow-Origin", "*"], ["Access-Control-Allow-Methods", "PUT"], ["Access-Control-Allow-Headers", "*"]]},
        {"origin": "{B}", "path": "/r", "method": "*", "status": 307, "headers": [["Location", location], ["Access-Control-Allow-Origin", "*"]]},
        {"origin": "{B}", "path": "/s", "method": "*", "status": 303, "headers": [["Location", "{B}/t"], ["Access-Control-Allow-Origin", "*"]]},
        {"origin": "{C}", "path": "/t", "method": "*", "status": 200, "headers": [
            ["Access-Control-Allow-Origin", "*"], ["Access-Control-Allow-Methods", "PUT"], ["Access-Control-Allow-Headers", "*"]]},
        {"origin": "{B}", "path": "/t", "method": "*", "status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]}
    ])
}

#[test]
fn preflight_after_a_redirect_that_made_the_request_simple() {
    let steps = json!([{"url": "{B}/s", "method": "PUT"}]);
    let routes = json!([
        {"origin": "{B}", "path": "/s", "method": "OPTIONS", "status": 204, "headers": [
            ["Access-Control-Allow-Origin", "{A}"], ["Access-Control-Allow-Methods", "PUT"]]},
        {"origin": "{B}", "path": "/s", "method": "*", "status": 303, "headers": [["Location", "{B}/t"], ["Access-Control-Allow-Origin", "{A}"]]},
        {"origin": "{B}", "path": "/t", "method": "*", "status": 200, "headers": [["Access-Control-Allow-Origin", "{A}"]]}
    ]);
    let logs: Vec<Vec<String>> = Engine::ALL
        .map(|e| {
            methods(&observe(&e.profile(), routes.clone(), steps.clone())[0])
                .iter()
                .map(|m| m.to_string())
                .collect()
        })
        .to_vec();
    assert_eq!(logs[0], ["OPTIONS", "PUT", "GET"]);
    assert_eq!(logs[1], ["OPTIONS", "PUT", "OPTIONS", "GET"]);
    assert_eq!(logs[2], ["OPTIONS", "PUT", "OPTIONS", "GET"]);
}

#[test]
fn preflight_origin_and_names_after_a_cross_origin_redirect() {
    let steps = json!([{"url": "{B}/r", "headers": [["Authorization", "x"], ["X-A", "1"]]}]);
    let obs = Engine::ALL
        .map(|e| observe(&e.profile(), redirect_routes("{C}/t"), steps.clone()).remove(0));
    let second_preflight = |o: &Expectation| {
        o.server_log
            .get(2)
            .map(|l| (l.method.clone(), l.origin.clone(), l.acrh.clone()))
    };
    assert_eq!(
        second_preflight(&obs[0]),
        Some(("OPTIONS".into(), Some("null".into()), Some("x-a".into())))
    );
    assert_eq!(
        second_preflight(&obs[1]),
        Some(("OPTIONS".into(), Some("{A}".into()), Some("x-a".into())))
    );
    assert_eq!(
        second_preflight(&obs[2]),
        Some((
            "OPTIONS".into(),
            Some("null".into()),
            Some("authorization,x-a".into())
        ))
    );
    for o in &obs {
        let last = o.server_log.last().unwrap();
        assert_eq!(
            last.request_headers.as_ref().unwrap()["authorization"],
            None,
            "Authorization never crosses origins"
        );
    }
}

#[test]
fn userinfo_in_a_same_origin_redirect() {
    let routes = json!([
        {"origin": "{A}", "path": "/r", "method": "*", "status": 302, "headers": [["Location", "http://u:p@{A_host}/t"]]},
        {"origin": "{A}", "path": "/t", "method": "*", "status": 200, "headers": []}
    ]);
    assert_eq!(
        results(routes, json!([{"url": "{A}/r"}])),
        ["network-error", "response", "response"]
    );
}

#[test]
fn webkit_checks_redirects_with_the_credentials_decided_at_start() {
    let routes = json!([
        {"origin": "{A}", "path": "/r", "method": "*", "status": 302, "headers": [["Location", "{B}/m"]]},
        {"origin": "{B}", "path": "/m", "method": "*", "status": 302, "headers": [["Location", "{A}/t"], ["Access-Control-Allow-Origin", "{A}"]]},
        {"origin": "{A}", "path": "/t", "method": "*", "status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]}
    ]);
    assert_eq!(
        results(routes, json!([{"url": "{A}/r"}])),
        ["response", "response", "network-error"]
    );
}

#[test]
fn fetch_metadata_after_a_redirect() {
    let routes = json!([
        {"origin": "{A}", "path": "/r", "method": "*", "status": 302, "headers": [["Location", "{B}/t"]]},
        {"origin": "{B}", "path": "/t", "method": "*", "status": 200, "headers": [["Access-Control-Allow-Origin", "{A}"]]}
    ]);
    let sites = Engine::ALL.map(|e| {
        let o = observe(&e.profile(), routes.clone(), json!([{"url": "{A}/r"}])).remove(0);
        o.server_log[1].sec_fetch_site.clone()
    });
    assert_eq!(
        sites,
        [Some("same-site".into()), Some("cross-site".into()), None]
    );
    // Over https all the way (`cookie/lax-on-same-site-redirect-chain`,
    // recorded here), Firefox says same-site too.
    let scenario: Scenario = serde_json::from_value(json!({
        "id": "t", "page": "{S}",
        "routes": [
            {"origin": "{S}", "path": "/r", "method": "*", "status": 302, "headers": [["Location", "{U}/t"]]},
            {"origin": "{U}", "path": "/t", "method": "*", "status": 200, "headers": [["Access-Control-Allow-Origin", "{S}"]]}
        ],
        "steps": [{"fetch": {"url": "{S}/r"}, "expect": {"result": "", "server_log": []}}]
    }))
    .unwrap();
    let sites = Engine::ALL.map(|e| {
        replay("t.json", std::slice::from_ref(&scenario), &e.profile())[0]
            .observed
            .server_log
            .get(1)
            .and_then(|l| l.sec_fetch_site.clone())
    });
    assert_eq!(
        sites,
        [Some("same-site".into()), Some("same-site".into()), None]
    );
}

#[test]
fn wire_defaults() {
    let obs = Engine::ALL.map(|e| {
        observe(
            &e.profile(),
            allow_all(),
            json!([{"url": "{B}/r", "headers": [["Range", "bytes=00-5"], ["Accept", "a\u{e9}"]]}]),
        )
        .remove(0)
    });
    let rh = |o: &Expectation, n: &str| {
        o.server_log
            .last()
            .unwrap()
            .request_headers
            .as_ref()
            .unwrap()[n]
            .clone()
    };
    assert_eq!(rh(&obs[0], "range").as_deref(), Some("bytes=0-5"));
    assert_eq!(rh(&obs[1], "range").as_deref(), Some("bytes=00-5"));
    assert_eq!(
        rh(&obs[2], "accept").as_deref(),
        Some("a\u{c3}\u{a9}"),
        "WebKit sends UTF-8"
    );
    assert_eq!(Profile::webkit().defaults.accept_language, "en-US");
}

#[test]
fn authorization_wildcard_rule_is_a_profile_switch() {
    let mut spec = Profile::chromium();
    spec.authorization_wildcard = AuthorizationWildcard::MustBeListed;
    let step = json!([{"url": "{B}/r", "headers": [["Authorization", "x"]]}]);
    assert_eq!(
        observe(&Profile::chromium(), allow_all(), step.clone())[0].result,
        "response"
    );
    assert_eq!(observe(&spec, allow_all(), step)[0].result, "network-error");
}

#[test]
fn recorded_cookie_and_upgrade_facts() {
    use browser_cors::cookie::CookieReason;
    let now = std::time::Instant::now();
    let loopback = url::Url::parse("http://127.0.0.1:8001/").unwrap();
    // cookie/secure-from-loopback-http
    let mut chromium = browser_cors::CookieJar::new(&Profile::chromium());
    assert_eq!(
        chromium.store_first_party(&loopback, b"s=1; Secure", now),
        None
    );
    let mut webkit = browser_cors::CookieJar::new(&Profile::webkit());
    assert_eq!(
        webkit.store_first_party(&loopback, b"s=1; Secure", now),
        Some(CookieReason::SecureFromInsecureUrl)
    );
    // cookie/domain-attribute-on-ip
    assert_eq!(
        chromium.store_first_party(&loopback, b"b=1; Domain=0.0.1", now),
        Some(CookieReason::InvalidDomain)
    );
    assert_eq!(
        webkit.store_first_party(&loopback, b"b=1; Domain=0.0.1", now),
        None
    );
    // cookie/none-without-secure-same-site
    let https = url::Url::parse("https://api.app.test/").unwrap();
    let mut firefox = browser_cors::CookieJar::new(&Profile::firefox());
    assert_eq!(
        firefox.store_first_party(&https, b"nn=1; SameSite=None", now),
        Some(CookieReason::NoneWithoutSecure)
    );
    // mixed/upgrade-insecure-requests-loopback
    assert_eq!(
        Profile::chromium().mixed_content.upgrade_loopback,
        UpgradeLoopback::Skipped
    );
    assert!(
        browser_cors::mixed_content::upgraded_for(&loopback, &Profile::firefox().mixed_content)
            .is_none()
    );
    assert!(
        browser_cors::mixed_content::upgraded_for(&loopback, &Profile::webkit().mixed_content)
            .is_some()
    );
}

/// `cookie/limit-181-one-site` and `cookie/limit-overwrite-then-181`
/// (recorded here): Chromium and Firefox purge a site over 180 cookies to
/// 150, the least recently set first; WebKitGTK keeps them all. A cookie set
/// again counts as new in Chromium's `Cookie` order, keeps its place in the
/// others'.
#[test]
fn cookie_limits_and_overwrites() {
    let now = std::time::Instant::now();
    let url = url::Url::parse("https://app.test/").unwrap();
    let run = |profile: &Profile| {
        let mut jar = browser_cors::CookieJar::new(profile);
        for i in 0..180 {
            jar.store_first_party(&url, format!("c{i}=1").as_bytes(), now);
        }
        jar.store_first_party(&url, b"c0=2", now);
        jar.store_first_party(&url, b"c180=1", now);
        let sent = jar.first_party_cookies(&url, now);
        (sent.len(), sent.first().cloned().unwrap_or_default())
    };
    assert_eq!(
        Engine::ALL.map(|e| run(&e.profile())),
        [
            (150, "c32=1".to_owned()),
            (150, "c0=2".to_owned()),
            (181, "c0=2".to_owned())
        ]
    );
    assert_eq!(
        Engine::ALL.map(|e| e.profile().cookies.per_site),
        [
            PerSiteLimit::PurgeTo {
                max: 180,
                keep: 150
            },
            PerSiteLimit::PurgeTo {
                max: 180,
                keep: 150
            },
            PerSiteLimit::Unlimited
        ]
    );
}

/// `cookie/syntax-*` (recorded here): the same `Set-Cookie` lines, read by
/// each engine's parser.
#[test]
fn set_cookie_syntax() {
    use browser_cors::cookie::SetCookie;
    let read = |line: &[u8]| {
        Engine::ALL.map(|e| {
            SetCookie::parse_as(line, e.profile().cookies.syntax)
                .map(|c| format!("{}={}", c.name, c.value))
        })
    };
    let some = |s: &str| Some(s.to_owned());
    let domain = |line: &[u8]| {
        Engine::ALL
            .map(|e| SetCookie::parse_as(line, e.profile().cookies.syntax).and_then(|c| c.domain))
    };
    assert_eq!(
        domain(b"d=1; Domain=.APP.Test"),
        [some("app.test"), some("app.test"), some("APP.Test")]
    );
    assert_eq!(
        read(b"justvalue"),
        [some("=justvalue"), some("justvalue="), some("=justvalue")]
    );
    assert_eq!(read(b"=v"), [some("=v"), None, some("=v")]);
    assert_eq!(read(b"tv=a\tb"), [None, some("tv=a\tb"), None]);
    assert_eq!(read(b"tn\t=1"), [some("tn=1"), some("tn=1"), None]);
    let big = format!("h={}", "a".repeat(4096));
    assert_eq!(
        read(big.as_bytes()).map(|c| c.is_some()),
        [false, false, true]
    );
    let long_path = format!("l=1; Path=/{}", "p".repeat(1100));
    assert_eq!(
        Engine::ALL.map(
            |e| SetCookie::parse_as(long_path.as_bytes(), e.profile().cookies.syntax)
                .and_then(|c| c.path)
                .map(|p| p.len())
        ),
        [None, None, Some(1101)]
    );
    // Bytes above 0x7F: Chromium keeps the byte (one char per byte until it
    // goes back on the wire), Firefox replaces what is not UTF-8, libsoup
    // refuses the cookie.
    assert_eq!(
        read(b"l1=\xe9"),
        [some("l1=\u{e9}"), some("l1=\u{fffd}"), None]
    );
    // `Max-Age` against `Expires`, and empty or bare `Max-Age`.
    let lifetime = |line: &[u8]| {
        Engine::ALL.map(|e| {
            SetCookie::parse_as(line, e.profile().cookies.syntax)
                .map(|c| (c.max_age, c.expires.is_some()))
        })
    };
    let later_expires = b"x=1; Max-Age=-1; Expires=Wed, 21 Oct 2099 07:28:00 GMT";
    assert_eq!(
        lifetime(later_expires),
        [
            Some((Some(-1), true)),
            Some((Some(-1), true)),
            Some((None, true))
        ]
    );
    assert_eq!(
        lifetime(b"m=1; Max-Age="),
        [
            Some((None, false)),
            Some((None, false)),
            Some((Some(0), false))
        ]
    );
    assert_eq!(
        lifetime(b"m=1; Max-Age"),
        [
            Some((None, false)),
            Some((None, false)),
            Some((None, false))
        ]
    );
}

/// `cookie/syntax-expires-formats` (recorded here): the same `Expires`
/// values, read by each engine's date parser (`Some`: parsed).
#[test]
fn expires_dates() {
    use browser_cors::cookie::parse_cookie_date_as;
    let parsed = |date: &str| {
        Engine::ALL.map(|e| parse_cookie_date_as(date, e.profile().cookies.syntax).is_some())
    };
    assert_eq!(parsed("Wed, 21 Oct 2015 07:28:00 GMT"), [true, true, true]);
    assert_eq!(
        parsed("Wed, 31 Feb 2015 07:28:00 GMT"),
        [false, true, false]
    );
    assert_eq!(parsed("Wed, 21 Oct 2015 07:28 GMT"), [false, true, false]);
    assert_eq!(parsed("10/21/2015 07:28:00"), [false, true, false]);
    assert_eq!(
        parsed("Wed, 21 October 2015 07:28:00 GMT"),
        [true, true, false]
    );
    assert_eq!(parsed("Wed, 21 Oct 1600 07:28:00 GMT"), [true, true, true]);
    assert_eq!(
        parsed("Wed, 32 Oct 2015 07:28:00 GMT"),
        [false, false, false]
    );
}

/// `maxage/plus-sign` (recorded here): Firefox reads digits only, so
/// `+600` is not a number and the result is not cached.
#[test]
fn max_age_sign() {
    use browser_cors::preflight::max_age;
    use std::time::Duration;
    assert_eq!(
        Engine::ALL.map(|e| max_age(Some(b"+600"), &e.profile())),
        [
            Duration::from_secs(600),
            Duration::ZERO,
            Duration::from_secs(600)
        ]
    );
}

/// `cookie/strict-after-cross-site-hop` (recorded here): `{S}` → `{T}` →
/// `{S}`; Firefox keeps `Strict` and `Lax` cookies from the last hop, the
/// others send them.
#[test]
fn same_site_cookies_after_a_cross_site_hop() {
    let scenario: Scenario = serde_json::from_value(json!({
        "id": "t", "page": "{S}",
        "setup": [{"visit": "{S}", "set_cookie": ["sx=1; SameSite=Strict; Secure", "lx=1; SameSite=Lax", "nn=1; SameSite=None; Secure"]}],
        "routes": [
            {"origin": "{S}", "path": "/go", "method": "*", "status": 302, "headers": [["Location", "{T}/hop"]]},
            {"origin": "{T}", "path": "/hop", "method": "*", "status": 302, "headers": [["Location", "{S}/end"], ["Access-Control-Allow-Origin", "{S}"], ["Access-Control-Allow-Credentials", "true"]]},
            {"origin": "{S}", "path": "/end", "method": "*", "status": 200, "headers": [["Access-Control-Allow-Origin", "null"], ["Access-Control-Allow-Credentials", "true"]]}
        ],
        "steps": [{"fetch": {"url": "{S}/go", "credentials": "include"}, "expect": {"result": "", "server_log": []}}]
    }))
    .unwrap();
    let last_hop = Engine::ALL.map(|e| {
        let observed = &replay("t.json", std::slice::from_ref(&scenario), &e.profile())[0].observed;
        observed
            .server_log
            .last()
            .and_then(|l| l.cookies.clone())
            .unwrap_or_default()
    });
    let all = vec!["sx".to_owned(), "lx".to_owned(), "nn".to_owned()];
    assert_eq!(last_hop, [all.clone(), vec!["nn".to_owned()], all]);
}

/// `cookie/expires-against-server-date` (recorded here): a response dated
/// 2015 sets `Expires` in 2016; Chromium and Firefox keep the cookie a
/// year, WebKitGTK (the browser's clock) not at all.
#[test]
fn expires_against_the_response_date() {
    let scenario: Scenario = serde_json::from_value(json!({
        "id": "t", "page": "{A}",
        "routes": [
            {"origin": "{A}", "path": "/set", "method": "*", "status": 200, "headers": [
                ["Date", "Wed, 21 Oct 2015 07:28:00 GMT"], ["Set-Cookie", "dx=1; Expires=Wed, 21 Oct 2016 07:28:00 GMT"]]},
            {"origin": "{A}", "path": "/check", "method": "*", "status": 200, "headers": []}
        ],
        "steps": [
            {"fetch": {"url": "/set"}, "expect": {"result": "", "server_log": []}},
            {"fetch": {"url": "/check"}, "expect": {"result": "", "server_log": []}}
        ]
    }))
    .unwrap();
    let kept = Engine::ALL.map(|e| {
        replay("t.json", std::slice::from_ref(&scenario), &e.profile())[1]
            .observed
            .server_log[0]
            .cookies
            .as_ref()
            .is_some_and(|c| c.iter().any(|n| n == "dx"))
    });
    assert_eq!(kept, [true, true, false]);
}

/// `cookie/limit-secure-and-plain` and `cookie/limit-priority` (recorded
/// here): which cookies a purge takes first.
#[test]
fn purge_order() {
    let now = std::time::Instant::now();
    let url = url::Url::parse("https://app.test/").unwrap();
    // `count` cookies `{marked}{i}=1; {attributes}`, then `plain_count`
    // cookies `{plain}{i}=1`, on one site: how many marked ones each engine keeps.
    let kept = |marked: char, count: usize, attributes: &str, plain: char, plain_count: usize| {
        let lines: Vec<String> = (0..count)
            .map(|i| format!("{marked}{i}=1; {attributes}"))
            .chain((0..plain_count).map(|i| format!("{plain}{i}=1")))
            .collect();
        Engine::ALL.map(|e| {
            let mut jar = browser_cors::CookieJar::new(&e.profile());
            for line in &lines {
                jar.store_first_party(&url, line.as_bytes(), now);
            }
            jar.first_party_cookies(&url, now)
                .iter()
                .filter(|c| c.starts_with(marked))
                .count()
        })
    };
    assert_eq!(kept('s', 90, "Secure", 'n', 91), [90, 90, 90]);
    assert_eq!(kept('h', 30, "Priority=High", 'p', 151), [30, 0, 30]);
}

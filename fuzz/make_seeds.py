#!/usr/bin/env python3
"""Writes the committed seed corpus (fuzz/corpus/TARGET/seed-*) from the
conformance vectors, the WPT MIME table and the values the unit tests use.
Run from the repository root; re-running rewrites the same files."""
import hashlib, json, os, glob

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
seeds = {t: set() for t in ["allow_origin", "token_list", "preflight_lists", "expose_headers",
                            "max_age", "mime", "range", "origin_url", "safelist", "machine"]}

def add(target, value):
    if isinstance(value, str):
        value = value.encode("latin-1", "replace")
    if len(value) <= 4096:
        seeds[target].add(value)

A, B = "http://127.0.0.1:8000", "http://localhost:8001"
def fill(s):
    return s.replace("{A}", A).replace("{B}", B).replace("{C}", "http://127.0.0.2:8002")

for path in sorted(glob.glob("spec-tests/vectors/*.json")):
    for scenario in json.load(open(path)):
        for route in scenario.get("routes", []):
            for name, value in route.get("headers", []):
                n, v = name.lower(), fill(value)
                if n == "access-control-allow-origin":
                    add("allow_origin", bytes([0, 0, 1, 0, 1, 0, 5, 0, len(v) & 0xff, 0]) + v.encode("latin-1", "replace"))
                    add("origin_url", v)
                elif n in ("access-control-allow-methods", "access-control-allow-headers", "access-control-expose-headers"):
                    add("token_list", v)
                    if n == "access-control-expose-headers":
                        add("expose_headers", bytes([0, 0, 0, 1, 0, len(v) & 0xff, 0]) + v.encode("latin-1", "replace"))
                elif n == "access-control-max-age":
                    add("max_age", v)
                elif n == "content-type":
                    add("mime", v)
                elif n == "location":
                    add("origin_url", bytes([0, 0]) + v.encode("latin-1", "replace"))
        for step in scenario.get("steps", []):
            fetch = step.get("fetch", {})
            headers = fetch.get("headers", [])
            if isinstance(headers, dict):
                headers = list(headers.items())
            for name, value in headers:
                if name.lower() == "content-type":
                    add("mime", value)
                if name.lower() == "range":
                    add("range", value)
            add("origin_url", fill(fetch.get("url", "")))

mime_table = json.load(open("spec-tests/mime-types.json"))
for entry in mime_table:
    if isinstance(entry, dict):
        add("mime", entry["input"])

for v in ["bytes=0-", "bytes=00-5", "bytes = 00-5", "bytes=-100", "bytes=1-2,4-5", "bytes=5-1",
          "bytes=99999999999999999999-", "BYTES=0-0", "bytes=0-\t"]:
    add("range", v)
for v in ["600", "86400", "-1", "abc", "+5", "", "0", "99999999999999999999999", " 5"]:
    add("max_age", v)
for v in [" GET , PUT ,,DELETE ", "PUT;", "", "*", "x-token, Authorization"]:
    add("token_list", v)
for v in ["https://app.test", "null", "http://[::1]:80", "https://xn--nxasmq6b.example", "file:///x"]:
    add("origin_url", v)
# Decoder targets: a few shapes of decisions (see browser_cors::fuzzing::Input).
for t in ["safelist", "preflight_lists", "machine", "allow_origin", "expose_headers"]:
    add(t, b"")
    add(t, bytes(range(64)))
    add(t, bytes([1, 0] * 40))
    add(t, bytes([0xff] * 48))
    add(t, b"text/plain;charset=UTF-8 bytes=0- en-US x-token")

for target, values in seeds.items():
    folder = os.path.join(root, target)
    os.makedirs(folder, exist_ok=True)
    for value in sorted(values):
        name = "seed-" + hashlib.sha1(value).hexdigest()[:16]
        with open(os.path.join(folder, name), "wb") as f:
            f.write(value)
    print(target, len(values))

//! cargo-fuzz target `set_cookie`: see `browser_cors::fuzzing::set_cookie` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("set_cookie", data) {
        panic!("invariant violated in set_cookie: {violation}");
    }
});

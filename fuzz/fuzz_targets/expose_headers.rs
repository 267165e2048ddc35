//! cargo-fuzz target `expose_headers`: see `browser_cors::fuzzing::expose_headers` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("expose_headers", data) {
        panic!("invariant violated in expose_headers: {violation}");
    }
});

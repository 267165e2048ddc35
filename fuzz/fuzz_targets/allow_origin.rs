//! cargo-fuzz target `allow_origin`: see `browser_cors::fuzzing::allow_origin` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("allow_origin", data) {
        panic!("invariant violated in allow_origin: {violation}");
    }
});

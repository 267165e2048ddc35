//! cargo-fuzz target `token_list`: see `browser_cors::fuzzing::token_list` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("token_list", data) {
        panic!("invariant violated in token_list: {violation}");
    }
});

//! cargo-fuzz target `safelist`: see `browser_cors::fuzzing::safelist` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("safelist", data) {
        panic!("invariant violated in safelist: {violation}");
    }
});

//! A push to the real router over a real SQLite file (kadian_tests::fuzz::PushTarget).
#![no_main]

use std::sync::OnceLock;

static TARGET: OnceLock<kadian_tests::fuzz::PushTarget> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let target = TARGET.get_or_init(kadian_tests::fuzz::PushTarget::new);
    let (device, body) = kadian_tests::fuzz::push_input(data);
    target.push(device, body);
});

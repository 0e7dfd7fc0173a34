//! A register file's bytes, read and imported (kadian_tests::fuzz::register_file).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kadian_tests::fuzz::register_file(data);
});

//! Any text as a netplan file: an error or an import, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = hostnet_convert::netplan::import(&[("01-fuzz.yaml".to_string(), text.to_string())]);
});

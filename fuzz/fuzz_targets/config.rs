//! Any text as a config: loading must return a config or located problems, never panic; a
//! config that loads must plan from an empty host and from the host it describes, render in
//! every format, and re-plan to nothing against the state it leads to.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = hostnet_core::load("fuzz.yaml", text) else { return };
    let plan = hostnet_core::plan(&config, &hostnet_core::State::offline());
    let _ = hostnet_core::plan::render_text(&plan);
    let _ = hostnet_core::plan::render_ip(&plan, "fuzz.yaml");
    let _ = plan.to_json();
    let after = hostnet_core::State::from_config(&config);
    let again = hostnet_core::plan(&config, &after);
    assert!(again.is_empty(), "re-planning against the planned state is not empty: {again:?}");
});

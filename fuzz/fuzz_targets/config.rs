//! Any text as a config: loading must return a config or located problems, never panic; a
//! config that loads must plan from an empty host and from the host it describes, render in
//! every format, and re-plan to nothing against the state it leads to. Read again as the
//! daemon reads an apply (`load_again`, taking unchanged interfaces from a config read before),
//! it must read exactly as read afresh; and so must a config read in halves on two threads, as
//! large ones are.
#![no_main]

use std::sync::LazyLock;

use hostnet_core::Config;
use hostnet_core::reuse::InterfaceTexts;
use libfuzzer_sys::fuzz_target;

/// The seed design, read as the daemon keeps a config, in both of the forms it reuses.
static BEFORE: LazyLock<Vec<(Config, InterfaceTexts)>> = LazyLock::new(|| {
    let yaml = include_str!("../../examples/stacked-bonds.yaml");
    let (config, _, texts) = hostnet_core::load_again("seed.yaml", yaml.to_string(), None).expect("the seed loads");
    let json = serde_json::to_string(&config).expect("serializable");
    let (from_json, _, json_texts) = hostnet_core::load_again("seed.json", json, None).expect("the seed loads");
    [(config, texts), (from_json, json_texts)].into_iter().filter_map(|(c, t)| Some((c, t?))).collect()
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let loaded = hostnet_core::load("fuzz.yaml", text);
    let (mut itself, mut itself_texts) = (None, None);
    match (&loaded, hostnet_core::load_again("fuzz.yaml", text.to_string(), None)) {
        (Ok(a), Ok((b, _, texts))) => {
            assert_eq!(a, &b, "read with nothing before differs from read afresh");
            (itself, itself_texts) = (Some(b), texts);
        }
        (Err(a), Err(b)) => assert_eq!(a.lines(), b.lines(), "read with nothing before fails differently"),
        (a, b) => panic!("read afresh: {:?}; read with nothing before: {:?}", a.is_ok(), b.is_ok()),
    }
    // Read in halves on two threads, as configs from 64 KiB are: the same config or the same
    // problems, or (where a half does not parse) no answer, and the whole read's instead.
    match (&loaded, hostnet_core::load_in_halves("fuzz.yaml", text)) {
        (_, None) => {}
        (Ok(a), Some(Ok(b))) => assert_eq!(a, &b, "read in halves differs from read whole"),
        (Err(a), Some(Err(b))) => assert_eq!(a.lines(), b.lines(), "read in halves fails differently"),
        (a, Some(b)) => panic!("read whole: {:?}; read in halves: {:?}", a.is_ok(), b.is_ok()),
    }
    let befores = BEFORE.iter().map(|(c, t)| (t, c)).chain(itself_texts.as_ref().zip(itself.as_ref()));
    for before in befores {
        match (&loaded, hostnet_core::load_again("fuzz.yaml", text.to_string(), Some(before))) {
            (Ok(a), Ok((b, _, _))) => assert_eq!(a, &b, "read again differs from read afresh"),
            (Err(a), Err(b)) => assert_eq!(a.lines(), b.lines(), "read again fails differently"),
            (a, b) => panic!("read afresh: {:?}; read again: {:?}", a.is_ok(), b.is_ok()),
        }
    }
    let Ok(config) = loaded else { return };
    let plan = hostnet_core::plan(&config, &hostnet_core::State::offline());
    let _ = hostnet_core::plan::render_text(&plan);
    let _ = hostnet_core::plan::render_ip(&plan, "fuzz.yaml", &Default::default());
    let _ = plan.to_json();
    let after = hostnet_core::State::from_config(&config);
    let again = hostnet_core::plan(&config, &after);
    assert!(again.is_empty(), "re-planning against the planned state is not empty: {again:?}");
});

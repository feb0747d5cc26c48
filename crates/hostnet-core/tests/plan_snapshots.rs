//! Snapshots of `plan` for the shipped examples, in every output format.

use hostnet_core::plan::{render_ip, render_text};
use hostnet_core::{State, load, plan};

fn example(name: &str) -> hostnet_core::Config {
    let path = format!("{}/../../examples/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).unwrap();
    load(&format!("examples/{name}.yaml"), &src).unwrap()
}

macro_rules! snapshots {
    ($($test:ident => $file:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            let p = plan(&example($file), &State::offline());
            insta::assert_snapshot!(concat!($file, "-text"), render_text(&p));
            insta::assert_snapshot!(concat!($file, "-ip"), render_ip(&p, concat!("examples/", $file, ".yaml"), &Default::default()));
            insta::assert_snapshot!(concat!($file, "-json"), p.to_json());
        }
    )*};
}

snapshots! {
    stacked_bonds => "stacked-bonds",
    vlan_bond_bridge => "vlan-bond-bridge",
    single_nic => "single-nic",
}

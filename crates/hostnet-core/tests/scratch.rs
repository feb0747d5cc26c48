#[test]
fn show() {
    for f in ["../../examples/stacked-bonds.yaml","../../examples/vlan-bond-bridge.yaml","../../examples/single-nic.yaml"] {
        let s = std::fs::read_to_string(f).unwrap();
        match hostnet_core::load(f, &s) { Ok(_) => println!("{f}: ok"), Err(e) => print!("{}", e.lines()) }
    }
    for (n, s) in [
        ("unknown", "interfaces:\n  - name: a\n    ethernet: {}\n    mtux: 3\n"),
        ("type", "interfaces:\n  - name: a\n    ethernet: {}\n    mtu: big\n"),
        ("nokind", "interfaces:\n  - name: a\n    mtu: 1500\n"),
        ("mode", "interfaces:\n  - name: a\n    bond:\n      mode: 9\n"),
        ("cidr", "interfaces:\n  - name: a\n    ethernet: {}\n    addresses: [10.0.0.1/33]\n"),
        ("bondkey", "interfaces:\n  - name: a\n    bond:\n      mode: 4\n      miimom: 100\n"),
    ] {
        match hostnet_core::load(n, s) { Ok(_) => println!("{n}: ok"), Err(e) => print!("{}", e.lines()) }
    }
}

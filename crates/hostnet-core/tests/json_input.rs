//! JSON configs take serde_json's fast path; they must mean exactly what the YAML parser makes
//! of them, and invalid JSON must get the same located errors as YAML.

use hostnet_core::load;

#[test]
fn a_json_config_loads_to_the_same_model_as_its_yaml() {
    for f in ["stacked-bonds.yaml", "vlan-bond-bridge.yaml", "single-nic.yaml"] {
        let path = format!("{}/../../examples/{f}", env!("CARGO_MANIFEST_DIR"));
        let yaml = std::fs::read_to_string(&path).unwrap();
        let from_yaml = load(f, &yaml).unwrap();
        let json = serde_json::to_string(&from_yaml).unwrap();
        assert!(json.starts_with('{'));
        let from_json = load("x.json", &json).unwrap();
        assert_eq!(from_json, from_yaml, "{f}");
    }
}

#[test]
fn invalid_json_is_reported_with_its_location_like_yaml() {
    let text = "{\"interfaces\": [\n  {\"name\": \"v0\", \"veth\": {\"peer\": \"v1\"}, \"mtuu\": 1500}\n]}";
    let err = load("c.json", text).unwrap_err().lines();
    assert!(err.contains("c.json:2:") && err.contains("mtuu"), "{err}");
    // Valid JSON that breaks a rule: validation, not parsing, names the field.
    let text = "{\"interfaces\": [{\"name\": \"b\", \"bond\": {\"mode\": \"802.3ad\", \"arp_interval\": 100, \"arp_ip_target\": [\"192.0.2.9\"]}}]}";
    let err = load("c.json", text).unwrap_err().lines();
    assert!(err.contains("interfaces[0].bond.arp_interval"), "{err}");
}

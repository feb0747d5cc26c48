//! DHCPv6 against a real server: dnsmasq (Debian's) in a namespace each test made, cabled to
//! the namespace hostnet manages, serving router advertisements and DHCPv6. Covers a stateful
//! lease (address, name servers, put back when deleted by hand, the same address after a
//! restart, removed when the config drops `dhcp6`) and information-only beside SLAAC. Needs
//! root; run by the README's test command (`--include-ignored`).

mod support;

use std::time::Duration;

use support::Ns;
use support::daemon::Daemon;
use support::dnsmasq::{self, Dnsmasq, V6};

/// The /128 on `nic` leased from dnsmasq's DHCPv6 range, with its valid lifetime.
fn leased6(ns: &Ns, nic: &str) -> Option<(String, u64)> {
    let v: serde_json::Value = serde_json::from_str(&ns.ip(&["-j", "-6", "addr", "show", "dev", nic])).unwrap();
    v[0]["addr_info"]
        .as_array()?
        .iter()
        .find(|a| a["prefixlen"] == 128 && a["dynamic"] == true)
        .map(|a| (a["local"].as_str().unwrap().to_string(), a["valid_life_time"].as_u64().unwrap_or(0)))
}

fn in_range(addr: &str) -> bool {
    let a: std::net::Ipv6Addr = addr.parse().unwrap();
    let p: std::net::Ipv6Addr = dnsmasq::V6_PREFIX.parse().unwrap();
    a.segments()[..7] == p.segments()[..7] && (0x100..=0x1ff).contains(&a.segments()[7])
}

fn setup(tag: &str, v6: V6, config: &str) -> (Ns, Ns, Dnsmasq, String) {
    let srv = Ns::new(&format!("{tag}s"));
    let host = Ns::new(tag);
    dnsmasq::cable(&srv, &host, "e0");
    let server = Dnsmasq::start_with(&srv, 60, 100, v6, &[]);
    let config = host.file("host.yaml", config);
    (srv, host, server, config)
}

fn resolv(ns: &Ns) -> String {
    std::fs::read_to_string(ns.resolv_conf()).unwrap_or_default()
}

const STATEFUL: &str = "interfaces:\n  - name: e0\n    ethernet: {}\n    ipv6: { accept_ra: true }\n    dhcp6: true\n";

#[test]
#[ignore = "needs root and dnsmasq; run with --include-ignored"]
fn dhcp6_leases_an_address_with_name_servers_keeps_it_across_restarts_and_drops_it_with_the_config() {
    let (_srv, host, server, config) = setup("dhcp6", V6::Stateful, STATEFUL);
    let d = Daemon::start(&host, &config);
    d.wait_up_to(Duration::from_secs(20), "a DHCPv6 address is on e0", || leased6(&host, "e0").is_some());
    let (addr, valid) = leased6(&host, "e0").unwrap();
    assert!(in_range(&addr), "{addr} is not from the server's range");
    assert!(valid > 0 && valid <= 120, "the kernel holds it for the lease's valid lifetime: {valid}");
    d.wait_until("resolv.conf has the DHCPv6 name server", || {
        let r = resolv(&host);
        r.contains(dnsmasq::NAMESERVER6) && r.contains("lab6.example")
    });
    let st = d.link("e0")["dhcp6"].clone();
    assert_eq!(st["phase"], "bound", "{st:#}");
    assert_eq!(st["address"], format!("{addr}/128"), "{st:#}");
    d.wait_up_to(Duration::from_secs(20), "the RA's default route", || {
        host.ip(&["-6", "route", "show", "default"]).contains("proto ra")
    });

    // Deleted by hand: drift, put back.
    host.ip(&["-6", "addr", "del", &format!("{addr}/128"), "dev", "e0"]);
    d.wait_until("the leased address is back", || leased6(&host, "e0").is_some_and(|l| l.0 == addr));

    // Same DUID and IAID after a restart: the server hands back the same address.
    let solicits = server.count("DHCPSOLICIT");
    d.kill9();
    let d = Daemon::start(&host, &config);
    d.wait_up_to(Duration::from_secs(20), "the client is bound again", || d.link("e0")["dhcp6"]["phase"] == "bound");
    // Bound once more after the restart, so this client holds the server's DUID and can release.
    d.wait_up_to(Duration::from_secs(20), "a new Reply after the restart", || {
        d.link("e0")["events"].to_string().contains("dhcp6 bound")
            || d.link("e0")["events"].to_string().contains("dhcp6 renewed")
    });
    assert!(server.count("DHCPSOLICIT") > solicits, "{}", server.log_text());
    assert_eq!(leased6(&host, "e0").map(|l| l.0), Some(addr.clone()));

    // The config no longer asks for DHCPv6: the address goes.
    std::fs::write(&config, "interfaces:\n  - name: e0\n    ethernet: {}\n    ipv6: { accept_ra: true }\n").unwrap();
    host.hostnet_ok(&["reload"]);
    d.wait_until("the leased address is removed", || leased6(&host, "e0").is_none());
    // dnsmasq logs the Release a moment after it arrives.
    d.wait_until("dnsmasq logs the Release", || server.count("DHCPRELEASE") >= 1);
    assert!(d.link("e0")["events"].to_string().contains("dhcp6 released"), "{}", d.link("e0")["events"]);
    assert!(d.link("e0").get("dhcp6").is_none_or(|v| v.is_null()));
}

#[test]
#[ignore = "needs root and dnsmasq; run with --include-ignored"]
fn information_only_dhcp6_gives_name_servers_beside_a_slaac_address() {
    let cfg = "interfaces:\n  - name: e0\n    ethernet: {}\n    ipv6: { accept_ra: true }\n    dhcp6: { mode: information-only }\n";
    let (_srv, host, server, config) = setup("dhcp6info", V6::Stateless, cfg);
    let d = Daemon::start(&host, &config);
    d.wait_up_to(Duration::from_secs(20), "resolv.conf has the DHCPv6 name server", || {
        resolv(&host).contains(dnsmasq::NAMESERVER6)
    });
    assert!(resolv(&host).contains("lab6.example"), "{}", resolv(&host));
    let st = d.link("e0")["dhcp6"].clone();
    assert_eq!(st["phase"], "bound", "{st:#}");
    assert!(st["refresh_in_secs"].as_u64().is_some_and(|t| t >= 600 - 5), "{st:#}");
    assert!(st.get("address").is_none(), "information-only leases no address: {st:#}");
    assert!(server.count("DHCPINFORMATION-REQUEST") >= 1, "{}", server.log_text());
    assert!(leased6(&host, "e0").is_none(), "no /128 from information-only");
}

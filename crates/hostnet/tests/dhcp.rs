//! Addresses from the network against real servers: dnsmasq (Debian's) serves DHCPv4 and
//! router advertisements from a namespace each test made, cabled to the namespace hostnet
//! manages. Covers a lease with its routes and name servers, renewal before expiry, a restart
//! within the lease (INIT-REBOOT, the address never leaves the link), the server gone
//! (REBINDING, then expiry removes address and routes), a leased address deleted by hand, the
//! lease released when the config drops `dhcp4`, and SLAAC. Needs root; run by the README's test command (`--include-ignored`).

mod support;

use std::time::Duration;

use support::Ns;
use support::daemon::Daemon;
use support::dnsmasq::{self, Dnsmasq};

const DHCP: &str = "interfaces:\n  - name: e0\n    ethernet: {}\n    dhcp4: true\n";

/// The leased IPv4 address on `nic` (with its remaining valid lifetime), if any.
fn leased(ns: &Ns, nic: &str) -> Option<(String, u64)> {
    let v: serde_json::Value = serde_json::from_str(&ns.ip(&["-j", "addr", "show", "dev", nic])).unwrap();
    v[0]["addr_info"].as_array()?.iter().find(|a| a["family"] == "inet" && a["dynamic"] == true).map(|a| {
        (format!("{}/{}", a["local"].as_str().unwrap(), a["prefixlen"]), a["valid_life_time"].as_u64().unwrap_or(0))
    })
}

/// Whether `addr` is in the /64 the server advertises.
fn in_prefix(addr: &str) -> bool {
    let (a, p) = (addr.parse::<std::net::Ipv6Addr>(), dnsmasq::V6_PREFIX.parse::<std::net::Ipv6Addr>());
    matches!((a, p), (Ok(a), Ok(p)) if a.segments()[..4] == p.segments()[..4])
}

fn dhcp_routes(ns: &Ns) -> String {
    ns.ip(&["route", "show", "proto", "dhcp"])
}

fn dhcp4_of(d: &Daemon, nic: &str) -> serde_json::Value {
    d.link(nic)["dhcp4"].clone()
}

fn events(d: &Daemon, nic: &str) -> String {
    d.link(nic)["events"].as_array().unwrap().iter().map(|e| e["what"].as_str().unwrap().to_string() + "\n").collect()
}

fn setup(tag: &str, t1: u32, t2: u32) -> (Ns, Ns, Dnsmasq, String) {
    let srv = Ns::new(&format!("{tag}s"));
    let host = Ns::new(tag);
    dnsmasq::cable(&srv, &host, "e0");
    let server = Dnsmasq::start(&srv, t1, t2);
    let config = host.file("host.yaml", DHCP);
    (srv, host, server, config)
}

#[test]
#[ignore = "needs root and dnsmasq; run with --include-ignored"]
fn a_lease_brings_address_routes_and_name_servers_and_is_renewed_before_it_expires() {
    let (_srv, host, server, config) = setup("lease", 3, 6);
    let d = Daemon::start(&host, &config);
    d.wait_up_to(Duration::from_secs(15), "a lease is on e0", || leased(&host, "e0").is_some());
    let (addr, _) = leased(&host, "e0").unwrap();
    assert!(addr.starts_with("10.77.0.") && addr.ends_with("/24"), "{addr}");
    let routes = dhcp_routes(&host);
    assert!(routes.contains(&format!("default via {} dev e0", dnsmasq::ROUTER)), "{routes}");
    assert!(routes.contains("metric 1024"), "the default DHCP route metric is networkd's 1024: {routes}");
    d.wait_until("the lease's name server is in resolv.conf", || {
        std::fs::read_to_string(host.resolv_conf()).unwrap_or_default().contains(dnsmasq::NAMESERVER)
    });
    let resolv = std::fs::read_to_string(host.resolv_conf()).unwrap();
    assert!(resolv.contains("search lab.example"), "{resolv}");
    let st = dhcp4_of(&d, "e0");
    assert_eq!(st["phase"], "bound", "{st}");
    assert_eq!(st["address"], addr.as_str());

    // T1 is 3 s of a 120 s lease: the renewal comes long before expiry and restarts the clock.
    let acks = server.count("DHCPACK");
    d.wait_up_to(Duration::from_secs(10), "the lease is renewed at T1", || server.count("DHCPACK") > acks);
    d.wait_until("the address lifetime is refreshed", || leased(&host, "e0").is_some_and(|(_, life)| life >= 115));
    assert_eq!(leased(&host, "e0").unwrap().0, addr, "a renewal keeps the address");
    // The daemon records the renewal after putting it on the link.
    d.wait_until("the renewal is in the history", || events(&d, "e0").contains("renewed"));

    // `show` marks the lease, and its config output asks for DHCP where the lease is.
    assert!(host.hostnet_ok(&["show"]).contains(&format!("{addr} (dynamic)")));
    assert!(host.hostnet_ok(&["show", "--yaml"]).contains("dhcp4: true"));

    // A one-shot apply of the same file leaves the lease alone.
    host.hostnet_ok(&["apply", "--no-daemon", &config]);
    assert_eq!(leased(&host, "e0").map(|l| l.0), Some(addr.clone()));

    // Deleted by hand, the leased address is drift, and put back with its routes.
    host.ip(&["addr", "del", &addr, "dev", "e0"]);
    d.wait_until("the leased address is back", || leased(&host, "e0").is_some_and(|l| l.0 == addr));
    d.wait_until("its default route is back", || dhcp_routes(&host).contains("default via"));
    assert!(events(&d, "e0").contains("putting it back"), "{}", events(&d, "e0"));

    // The config stops asking for DHCP: the lease goes back to the server, then off the link.
    std::fs::write(&config, "interfaces:\n  - name: e0\n    ethernet: {}\n").unwrap();
    host.hostnet_ok(&["reload"]);
    d.wait_until("the leased address is removed", || leased(&host, "e0").is_none());
    assert!(dhcp_routes(&host).trim().is_empty(), "{}", dhcp_routes(&host));
    d.wait_until("dnsmasq logs the DHCPRELEASE", || server.count("DHCPRELEASE") >= 1);
    assert_eq!(server.count("DHCPRELEASE"), 1, "{}", server.log_text());
    assert!(events(&d, "e0").contains("dhcp4 released to 10.77.0.1"), "{}", events(&d, "e0"));
}

#[test]
#[ignore = "needs root and dnsmasq; run with --include-ignored"]
fn a_restart_within_the_lease_asks_again_for_the_same_address_and_keeps_it_meanwhile() {
    let (_srv, host, server, config) = setup("reboot", 60, 100);
    let d = Daemon::start(&host, &config);
    d.wait_up_to(Duration::from_secs(15), "a lease is on e0", || leased(&host, "e0").is_some());
    let (addr, _) = leased(&host, "e0").unwrap();
    let discovers = server.count("DHCPDISCOVER");
    let requests = server.count("DHCPREQUEST");
    d.kill9();

    let (mut mon, lines) = support::ip_monitor(&host, "address");
    std::thread::sleep(Duration::from_millis(200));
    let d = Daemon::start(&host, &config);
    d.wait_up_to(Duration::from_secs(15), "the lease is confirmed", || events(&d, "e0").contains("INIT-REBOOT"));
    let _ = mon.kill();
    let _ = mon.wait();
    let seen: Vec<String> = lines.try_iter().collect();
    let ip = addr.split('/').next().unwrap();
    assert!(
        !seen.iter().any(|l| l.starts_with("Deleted") && l.contains(ip)),
        "the address left the link during the restart: {seen:#?}"
    );
    assert_eq!(
        server.count("DHCPDISCOVER"),
        discovers,
        "a restart within the lease must not start over:\n{}",
        server.log_text()
    );
    assert!(server.count("DHCPREQUEST") > requests);
    assert_eq!(leased(&host, "e0").map(|l| l.0), Some(addr));
    let resolv = std::fs::read_to_string(host.resolv_conf()).unwrap();
    assert!(resolv.contains(dnsmasq::NAMESERVER), "{resolv}");
}

#[test]
#[ignore = "needs root and dnsmasq; takes dnsmasq's shortest lease (2 min); run with --include-ignored"]
fn with_the_server_gone_the_client_rebinds_and_at_expiry_address_and_routes_go() {
    let (_srv, host, mut server, config) = setup("expire", 2, 4);
    let d = Daemon::start(&host, &config);
    d.wait_up_to(Duration::from_secs(15), "a lease is on e0", || leased(&host, "e0").is_some());
    server.stop();
    d.wait_up_to(Duration::from_secs(15), "the client rebinds after T2", || dhcp4_of(&d, "e0")["phase"] == "rebinding");
    assert!(leased(&host, "e0").is_some(), "rebinding still holds the lease");
    d.wait_up_to(Duration::from_secs(150), "the lease expires", || leased(&host, "e0").is_none());
    d.wait_until("its routes are gone", || dhcp_routes(&host).trim().is_empty());
    let ev = events(&d, "e0");
    assert!(ev.contains("expired; address and routes removed"), "{ev}");
    d.wait_until("the name server leaves resolv.conf", || {
        !std::fs::read_to_string(host.resolv_conf()).unwrap_or_default().contains(dnsmasq::NAMESERVER)
    });
}

#[test]
#[ignore = "needs root and dnsmasq; run with --include-ignored"]
fn slaac_addresses_from_router_advertisements_are_kept_by_apply() {
    let srv = Ns::new("slaacs");
    let host = Ns::new("slaac");
    dnsmasq::cable(&srv, &host, "e0");
    let _server = Dnsmasq::start(&srv, 60, 100);
    let config = host.file("host.yaml", "interfaces:\n  - name: e0\n    ethernet: {}\n    ipv6: { accept_ra: true }\n");
    host.hostnet_ok(&["apply", &config]);
    let slaac = || {
        let v: serde_json::Value = serde_json::from_str(&host.ip(&["-j", "-6", "addr", "show", "dev", "e0"])).unwrap();
        v[0]["addr_info"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["local"].as_str().is_some_and(in_prefix)).cloned())
    };
    let t0 = std::time::Instant::now();
    while slaac().is_none() && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let a = slaac().unwrap_or_else(|| panic!("no SLAAC address: {}", host.ip(&["-6", "addr"])));
    assert_eq!(a["prefixlen"], 64);
    assert_eq!(a["dynamic"], true, "{a}");
    assert!(host.ip(&["-6", "route", "show", "default"]).contains("proto ra"), "default route from the RA");
    assert_eq!(host.plan_len(&config), 0, "a SLAAC address is not drift");
    host.hostnet_ok(&["apply", &config]);
    assert!(slaac().is_some(), "apply removed the SLAAC address");
}

#[test]
#[ignore = "needs root and dnsmasq; run with --include-ignored"]
fn use_hostname_names_the_host_from_the_lease() {
    let srv = Ns::new("hnames");
    let host = Ns::new("hname");
    dnsmasq::cable(&srv, &host, "e0");
    host.ip(&["link", "set", "e0", "address", "02:00:00:00:77:01"]);
    let _server =
        Dnsmasq::start_with(&srv, 60, 100, dnsmasq::V6::RaOnly, &["--dhcp-host=02:00:00:00:77:01,db-from-dhcp"]);
    let config =
        host.file("host.yaml", "interfaces:\n  - name: e0\n    ethernet: {}\n    dhcp4: { use_hostname: true }\n");
    let d = Daemon::start_own_hostname(&host, &config);
    assert_eq!(d.uts_hostname(), "before-dhcp");
    d.wait_up_to(Duration::from_secs(15), "a lease is on e0", || leased(&host, "e0").is_some());
    d.wait_until("the host is named from the lease", || d.uts_hostname() == "db-from-dhcp");
    assert!(events(&d, "e0").contains("host name set to db-from-dhcp"), "{}", events(&d, "e0"));
}

#[test]
#[ignore = "needs root and dnsmasq; run with --include-ignored"]
fn router_advertisements_without_slaac_give_the_route_and_no_address() {
    let srv = Ns::new("noslaacs");
    let host = Ns::new("noslaac");
    dnsmasq::cable(&srv, &host, "e0");
    let _server = Dnsmasq::start(&srv, 60, 100);
    let config = host.file(
        "host.yaml",
        "interfaces:\n  - name: e0\n    ethernet: {}\n    ipv6: { accept_ra: true, slaac: false }\n",
    );
    host.hostnet_ok(&["apply", &config]);
    let t0 = std::time::Instant::now();
    while !host.ip(&["-6", "route", "show", "default"]).contains("proto ra") && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(host.ip(&["-6", "route", "show", "default"]).contains("proto ra"), "no default route from the RA");
    let addrs = host.ip(&["-6", "addr", "show", "dev", "e0"]);
    assert!(!addrs.contains(dnsmasq::V6_PREFIX.trim_end_matches(':')), "SLAAC made an address: {addrs}");
    assert_eq!(host.plan_len(&config), 0);
}

//! The mirror against the kernel: after lost notifications (ENOBUFS), after changes the kernel
//! makes without a notification (IPv4 routes dropped with an address), and across renames and
//! master changes that its per-link cache depends on, it must match a fresh dump exactly. Needs
//! root (a network namespace of its own); run by the README's test command (`--include-ignored`).

use std::future::Future;
use std::process::Command;

use hostnet_core::State;
use hostnet_daemon::mirror::{Change, Mirror};
use hostnet_netlink::Netlink;
use hostnet_netlink::monitor::{Monitor, Topic};

struct Ns(String);

impl Ns {
    /// A fresh namespace `prefix-PID`.
    fn new(prefix: &str) -> Ns {
        // SAFETY: geteuid has no preconditions.
        assert_eq!(unsafe { libc::geteuid() }, 0, "this test needs root (network namespaces)");
        let ns = Ns(format!("{prefix}-{}", std::process::id()));
        assert!(Command::new("ip").args(["netns", "add", &ns.0]).status().unwrap().success());
        ns
    }

    /// Runs `body` with the namespace's name, on a thread inside it and a runtime of its own
    /// (sockets belong to the namespace of the thread that opens them).
    fn run<F: Future<Output = ()>>(&self, body: impl FnOnce(String) -> F + Send + 'static) {
        let name = self.0.clone();
        std::thread::spawn(move || {
            hostnet_netlink::netns::enter(&name).unwrap();
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(body(name));
        })
        .join()
        .unwrap();
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

/// Runs `ip -n NS ARGS...`, which must succeed.
fn ip(ns: &str, args: &str) {
    let st = Command::new("ip").arg("-n").arg(ns).args(args.split_whitespace()).status().unwrap();
    assert!(st.success(), "ip {args} failed");
}

/// Takes in what is queued, re-reads what the mirror says is stale, and checks it against a
/// fresh dump, which it returns.
async fn matches_a_fresh_dump(monitor: &mut Monitor, mirror: &mut Mirror, nl: &Netlink, why: &str) -> State {
    for n in monitor.drain().unwrap() {
        mirror.apply(n);
    }
    mirror.refresh(nl).await.unwrap();
    // A dump lists a link's routes table by table in the kernel's order, the mirror by key:
    // the order means nothing.
    let in_order = |s: &State| {
        let mut s = s.clone();
        for l in &mut s.links {
            l.iface.routes.sort_by_key(|r| (r.key(), r.via));
        }
        s
    };
    let fresh = nl.observe().await.unwrap().state;
    assert_eq!(in_order(mirror.state()), in_order(&fresh), "{why}: the mirror differs from a fresh dump");
    fresh
}

#[test]
#[ignore = "needs root: creates a network namespace"]
fn a_mirror_that_lost_notifications_resyncs_to_the_host() {
    Ns::new("hnd-resync").run(|name| async move {
        // 4 KiB holds a handful of link notifications; a burst of 200 links overruns it.
        let mut monitor = Monitor::open_with_buffer(&[Topic::Links, Topic::Addresses], 4096).unwrap();
        let nl = Netlink::connect().unwrap();
        let mut mirror = Mirror::load(&nl).await.unwrap();
        let mut batch = String::new();
        for i in 0..100 {
            batch.push_str(&format!("link add r{i} type veth peer name q{i}\n"));
        }
        let path = std::env::temp_dir().join(format!("{name}.batch"));
        std::fs::write(&path, batch).unwrap();
        let st = Command::new("ip").args(["-n", &name, "-batch"]).arg(&path).status().unwrap();
        assert!(st.success());
        let mut overrun = false;
        for n in monitor.drain().unwrap() {
            overrun |= mirror.apply(n) == Some(Change::Overrun);
        }
        assert!(overrun, "a 4 KiB buffer should have overrun with 200 new links");
        assert!(mirror.is_stale());
        mirror.refresh(&nl).await.unwrap();
        assert_eq!(mirror.resyncs, 1);
        assert!(!mirror.is_stale());
        let fresh = nl.observe().await.unwrap().state;
        assert_eq!(mirror.state(), &fresh, "the mirror after a resync differs from a fresh dump");
        assert_eq!(mirror.links().count(), 201, "lo and 200 veth ends");
    });
}

#[test]
#[ignore = "needs root: creates a network namespace"]
fn a_mirror_follows_the_routes_the_kernel_drops_with_an_ipv4_address() {
    let ns = Ns::new("hnd-v4drop");
    let n = ns.0.as_str();
    ip(n, "link add va type veth peer name va2");
    ip(n, "link add vb type veth peer name vb2");
    for l in ["va", "va2", "vb", "vb2"] {
        ip(n, &format!("link set {l} up"));
    }
    ip(n, "addr add 10.1.0.1/24 dev va");
    ip(n, "addr add 10.1.1.1/24 dev va");
    ip(n, "addr add 10.2.0.1/24 dev vb");
    ip(n, "route add 172.16.0.0/28 via 10.1.0.2 dev va proto static");
    ip(n, "route add 172.16.1.0/28 via 10.1.1.2 dev va proto static");
    ip(n, "route add 172.17.0.0/28 via 10.2.0.2 dev vb proto static");
    // In a table of its own: the mirror re-reads the tables a link's routes were in.
    ip(n, "route add 172.19.0.0/28 via 10.1.0.2 dev va table 100 proto static");
    // The least route key of a link: patching a link's routes must start before it.
    ip(n, "route add default via 10.2.0.2 dev vb proto static");
    ns.run(|name| async move {
        let mut monitor = Monitor::open(&[Topic::Links, Topic::Addresses, Topic::Routes]).unwrap();
        let nl = Netlink::connect().unwrap();
        let mut mirror = Mirror::load(&nl).await.unwrap();
        let routes = |s: &State| -> usize { s.links.iter().map(|l| l.iface.routes.len()).sum() };
        for (why, cmd, left) in [
            // One of va's two addresses: the kernel drops the route through its subnet's
            // gateway only when the link's last address goes, so nothing here.
            ("one of two addresses deleted", "addr del 10.1.1.1/24 dev va", 5),
            // A route elsewhere takes va's remaining address as its source.
            ("a route with a source added", "route add 172.18.0.0/28 via 10.2.0.2 dev vb src 10.1.0.1 proto static", 6),
            // The last: va's routes go silently, and so does vb's route from that source (which
            // recent kernels announce and older ones do not; the mirror re-reads IPv4 routes).
            ("the last address deleted", "addr del 10.1.0.1/24 dev va", 2),
            // vb's last address, with no route elsewhere naming it: only vb's routes are re-read.
            ("vb's last address deleted", "addr del 10.2.0.1/24 dev vb", 0),
            ("va's address back", "addr add 10.1.0.1/24 dev va", 0),
            (
                "two routes on va, in two tables",
                "route add 172.16.0.0/28 via 10.1.0.2 dev va proto static; \
                 route add 172.19.0.0/28 via 10.1.0.2 dev va table 100 proto static",
                2,
            ),
            // As an apply that moves an address does: the route added back after the address
            // went is known from its notification, the other is re-read and found gone.
            (
                "va's address moved and one route added back",
                "addr del 10.1.0.1/24 dev va; addr add 10.1.0.3/24 dev va; \
                 route add 172.16.0.0/28 via 10.1.0.2 dev va proto static",
                1,
            ),
        ] {
            for cmd in cmd.split(';') {
                ip(&name, cmd.trim());
            }
            let fresh = matches_a_fresh_dump(&mut monitor, &mut mirror, &nl, why).await;
            assert_eq!(routes(&fresh), left, "{why}: the kernel's routes are not what the test expects");
        }
    });
}

#[test]
#[ignore = "needs root: creates a network namespace"]
fn a_mirror_follows_renames_masters_and_link_changes() {
    Ns::new("hnd-links").run(|name| async move {
        let mut monitor = Monitor::open(&[Topic::Links, Topic::Addresses, Topic::Routes]).unwrap();
        let nl = Netlink::connect().unwrap();
        let mut mirror = Mirror::load(&nl).await.unwrap();
        // The mirror keeps each link's parsed form until its message changes; each step changes
        // what another link's form refers to (a peer's name, a master), or the link.
        for (why, cmds) in [
            ("a veth pair and a bridge", &["link add x1 type veth peer name x2", "link add sw type bridge"][..]),
            ("the peer renamed", &["link set x2 name x3"]),
            ("x1 enslaved", &["link set x1 master sw"]),
            ("x1's MTU and the bridge up", &["link set x1 mtu 1400", "link set sw up"]),
            ("an address on the bridge", &["addr add 192.0.2.1/24 dev sw"]),
            ("the bridge renamed", &["link set sw down", "link set sw name sw2"]),
            ("x1 released", &["link set x1 nomaster"]),
            ("the pair deleted", &["link del x3"]),
        ] {
            for c in cmds {
                ip(&name, c);
            }
            matches_a_fresh_dump(&mut monitor, &mut mirror, &nl, why).await;
        }
    });
}

//! Lost notifications: with a receive buffer too small for a burst, the kernel drops
//! notifications and says so (ENOBUFS); the mirror must notice, re-read the host, and then match
//! a fresh dump exactly. Needs root (a network namespace of its own); run by the README's test
//! command (`--include-ignored`).

use std::process::Command;

use hostnet_daemon::mirror::{Change, Mirror};
use hostnet_netlink::Netlink;
use hostnet_netlink::monitor::{Monitor, Topic};

struct Ns(String);

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

#[test]
#[ignore = "needs root: creates a network namespace"]
fn a_mirror_that_lost_notifications_resyncs_to_the_host() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(unsafe { libc::geteuid() }, 0, "this test needs root (network namespaces)");
    let ns = Ns(format!("hnd-resync-{}", std::process::id()));
    assert!(Command::new("ip").args(["netns", "add", &ns.0]).status().unwrap().success());
    let name = ns.0.clone();
    std::thread::spawn(move || {
        hostnet_netlink::netns::enter(&name).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
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
            assert_eq!(mirror.state(), fresh, "the mirror after a resync differs from a fresh dump");
            assert_eq!(mirror.links().count(), 201, "lo and 200 veth ends");
        });
    })
    .join()
    .unwrap();
}

//! Idle and slow clients against the daemon (issue 29): 2000 idle scrapers, 2000 idle control
//! socket clients and a slow-loris client must not stop repairs, spin the CPU or flood the log.
//! A test binary of its own, so that its load does not shift the timing of the other daemon
//! tests, which run in parallel threads. Needs root; run by the README's test command.

mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use support::Ns;
use support::daemon::Daemon;

const HOST: &str = r#"
interfaces:
  - name: v0
    veth: { peer: v1 }
    addresses: [192.0.2.1/24]
    routes:
      - { dst: 198.51.100.0/24, via: 192.0.2.254 }
  - name: v1
    veth: { peer: v0 }
"#;

/// One HTTP GET from inside `ns` (the endpoint listens on the namespace's loopback).
fn http_get(ns: &Ns, addr: &str, path: &str) -> String {
    let ns_path = format!("/run/netns/{}", ns.name);
    let (addr, path) = (addr.to_string(), path.to_string());
    std::thread::spawn(move || {
        let f = std::fs::File::open(ns_path).unwrap();
        // SAFETY: setns on this thread only, with a namespace file we opened.
        assert_eq!(unsafe { libc::setns(std::os::fd::AsRawFd::as_raw_fd(&f), libc::CLONE_NEWNET) }, 0);
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    })
    .join()
    .unwrap()
}

/// `n` TCP connections to `addr` from inside `ns` that send nothing; those the far end closed
/// at once are kept too (they cost it nothing more).
fn idle_tcp(ns: &Ns, addr: &str, n: usize) -> Vec<std::net::TcpStream> {
    let ns_path = format!("/run/netns/{}", ns.name);
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    std::thread::spawn(move || {
        let f = std::fs::File::open(ns_path).unwrap();
        // SAFETY: setns on this thread only, with a namespace file we opened.
        assert_eq!(unsafe { libc::setns(std::os::fd::AsRawFd::as_raw_fd(&f), libc::CLONE_NEWNET) }, 0);
        (0..n).filter_map(|_| std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()).collect()
    })
    .join()
    .unwrap()
}

/// CPU time process `pid` has used, user and system.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let f: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    Duration::from_secs_f64(ticks / hz)
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn floods_of_idle_connections_and_a_slow_loris_do_not_stop_repairs_or_fill_the_log() {
    // Room for the test's own 4000 descriptors; the daemon keeps its default limit (1024),
    // which 1100 idle scrapers once exhausted.
    let big = libc::rlimit { rlim_cur: 16384, rlim_max: 16384 };
    // SAFETY: setrlimit with a valid struct; root may raise the hard limit.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &big) }, 0);
    let ns = Ns::new("dflood");
    let f = ns.file("c.yaml", &format!("metrics: {{ listen: \"127.0.0.1:9469\" }}\n{HOST}"));
    let d = Daemon::start(&ns, &f);
    let mut loris = idle_tcp(&ns, "127.0.0.1:9469", 1).pop().unwrap();
    loris.set_write_timeout(Some(Duration::from_secs(1))).unwrap();
    write!(loris, "GET /metrics HTTP/1.1\r\n").unwrap();
    let t0 = Instant::now();
    let cpu0 = cpu_time(d.child.id());
    let scrapers = idle_tcp(&ns, "127.0.0.1:9469", 2000);
    let socket = ns.state_dir().join(format!("netns-{}", ns.name)).join("hostnet.sock");
    let clients: Vec<_> = (0..2000).filter_map(|_| std::os::unix::net::UnixStream::connect(&socket).ok()).collect();
    assert!(scrapers.len() + clients.len() > 3000, "{} + {} connected", scrapers.len(), clients.len());

    // Repairs go on meanwhile.
    ns.ip(&["addr", "del", "192.0.2.1/24", "dev", "v0"]);
    d.wait_until("the drift is repaired under the flood", || {
        ns.ip(&["-br", "addr", "show", "v0"]).contains("192.0.2.1/24")
    });
    // The slow-loris client, a header byte a second, is cut off once its headers are late.
    let mut cut = false;
    while t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(500));
        if write!(loris, "X").and_then(|_| loris.flush()).is_err() {
            cut = true;
            break;
        }
    }
    assert!(cut, "a client that never finished its headers was kept for 10 s");
    let spent = cpu_time(d.child.id()) - cpu0;
    let wall = t0.elapsed();
    assert!(spent < wall / 10, "the daemon used {spent:?} of CPU in {wall:?} under the flood");
    // Once the idle ones are closed, scrapes and commands are answered again.
    drop((scrapers, clients));
    assert!(http_get(&ns, "127.0.0.1:9469", "/metrics").starts_with("HTTP/1.1 200"));
    assert!(ns.hostnet(&["status"]).status.success());
    let log = d.log();
    assert!(log.len() < 1 << 20, "the log grew to {} bytes", log.len());
    assert!(log.contains("connections already open; closed a new one"), "{log}");
}

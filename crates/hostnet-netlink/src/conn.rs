//! One rtnetlink connection, with extended acks so failures carry the kernel's explanation.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Mutex;

use rtnetlink::Handle;
use rtnetlink::sys::AsyncSocket;

use crate::dump::DumpSocket;
use crate::error::Error;

pub struct Netlink {
    pub(crate) handle: Handle,
    /// Interface name to ifindex, learned from dumps and lookups. Addresses and routes name their
    /// device by index; caching saves one round trip per operation. Cleared whenever a link is
    /// deleted, since indexes are then reused and peers vanish with it.
    pub(crate) index: Mutex<HashMap<String, u32>>,
    /// The next ifindex hostnet gives a link it creates: above every index seen, so creating
    /// needs no lookup afterwards. 0 until the first observation.
    pub(crate) next_index: Mutex<u32>,
    /// For the big dumps of observation; opened with the connection, so in its namespace.
    pub(crate) dumps: DumpSocket,
    /// A second one, so that observation dumps links on one thread while it dumps addresses,
    /// routes and rules on another: the kernel fills one dump while hostnet parses the other.
    pub(crate) side_dumps: DumpSocket,
    /// Where /proc/sys writes for this connection's links must land.
    pub(crate) home: crate::sysctl::Home,
    /// The ifindexes of links this connection deleted, by name: a link made again under the
    /// same name (a rollback, a kind remade) gets its old index back, so that a rollback leaves
    /// the host as it was down to the indexes other tools key on.
    pub(crate) freed: Mutex<HashMap<String, u32>>,
}

impl Netlink {
    /// Opens a connection in the current network namespace. Must run inside a tokio runtime.
    pub fn connect() -> Result<Netlink, Error> {
        let (mut conn, handle, _) = rtnetlink::new_connection()?;
        let sock = conn.socket_mut().socket_mut();
        // Best effort: old kernels lack these, and errors then carry only errno.
        let _ = sock.set_ext_ack(true);
        let _ = sock.set_cap_ack(true);
        tokio::spawn(conn);
        let dumps = DumpSocket::open()?;
        let side_dumps = DumpSocket::open()?;
        let home = crate::sysctl::Home::here();
        Ok(Netlink {
            handle,
            index: Mutex::new(HashMap::default()),
            next_index: Mutex::new(0),
            dumps,
            side_dumps,
            home,
            freed: Mutex::new(HashMap::default()),
        })
    }

    /// The raw rtnetlink handle, for requests hostnet's operations do not cover (the lab's
    /// cross-namespace cables).
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Netlink {
    pub(crate) fn cached_index(&self, name: &str) -> Option<u32> {
        self.index.lock().expect("index cache").get(name).copied()
    }

    pub(crate) fn remember(&self, name: &str, index: u32) {
        self.index.lock().expect("index cache").insert(name.to_string(), index);
    }

    pub(crate) fn forget(&self, name: &str) {
        self.index.lock().expect("index cache").remove(name);
    }

    /// An ifindex for a new link, if the namespace has been observed; `None` lets the kernel
    /// choose (and the index is then looked up when needed).
    pub(crate) fn claim_index(&self) -> Option<u32> {
        let mut n = self.next_index.lock().expect("next index");
        if *n == 0 {
            return None;
        }
        let i = *n;
        *n += 1;
        Some(i)
    }

    pub(crate) fn forget_all(&self) {
        self.index.lock().expect("index cache").clear();
    }
}

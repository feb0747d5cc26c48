//! One rtnetlink connection, with extended acks so failures carry the kernel's explanation.

use rtnetlink::Handle;
use rtnetlink::sys::AsyncSocket;

use crate::error::Error;

pub struct Netlink {
    pub(crate) handle: Handle,
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
        Ok(Netlink { handle })
    }

    /// The raw rtnetlink handle, for requests hostnet's operations do not cover (the lab's
    /// cross-namespace cables).
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

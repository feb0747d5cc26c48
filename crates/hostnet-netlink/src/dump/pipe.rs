//! A dump read on one thread and parsed on another: the kernel fills the next datagram (in the
//! reading thread's system call) while the caller parses the last.

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError};

use rtnetlink::packet_core::NetlinkBuffer;
use rtnetlink::packet_route::RouteNetlinkMessage;

use super::{DATAGRAM, DumpSocket, ends_dump, recv_datagram, send_request, take_datagram};
use crate::error::Error;

/// The thread reading a piped dump: whether the reading went well, and what came after.
pub(crate) type Reader<'scope, R> = std::thread::ScopedJoinHandle<'scope, (Result<(), Error>, R)>;

/// How many datagrams may wait for the parser. The kernel fills them faster than they are
/// parsed (2000 links: 4 ms against 6), so with room for a third of that dump the reader is
/// done early and its next dumps run while the links are still parsed; with room for 4, show
/// took 0.5-1 ms longer. At most 2 MiB.
const IN_FLIGHT: usize = 32;

/// How often the reader tries again, yielding the CPU in between, before it sleeps until the
/// parser makes room: a thread put to sleep and woken from the other CPU took tens of
/// microseconds per datagram in a VM.
const SPINS: u32 = 200;

impl DumpSocket {
    /// Like [`collect_raw`](Self::collect_raw), with the reading on a thread of `scope`. `then`
    /// runs on that thread once the dump is read (more dumps, on another socket), and its
    /// result comes back with the handle. For a process that may run on two CPUs or more.
    pub(crate) fn collect_raw_piped<'scope, 'env, T, R: Send + 'scope>(
        &'env self,
        scope: &'scope std::thread::Scope<'scope, 'env>,
        request: RouteNetlinkMessage,
        mut pick: impl FnMut(NetlinkBuffer<&[u8]>) -> Result<Option<T>, Error>,
        then: impl FnOnce() -> R + Send + 'scope,
    ) -> (Result<Vec<T>, Error>, Reader<'scope, R>) {
        let (full, filled) = std::sync::mpsc::sync_channel::<(u32, Vec<u8>)>(IN_FLIGHT);
        // Used buffers go back to the reader, so that each is allocated and freed by one thread.
        let (give_back, given_back) = std::sync::mpsc::channel::<Vec<u8>>();
        // SAFETY: sched_getcpu has no preconditions.
        let parser_cpu = unsafe { libc::sched_getcpu() };
        let reader = scope.spawn(move || {
            away_from(parser_cpu);
            let read = (|| {
                let mut guard = self.sock.lock().expect("dump socket");
                let (sock, seq) = &mut *guard;
                send_request(sock, seq, request)?;
                loop {
                    let mut buf = given_back.try_recv().unwrap_or_else(|_| Vec::with_capacity(DATAGRAM));
                    recv_datagram(sock, &mut buf)?;
                    let last = ends_dump(&buf, *seq);
                    // The parser gone means it failed; it reports why.
                    if send_spinning(&full, (*seq, buf)).is_err() || last {
                        return Ok(());
                    }
                }
            })();
            drop(full);
            (read, then())
        });
        let mut out = Vec::new();
        let parsed = (|| {
            while let Some((seq, buf)) = recv_spinning(&filled) {
                let done = take_datagram(&buf, seq, &mut pick, &mut out)?;
                let _ = give_back.send(buf);
                if done.is_some() {
                    return Ok(());
                }
            }
            Err(Error::Other("netlink dump ended without its last message".into()))
        })();
        // Dropped before the caller joins: a reader blocked on a full channel then stops.
        drop(filled);
        (parsed.map(|()| out), reader)
    }
}

/// Keeps the calling thread off `cpu` if the process may run on another. The scheduler put a
/// new thread on its creator's CPU in about half the runs on a 2-CPU VM; the two ends of the
/// pipe then took turns, slower than one thread doing both.
fn away_from(cpu: i32) {
    let Ok(cpu) = usize::try_from(cpu) else { return };
    // SAFETY: cpu_set_t is plain data; the calls get its exact size and write only inside it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0
            || libc::CPU_COUNT(&set) < 2
            || cpu >= libc::CPU_SETSIZE as usize
            || !libc::CPU_ISSET(cpu, &set)
        {
            return;
        }
        libc::CPU_CLR(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

fn send_spinning<T>(to: &SyncSender<T>, mut item: T) -> Result<(), ()> {
    for _ in 0..SPINS {
        match to.try_send(item) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Full(back)) => item = back,
            Err(TrySendError::Disconnected(_)) => return Err(()),
        }
        std::thread::yield_now();
    }
    to.send(item).map_err(|_| ())
}

/// The parser never sleeps: woken by the reader, the scheduler moved it onto the reader's CPU
/// (a wakee goes near its waker), and the two then took turns there.
fn recv_spinning<T>(from: &Receiver<T>) -> Option<T> {
    loop {
        match from.try_recv() {
            Ok(item) => return Some(item),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) => std::thread::yield_now(),
        }
    }
}

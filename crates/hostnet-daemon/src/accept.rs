//! Accept loops that nobody who can connect can turn against the daemon: a cap on connections
//! served at once (one beyond it is closed as soon as it is accepted, so that neither our
//! descriptors nor the kernel's backlog fill up with idle ones), a pause after a failed accept
//! (out of descriptors, retrying at once spins a core and each failure is a log line), and
//! repeated failures logged at most once a minute.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

/// How long an accept loop rests after a failure.
const PAUSE: Duration = Duration::from_millis(100);
/// The least time between two log lines of one repeated failure.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Serves connections from `accept` with `handle`, at most `max` at a time, on the current
/// runtime, until the process ends. `what` names the endpoint in the log.
pub fn spawn<S, A, AF, H, HF>(what: &'static str, max: usize, mut accept: A, handle: H)
where
    S: Send + 'static,
    A: FnMut() -> AF + Send + 'static,
    AF: Future<Output = std::io::Result<S>> + Send,
    H: Fn(S) -> HF + Send + 'static,
    HF: Future<Output = ()> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(max));
    tokio::spawn(async move {
        let mut throttle = Throttle::new(LOG_EVERY);
        let mut full = Throttle::new(LOG_EVERY);
        loop {
            match accept().await {
                Ok(conn) => match Arc::clone(&slots).try_acquire_owned() {
                    Ok(slot) => {
                        let served = handle(conn);
                        tokio::spawn(async move {
                            served.await;
                            drop(slot);
                        });
                    }
                    Err(_) => {
                        drop(conn);
                        if let Some(more) = full.allow(Instant::now()) {
                            tracing::warn!(
                                "{what}: {max} connections already open; closed a new one{}",
                                not_logged(more)
                            );
                        }
                    }
                },
                Err(e) => {
                    if let Some(more) = throttle.allow(Instant::now()) {
                        tracing::warn!("{what}: cannot accept a connection: {e}{}", not_logged(more));
                    }
                    tokio::time::sleep(PAUSE).await;
                }
            }
        }
    });
}

fn not_logged(n: u64) -> String {
    if n == 0 { String::new() } else { format!(" ({n} more like it since the last line)") }
}

/// Lets one log line through per interval and counts the ones it held back.
#[derive(Debug)]
pub struct Throttle {
    every: Duration,
    last: Option<Instant>,
    held: u64,
}

impl Throttle {
    pub fn new(every: Duration) -> Self {
        Throttle { every, last: None, held: 0 }
    }

    /// `Some(n)`: log now, mentioning the `n` lines held back since the last one.
    pub fn allow(&mut self, now: Instant) -> Option<u64> {
        match self.last {
            Some(t) if now.duration_since(t) < self.every => {
                self.held += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.held))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_failure_is_logged_once_a_minute_with_the_count_held_back() {
        let mut t = Throttle::new(LOG_EVERY);
        let t0 = Instant::now();
        assert_eq!(t.allow(t0), Some(0));
        for i in 1..=1000 {
            assert_eq!(t.allow(t0 + Duration::from_millis(i)), None);
        }
        assert_eq!(t.allow(t0 + LOG_EVERY), Some(1000));
        assert_eq!(t.allow(t0 + LOG_EVERY + Duration::from_secs(1)), None);
    }

    #[tokio::test]
    async fn a_connection_beyond_the_cap_is_closed_and_one_after_a_slot_frees_is_served() {
        let listener = Arc::new(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = listener.local_addr().unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        spawn(
            "test",
            2,
            move || {
                let l = Arc::clone(&listener);
                async move { l.accept().await.map(|(s, _)| s) }
            },
            move |mut s: tokio::net::TcpStream| {
                let tx = tx.clone();
                async move {
                    use tokio::io::AsyncReadExt;
                    tx.send(()).unwrap();
                    let _ = s.read(&mut [0u8; 1]).await;
                }
            },
        );
        use tokio::io::AsyncReadExt;
        let a = tokio::net::TcpStream::connect(addr).await.unwrap();
        let _b = tokio::net::TcpStream::connect(addr).await.unwrap();
        for _ in 0..2 {
            rx.recv().await.unwrap();
        }
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        let closed = tokio::time::timeout(Duration::from_secs(5), c.read(&mut [0u8; 1])).await;
        assert!(matches!(closed, Ok(Ok(0) | Err(_))), "a third connection was kept beyond the cap of 2: {closed:?}");
        assert!(rx.try_recv().is_err(), "a third connection was served beyond the cap of 2");
        drop(a);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _d = tokio::net::TcpStream::connect(addr).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("served once a slot freed").unwrap();
    }
}

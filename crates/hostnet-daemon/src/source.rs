//! The daemon's [`StateSource`], through which its `NetlinkHost` observes: the engine plans and
//! verifies against the mirror, after taking
//! in every notification already queued. The kernel queues the notifications of a change before
//! it acknowledges the request, so after our own operations the mirror is current without a dump.

use std::borrow::Cow;

use hostnet_core::State;
use hostnet_netlink::StateSource;
use hostnet_netlink::monitor::Monitor;
use hostnet_netlink::{Error, Netlink};

use crate::mirror::{Change, Mirror};

pub struct MirrorSource<'a> {
    pub mirror: &'a mut Mirror,
    pub monitor: &'a mut Monitor,
    /// What the notifications taken in while the engine ran changed, for the caller's history.
    pub changes: Vec<Change>,
}

impl<'a> MirrorSource<'a> {
    pub fn new(mirror: &'a mut Mirror, monitor: &'a mut Monitor) -> Self {
        MirrorSource { mirror, monitor, changes: Vec::new() }
    }

    /// Takes in what is queued and re-reads what notifications could not keep current.
    pub async fn catch_up(&mut self, nl: &Netlink) -> Result<(), Error> {
        for n in self.monitor.drain()? {
            if let Some(c) = self.mirror.apply(n) {
                self.changes.push(c);
            }
        }
        self.mirror.refresh(nl).await?;
        if self.mirror.take_names_changed() {
            nl.learn_indexes(self.mirror.links());
        }
        Ok(())
    }
}

impl StateSource for MirrorSource<'_> {
    async fn observe(&mut self, nl: &Netlink) -> Result<Cow<'_, State>, Error> {
        self.catch_up(nl).await?;
        Ok(Cow::Borrowed(self.mirror.state()))
    }

    fn touched(&mut self, op: &hostnet_core::Op) {
        self.mirror.touched(op);
    }
}

// SPDX-License-Identifier: MIT

use crate::{
    ethtool_set, EthtoolAttr, EthtoolError, EthtoolHandle, EthtoolMessage,
    EthtoolRingAttr,
};

/// Changes ring sizes (equivalent to `ethtool -G eth1 rx 1024`); unset
/// ones stay as they are.
pub struct EthtoolRingSetRequest {
    handle: EthtoolHandle,
    message: EthtoolMessage,
}

impl EthtoolRingSetRequest {
    pub(crate) fn new(handle: EthtoolHandle, iface_name: &str) -> Self {
        EthtoolRingSetRequest {
            handle,
            message: EthtoolMessage::new_ring_set(iface_name),
        }
    }

    fn attr(mut self, attr: EthtoolRingAttr) -> Self {
        self.message.nlas.push(EthtoolAttr::Ring(attr));
        self
    }

    pub fn rx(self, size: u32) -> Self {
        self.attr(EthtoolRingAttr::Rx(size))
    }

    pub fn rx_mini(self, size: u32) -> Self {
        self.attr(EthtoolRingAttr::RxMini(size))
    }

    pub fn rx_jumbo(self, size: u32) -> Self {
        self.attr(EthtoolRingAttr::RxJumbo(size))
    }

    pub fn tx(self, size: u32) -> Self {
        self.attr(EthtoolRingAttr::Tx(size))
    }

    pub async fn execute(self) -> Result<(), EthtoolError> {
        let EthtoolRingSetRequest {
            mut handle,
            message,
        } = self;
        ethtool_set(&mut handle, message).await
    }
}

// SPDX-License-Identifier: MIT

use crate::{
    ethtool_set, EthtoolAttr, EthtoolError, EthtoolHandle, EthtoolLinkModeAttr,
    EthtoolLinkModeDuplex, EthtoolMessage,
};

/// Changes autonegotiation, speed and duplex (equivalent to `ethtool -s eth1
/// speed 1000 duplex full autoneg off`); unset ones stay as they are.
pub struct EthtoolLinkModeSetRequest {
    handle: EthtoolHandle,
    message: EthtoolMessage,
}

impl EthtoolLinkModeSetRequest {
    pub(crate) fn new(handle: EthtoolHandle, iface_name: &str) -> Self {
        EthtoolLinkModeSetRequest {
            handle,
            message: EthtoolMessage::new_link_mode_set(iface_name),
        }
    }

    fn attr(mut self, attr: EthtoolLinkModeAttr) -> Self {
        self.message.nlas.push(EthtoolAttr::LinkMode(attr));
        self
    }

    pub fn autoneg(self, on: bool) -> Self {
        self.attr(EthtoolLinkModeAttr::Autoneg(on))
    }

    /// Speed in Mb/s.
    pub fn speed(self, mbps: u32) -> Self {
        self.attr(EthtoolLinkModeAttr::Speed(mbps))
    }

    pub fn duplex(self, duplex: EthtoolLinkModeDuplex) -> Self {
        self.attr(EthtoolLinkModeAttr::Duplex(duplex))
    }

    pub async fn execute(self) -> Result<(), EthtoolError> {
        let EthtoolLinkModeSetRequest {
            mut handle,
            message,
        } = self;
        ethtool_set(&mut handle, message).await
    }
}

// SPDX-License-Identifier: MIT

use crate::{
    ethtool_set, EthtoolAttr, EthtoolCoalesceAttr, EthtoolError, EthtoolHandle,
    EthtoolMessage,
};

/// Changes interrupt coalescing (equivalent to `ethtool -C eth1 rx-usecs
/// 50`); unset parameters stay as they are.
pub struct EthtoolCoalesceSetRequest {
    handle: EthtoolHandle,
    message: EthtoolMessage,
}

impl EthtoolCoalesceSetRequest {
    pub(crate) fn new(handle: EthtoolHandle, iface_name: &str) -> Self {
        EthtoolCoalesceSetRequest {
            handle,
            message: EthtoolMessage::new_coalesce_set(iface_name),
        }
    }

    /// Adds any coalescing attribute except the header.
    pub fn attr(mut self, attr: EthtoolCoalesceAttr) -> Self {
        self.message.nlas.push(EthtoolAttr::Coalesce(attr));
        self
    }

    pub fn rx_usecs(self, usecs: u32) -> Self {
        self.attr(EthtoolCoalesceAttr::RxUsecs(usecs))
    }

    pub fn rx_max_frames(self, frames: u32) -> Self {
        self.attr(EthtoolCoalesceAttr::RxMaxFrames(frames))
    }

    pub fn tx_usecs(self, usecs: u32) -> Self {
        self.attr(EthtoolCoalesceAttr::TxUsecs(usecs))
    }

    pub fn tx_max_frames(self, frames: u32) -> Self {
        self.attr(EthtoolCoalesceAttr::TxMaxFrames(frames))
    }

    pub fn use_adaptive_rx(self, on: bool) -> Self {
        self.attr(EthtoolCoalesceAttr::UseAdaptiveRx(on))
    }

    pub fn use_adaptive_tx(self, on: bool) -> Self {
        self.attr(EthtoolCoalesceAttr::UseAdaptiveTx(on))
    }

    pub async fn execute(self) -> Result<(), EthtoolError> {
        let EthtoolCoalesceSetRequest {
            mut handle,
            message,
        } = self;
        ethtool_set(&mut handle, message).await
    }
}

// SPDX-License-Identifier: MIT

use futures_util::StreamExt;
use netlink_packet_core::{NetlinkMessage, NLM_F_ACK, NLM_F_REQUEST};
use netlink_packet_generic::GenlMessage;

use crate::{
    try_ethtool, EthtoolAttr, EthtoolError, EthtoolFeatureAttr,
    EthtoolFeatureBit, EthtoolHandle, EthtoolMessage,
};

/// Changes features of an interface (equivalent to `ethtool -K eth1 gro off`).
pub struct EthtoolFeatureSetRequest {
    handle: EthtoolHandle,
    message: EthtoolMessage,
    wanted: Vec<EthtoolFeatureBit>,
}

impl EthtoolFeatureSetRequest {
    pub(crate) fn new(handle: EthtoolHandle, iface_name: &str) -> Self {
        EthtoolFeatureSetRequest {
            handle,
            message: EthtoolMessage::new_feature_set(iface_name),
            wanted: Vec::new(),
        }
    }

    /// Turns the feature of this (kernel) name on or off.
    pub fn feature(mut self, name: &str, value: bool) -> Self {
        self.wanted.push(EthtoolFeatureBit::wanted(name, value));
        self
    }

    pub async fn execute(self) -> Result<(), EthtoolError> {
        let EthtoolFeatureSetRequest {
            mut handle,
            mut message,
            wanted,
        } = self;
        message
            .nlas
            .push(EthtoolAttr::Feature(EthtoolFeatureAttr::Wanted(wanted)));
        let mut nl_msg =
            NetlinkMessage::from(GenlMessage::from_payload(message));
        nl_msg.header.flags = NLM_F_REQUEST | NLM_F_ACK;
        let mut response = handle.request(nl_msg).await?;
        while let Some(message) = response.next().await {
            try_ethtool!(message);
        }
        Ok(())
    }
}

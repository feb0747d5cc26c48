// SPDX-License-Identifier: MIT

use crate::{EthtoolHandle, EthtoolRingGetRequest, EthtoolRingSetRequest};

pub struct EthtoolRingHandle(EthtoolHandle);

impl EthtoolRingHandle {
    pub fn new(handle: EthtoolHandle) -> Self {
        EthtoolRingHandle(handle)
    }

    /// Retrieve the ethtool rings of a interface (equivalent to `ethtool -g
    /// eth1`)
    pub fn get(&mut self, iface_name: Option<&str>) -> EthtoolRingGetRequest {
        EthtoolRingGetRequest::new(self.0.clone(), iface_name)
    }

    /// Change settings of a interface; see [EthtoolRingSetRequest].
    pub fn set(&mut self, iface_name: &str) -> EthtoolRingSetRequest {
        EthtoolRingSetRequest::new(self.0.clone(), iface_name)
    }
}

// SPDX-License-Identifier: MIT

mod attr;
mod get;
mod handle;
mod set;

pub(crate) use attr::parse_ring_nlas;

pub use attr::EthtoolRingAttr;
pub use get::EthtoolRingGetRequest;
pub use handle::EthtoolRingHandle;
pub use set::EthtoolRingSetRequest;

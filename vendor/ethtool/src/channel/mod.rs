// SPDX-License-Identifier: MIT

mod attr;
mod get;
mod handle;
mod set;

pub(crate) use attr::parse_channel_nlas;

pub use attr::EthtoolChannelAttr;
pub use get::EthtoolChannelGetRequest;
pub use handle::EthtoolChannelHandle;
pub use set::EthtoolChannelSetRequest;

// SPDX-License-Identifier: MIT

mod attr;
mod get;
mod handle;
mod set;

pub(crate) use attr::parse_coalesce_nlas;

pub use attr::EthtoolCoalesceAttr;
pub use get::EthtoolCoalesceGetRequest;
pub use handle::EthtoolCoalesceHandle;
pub use set::EthtoolCoalesceSetRequest;

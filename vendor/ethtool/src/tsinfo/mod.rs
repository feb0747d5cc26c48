// SPDX-License-Identifier: MIT

mod attr;
mod get;
mod handle;

pub(crate) use attr::parse_tsinfo_nlas;
pub use attr::EthtoolTsInfoAttr;
pub use get::EthtoolTsInfoGetRequest;
pub use handle::EthtoolTsInfoHandle;

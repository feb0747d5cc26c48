// SPDX-License-Identifier: MIT

mod attr;
mod get;
mod handle;

pub(crate) use self::attr::parse_fec_nlas;
pub use self::attr::{EthtoolFecAttr, EthtoolFecMode, EthtoolFecStat};
pub use self::get::EthtoolFecGetRequest;
pub use self::handle::EthtoolFecHandle;

// SPDX-License-Identifier: MIT

mod attr;
mod get;
mod handle;

pub(crate) use attr::parse_pause_nlas;
pub use attr::{EthtoolPauseAttr, EthtoolPauseStatAttr};
pub use get::EthtoolPauseGetRequest;
pub use handle::EthtoolPauseHandle;

// SPDX-License-Identifier: MIT

mod attr;
mod get;
mod handle;
mod set;

pub(crate) use attr::parse_feature_nlas;
pub use attr::{EthtoolFeatureAttr, EthtoolFeatureBit};
pub use get::EthtoolFeatureGetRequest;
pub use handle::EthtoolFeatureHandle;
pub use set::EthtoolFeatureSetRequest;

//! NIC features and queue counts over the kernel's ethtool netlink family (the rust-netlink
//! `ethtool` crate, vendored with the features-set request it lacked): read for the links a
//! config gives `ethtool:` settings, and changed by `SetEthtool`. A device that has no such
//! feature or cannot change it gets the kernel's own error, naming the device.

use std::collections::{BTreeMap, HashMap};

use ethtool::{EthtoolAttr, EthtoolChannelAttr, EthtoolFeatureAttr};
use futures::StreamExt;
use hostnet_core::model::{Channels, Ethtool};

use crate::error::OpError;

fn connect() -> Result<ethtool::EthtoolHandle, OpError> {
    let (conn, handle, _) = ethtool::new_connection().map_err(|e| OpError::other(format!("ethtool netlink: {e}")))?;
    tokio::spawn(conn);
    Ok(handle)
}

fn op_err(dev: &str, what: &str, e: ethtool::EthtoolError) -> OpError {
    OpError::other(format!("{dev}: ethtool {what}: {e}"))
}

/// The changeable features (with their current values) and the queue counts of each link.
/// A link whose driver answers neither is left out.
pub async fn read(names: &[String]) -> Result<HashMap<String, Ethtool>, OpError> {
    let mut handle = connect()?;
    let mut out = HashMap::new();
    for name in names {
        let mut e = Ethtool::default();
        let Ok(mut replies) = handle.feature().get(Some(name)).execute().await else { continue };
        let (mut changeable, mut active) = (Vec::new(), BTreeMap::new());
        while let Some(Ok(m)) = replies.next().await {
            for nla in &m.payload.nlas {
                match nla {
                    EthtoolAttr::Feature(EthtoolFeatureAttr::Hw(bits)) => {
                        changeable.extend(bits.iter().filter(|b| b.value).map(|b| b.name.clone()))
                    }
                    EthtoolAttr::Feature(EthtoolFeatureAttr::Active(bits)) => {
                        active.extend(bits.iter().map(|b| (b.name.clone(), b.value)))
                    }
                    _ => {}
                }
            }
        }
        e.features = changeable.into_iter().map(|n| (n.clone(), active.get(&n).copied().unwrap_or(false))).collect();
        if let Ok(mut replies) = handle.channel().get(Some(name)).execute().await {
            let mut c = Channels::default();
            while let Some(Ok(m)) = replies.next().await {
                for nla in &m.payload.nlas {
                    match nla {
                        EthtoolAttr::Channel(EthtoolChannelAttr::RxCount(v)) => c.rx = Some(*v),
                        EthtoolAttr::Channel(EthtoolChannelAttr::TxCount(v)) => c.tx = Some(*v),
                        EthtoolAttr::Channel(EthtoolChannelAttr::OtherCount(v)) => c.other = Some(*v),
                        EthtoolAttr::Channel(EthtoolChannelAttr::CombinedCount(v)) => c.combined = Some(*v),
                        _ => {}
                    }
                }
            }
            e.channels = (c != Channels::default()).then_some(c);
        }
        out.insert(name.clone(), e);
    }
    Ok(out)
}

/// Sets the listed features and queue counts of `dev`.
pub async fn set(dev: &str, features: &BTreeMap<String, bool>, channels: &Option<Channels>) -> Result<(), OpError> {
    let mut handle = connect()?;
    if !features.is_empty() {
        let mut req = handle.feature().set(dev);
        for (k, v) in features {
            req = req.feature(k, *v);
        }
        req.execute().await.map_err(|e| op_err(dev, "features", e))?;
    }
    if let Some(c) = channels {
        let mut req = handle.channel().set(dev);
        if let Some(v) = c.rx {
            req = req.rx_count(v);
        }
        if let Some(v) = c.tx {
            req = req.tx_count(v);
        }
        if let Some(v) = c.other {
            req = req.other_count(v);
        }
        if let Some(v) = c.combined {
            req = req.combined_count(v);
        }
        req.execute().await.map_err(|e| op_err(dev, "channels", e))?;
    }
    Ok(())
}

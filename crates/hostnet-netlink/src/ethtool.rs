//! NIC settings over the kernel's ethtool netlink family (the rust-netlink `ethtool` crate,
//! vendored with the set requests it lacked): features, channels, rings, coalescing and link
//! modes, read for the links a config gives `ethtool:` settings (and for `show ethtool`), and
//! changed by `SetEthtool`, one group per request. A device that lacks a setting or cannot
//! change it gets the kernel's own error, naming the device and the group.

use std::collections::{BTreeMap, HashMap};

use ethtool::{
    EthtoolAttr, EthtoolChannelAttr, EthtoolCoalesceAttr, EthtoolFeatureAttr, EthtoolHandle, EthtoolLinkModeAttr,
    EthtoolLinkModeDuplex, EthtoolRingAttr,
};
use futures::{Stream, StreamExt};
use hostnet_core::model::{Channels, Coalesce, Duplex, Ethtool, LinkModes, Rings};
use netlink_packet_generic::GenlMessage;

use crate::error::OpError;

fn connect() -> Result<EthtoolHandle, OpError> {
    let (conn, handle, _) = ethtool::new_connection().map_err(|e| OpError::other(format!("ethtool netlink: {e}")))?;
    tokio::spawn(conn);
    Ok(handle)
}

fn op_err(dev: &str, what: &str, e: ethtool::EthtoolError) -> OpError {
    OpError::other(format!("{dev}: ethtool {what}: {e}"))
}

/// The attributes of every reply to a get request; `None` when the driver does not answer it.
async fn attrs<S>(replies: Result<S, ethtool::EthtoolError>) -> Option<Vec<EthtoolAttr>>
where
    S: Stream<Item = Result<GenlMessage<ethtool::EthtoolMessage>, ethtool::EthtoolError>> + Unpin,
{
    let mut replies = replies.ok()?;
    let mut out = Vec::new();
    while let Some(m) = replies.next().await {
        out.extend(m.ok()?.payload.nlas);
    }
    Some(out)
}

/// `group` when it holds any value, else `None` (the driver reported none).
fn some<T: Default + PartialEq>(group: T) -> Option<T> {
    (group != T::default()).then_some(group)
}

/// Every changeable feature (with its current value), the queue counts, ring sizes, coalescing
/// and link modes of each link. A link whose driver answers no feature request is left out.
pub async fn read(names: &[String]) -> Result<HashMap<String, Ethtool>, OpError> {
    let mut handle = connect()?;
    let mut out = HashMap::new();
    for name in names {
        let Some(features) = attrs(handle.feature().get(Some(name)).execute().await).await else { continue };
        let mut e = Ethtool { features: features_of(&features), ..Default::default() };
        if let Some(a) = attrs(handle.channel().get(Some(name)).execute().await).await {
            let mut c = Channels::default();
            for nla in a {
                match nla {
                    EthtoolAttr::Channel(EthtoolChannelAttr::RxCount(v)) => c.rx = Some(v),
                    EthtoolAttr::Channel(EthtoolChannelAttr::TxCount(v)) => c.tx = Some(v),
                    EthtoolAttr::Channel(EthtoolChannelAttr::OtherCount(v)) => c.other = Some(v),
                    EthtoolAttr::Channel(EthtoolChannelAttr::CombinedCount(v)) => c.combined = Some(v),
                    _ => {}
                }
            }
            e.channels = some(c);
        }
        if let Some(a) = attrs(handle.ring().get(Some(name)).execute().await).await {
            let mut r = Rings::default();
            for nla in a {
                match nla {
                    EthtoolAttr::Ring(EthtoolRingAttr::Rx(v)) => r.rx = Some(v),
                    EthtoolAttr::Ring(EthtoolRingAttr::RxMini(v)) => r.rx_mini = Some(v),
                    EthtoolAttr::Ring(EthtoolRingAttr::RxJumbo(v)) => r.rx_jumbo = Some(v),
                    EthtoolAttr::Ring(EthtoolRingAttr::Tx(v)) => r.tx = Some(v),
                    _ => {}
                }
            }
            e.rings = some(r);
        }
        if let Some(a) = attrs(handle.coalesce().get(Some(name)).execute().await).await {
            let mut c = Coalesce::default();
            for nla in a {
                match nla {
                    EthtoolAttr::Coalesce(EthtoolCoalesceAttr::UseAdaptiveRx(v)) => c.adaptive_rx = Some(v),
                    EthtoolAttr::Coalesce(EthtoolCoalesceAttr::UseAdaptiveTx(v)) => c.adaptive_tx = Some(v),
                    EthtoolAttr::Coalesce(EthtoolCoalesceAttr::RxUsecs(v)) => c.rx_usecs = Some(v),
                    EthtoolAttr::Coalesce(EthtoolCoalesceAttr::RxMaxFrames(v)) => c.rx_frames = Some(v),
                    EthtoolAttr::Coalesce(EthtoolCoalesceAttr::TxUsecs(v)) => c.tx_usecs = Some(v),
                    EthtoolAttr::Coalesce(EthtoolCoalesceAttr::TxMaxFrames(v)) => c.tx_frames = Some(v),
                    _ => {}
                }
            }
            e.coalesce = some(c);
        }
        if let Some(a) = attrs(handle.link_mode().get(Some(name)).execute().await).await {
            let mut l = LinkModes::default();
            for nla in a {
                match nla {
                    EthtoolAttr::LinkMode(EthtoolLinkModeAttr::Autoneg(v)) => l.autoneg = Some(v),
                    // A link without carrier may report SPEED_UNKNOWN; kept, so that undo restores it.
                    EthtoolAttr::LinkMode(EthtoolLinkModeAttr::Speed(v)) if v != 0 => l.speed = Some(v),
                    EthtoolAttr::LinkMode(EthtoolLinkModeAttr::Duplex(EthtoolLinkModeDuplex::Full)) => {
                        l.duplex = Some(Duplex::Full)
                    }
                    EthtoolAttr::LinkMode(EthtoolLinkModeAttr::Duplex(EthtoolLinkModeDuplex::Half)) => {
                        l.duplex = Some(Duplex::Half)
                    }
                    EthtoolAttr::LinkMode(EthtoolLinkModeAttr::Duplex(EthtoolLinkModeDuplex::Unknown)) => {
                        l.duplex = Some(Duplex::Unknown)
                    }
                    _ => {}
                }
            }
            e.link = some(l);
        }
        out.insert(name.clone(), e);
    }
    Ok(out)
}

/// The changeable features with their active values.
fn features_of(attrs: &[EthtoolAttr]) -> BTreeMap<String, bool> {
    let (mut changeable, mut active) = (Vec::new(), BTreeMap::new());
    for nla in attrs {
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
    changeable.into_iter().map(|n| (n.clone(), active.get(&n).copied().unwrap_or(false))).collect()
}

/// Sets what `s` lists on `dev`: one request per group, in the order features, channels,
/// rings, coalescing, link modes.
pub async fn set(dev: &str, s: &Ethtool) -> Result<(), OpError> {
    let mut handle = connect()?;
    if !s.features.is_empty() {
        let mut req = handle.feature().set(dev);
        for (k, v) in &s.features {
            req = req.feature(k, *v);
        }
        req.execute().await.map_err(|e| op_err(dev, "features", e))?;
    }
    if let Some(c) = s.channels {
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
    if let Some(r) = s.rings {
        let mut req = handle.ring().set(dev);
        if let Some(v) = r.rx {
            req = req.rx(v);
        }
        if let Some(v) = r.rx_mini {
            req = req.rx_mini(v);
        }
        if let Some(v) = r.rx_jumbo {
            req = req.rx_jumbo(v);
        }
        if let Some(v) = r.tx {
            req = req.tx(v);
        }
        req.execute().await.map_err(|e| op_err(dev, "rings", e))?;
    }
    if let Some(c) = s.coalesce {
        let mut req = handle.coalesce().set(dev);
        if let Some(v) = c.adaptive_rx {
            req = req.use_adaptive_rx(v);
        }
        if let Some(v) = c.adaptive_tx {
            req = req.use_adaptive_tx(v);
        }
        if let Some(v) = c.rx_usecs {
            req = req.rx_usecs(v);
        }
        if let Some(v) = c.rx_frames {
            req = req.rx_max_frames(v);
        }
        if let Some(v) = c.tx_usecs {
            req = req.tx_usecs(v);
        }
        if let Some(v) = c.tx_frames {
            req = req.tx_max_frames(v);
        }
        req.execute().await.map_err(|e| op_err(dev, "coalesce", e))?;
    }
    if let Some(l) = s.link {
        let mut req = handle.link_mode().set(dev);
        if let Some(v) = l.autoneg {
            req = req.autoneg(v);
        }
        if let Some(v) = l.speed {
            req = req.speed(v);
        }
        if let Some(v) = l.duplex {
            req = req.duplex(match v {
                Duplex::Full => EthtoolLinkModeDuplex::Full,
                Duplex::Half => EthtoolLinkModeDuplex::Half,
                Duplex::Unknown => EthtoolLinkModeDuplex::Unknown,
            });
        }
        req.execute().await.map_err(|e| op_err(dev, "link modes", e))?;
    }
    Ok(())
}

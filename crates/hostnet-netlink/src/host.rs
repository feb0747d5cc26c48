//! The kernel as the engine's [`Host`]: observations come from a [`StateSource`] (a fresh dump
//! for one-shot commands, the daemon's mirror for the daemon) completed with what only the
//! config asks for (resolv.conf, NIC settings, WireGuard peers); operations go over rtnetlink.

use std::borrow::Cow;
use std::time::Duration;

use hostnet_core::plan::Op;
use hostnet_core::{Config, OpError, State};
use hostnet_engine::{Held, Host, HostError};

use crate::conn::Netlink;
use crate::error::Error;
use crate::write::{Env, read_resolv_conf};

/// Where an apply learns the host's state, before planning and while verifying: a fresh dump
/// for one-shot commands, the daemon's mirror (kept current by notifications) for the daemon.
#[allow(async_fn_in_trait)]
pub trait StateSource {
    /// The host's links, addresses and routes in the config schema (DNS is added by the caller).
    /// Borrowed where the source keeps it (the daemon's mirror): a copy of thousands of links
    /// per observation is made only by a caller that must change it.
    async fn observe(&mut self, nl: &Netlink) -> Result<Cow<'_, State>, Error>;

    /// `op` was carried out; a source that keeps a picture of the host learns here of changes
    /// the kernel announces to nobody (sysctl writes).
    fn touched(&mut self, _op: &Op) {}
}

/// One dump per object type, every time.
pub struct Dump;

impl StateSource for Dump {
    async fn observe(&mut self, nl: &Netlink) -> Result<Cow<'_, State>, Error> {
        Ok(Cow::Owned(nl.observe().await?.state))
    }
}

impl Netlink {
    /// The host's current state, including DNS when the config manages it.
    pub async fn current(&self, desired: &Config, env: &Env) -> Result<State, Error> {
        Ok(self.current_from(&mut Dump, desired, env).await?.into_owned())
    }

    pub async fn current_from<'s>(
        &self,
        src: &'s mut impl StateSource,
        desired: &Config,
        env: &Env,
    ) -> Result<Cow<'s, State>, Error> {
        let mut state = src.observe(self).await?;
        if desired.dns.is_some() {
            state.to_mut().dns = if crate::resolved::owns(&env.resolv_conf) {
                resolved_dns(&state, desired).await
            } else {
                read_resolv_conf(&env.resolv_conf)
            };
        }
        if !desired.sysctls.is_empty() {
            state.to_mut().net_sysctls = crate::sysctl::read_net(&self.home, desired.sysctls.keys());
        }
        // NIC features are read only where the config sets some: one request per link.
        let wanted: Vec<String> = desired
            .interfaces
            .iter()
            .filter(|i| i.ethtool.is_some() && state.get(&i.name).is_some())
            .map(|i| i.name.clone())
            .collect();
        if desired.interfaces.iter().any(|i| matches!(i.kind, hostnet_core::model::Kind::Wireguard(_))) {
            crate::wireguard::fill(state.to_mut(), desired, &env.key_dir)
                .await
                .map_err(|e| Error::Other(e.to_string()))?;
        }
        if !wanted.is_empty() {
            let read = crate::ethtool::read(&wanted).await.map_err(|e| Error::Other(e.to_string()))?;
            for l in &mut state.to_mut().links {
                if let Some(e) = read.get(&l.iface.name) {
                    l.iface.ethtool = Some(e.clone());
                }
            }
        }
        Ok(state)
    }
}

/// What systemd-resolved has for the links the file's DNS belongs to: one set when they all
/// agree, `None` (so the planner sets it) when they differ, a link is missing, or resolved
/// cannot be asked.
async fn resolved_dns(state: &State, desired: &Config) -> Option<hostnet_core::model::Dns> {
    let mut seen: Option<hostnet_core::model::Dns> = None;
    for name in desired.dns_links() {
        let index = state.get(&name)?.index;
        let dns = match crate::resolved::read(index).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!("{e}");
                return None;
            }
        };
        match &seen {
            Some(s) if *s != dns => return None,
            _ => seen = Some(dns),
        }
    }
    seen
}

/// The kernel seen through `src`, changed over rtnetlink.
pub struct NetlinkHost<'a, S> {
    pub nl: &'a Netlink,
    pub env: &'a Env,
    pub src: S,
}

impl<'a, S: StateSource> NetlinkHost<'a, S> {
    pub fn new(nl: &'a Netlink, env: &'a Env, src: S) -> Self {
        NetlinkHost { nl, env, src }
    }
}

impl<S: StateSource> Host for NetlinkHost<'_, S> {
    async fn observe(&mut self, desired: &Config) -> Result<Cow<'_, State>, HostError> {
        Ok(self.nl.current_from(&mut self.src, desired, self.env).await?)
    }

    async fn run(&mut self, op: &Op) -> Result<(), OpError> {
        self.nl.run(op, self.env).await.map_err(|e| unknown_kind(op, e))?;
        self.src.touched(op);
        Ok(())
    }

    async fn await_startup(&mut self, names: &[String], max: Duration) -> Result<Held, HostError> {
        Ok(self.nl.await_startup(names, max).await?)
    }

    async fn pause(&mut self, d: Duration) {
        tokio::time::sleep(d).await
    }

    async fn link_names(&mut self) -> Result<Vec<String>, HostError> {
        self.nl.link_names().await.map_err(|e| Error::Netlink(e).into())
    }
}

/// The kernel's answer to a kind it cannot make names neither the module nor the fix.
fn unknown_kind(op: &Op, mut e: OpError) -> OpError {
    if let Op::Create { kind, .. } = op
        && e.errno == libc::EOPNOTSUPP
        && let Some(module) = kind.kernel_module()
    {
        e.message = format!(
            "{}{}the kernel could not load `{module}`: install the module for this kernel (`modprobe {module}` tells) or boot one that has it",
            e.message,
            if e.message.is_empty() { "" } else { ": " }
        );
    }
    e
}

//! The main loop's side of DHCP: putting a lease on the host when a client is bound, taking it
//! off when it runs out or DHCP stops, and putting it back when it is removed by hand. Only the
//! main loop changes the host, so these never interleave with a reconcile pass.

use crate::daemon::Daemon;
use crate::dhcp::{Chore, Event, Grant, Key, What};

impl Daemon {
    pub async fn on_dhcp(&mut self, ev: Event) {
        let key: Key = (ev.iface, ev.proto);
        let Some(r) = self.dhcp.clients.get_mut(&key) else { return };
        if r.index != ev.index {
            return;
        }
        let (name, proto) = (key.0.clone(), key.1);
        match ev.what {
            What::Phase(p) => {
                if r.phase != p {
                    r.phase = p;
                    // A renewal is told by its outcome ("renewed"); every T1 would fill the history.
                    let first = matches!(p, "init" | "solicit" | "information-request");
                    if p != "renewing" && (!first || r.lease.is_some()) {
                        self.history.of(&name).note(format!("{name}: {proto} {p}"));
                    }
                }
            }
            What::Failed(e) => {
                r.last_error = Some(e.clone());
                let h = self.history.of(&name);
                h.errors += 1;
                h.note(format!("{name}: {proto} failed: {e}; starting over"));
            }
            What::Bound(lease) => {
                let old = r.lease.replace(lease.clone());
                let rebooting = r.phase == "init-reboot";
                r.phase = "bound";
                r.late = false;
                r.last_error = None;
                let index = r.index;
                let what = bound_line(&name, old.as_ref(), &lease, rebooting);
                if let Some(o) = old.as_ref().and_then(Grant::cidr).filter(|o| lease.cidr() != Some(*o)) {
                    let _ = self.nl.remove_address(index, o).await;
                }
                self.put_lease(&key, index, &lease).await;
                if let Err(e) = self.dhcp.dir.store(&name, &lease) {
                    tracing::warn!("{name}: storing the lease in {}: {e}", self.dhcp.dir.path().display());
                }
                self.hooks.emit("lease-acquired", &name, what.clone());
                self.history.of(&name).note(what);
                if let (Grant::V4(l), Some(crate::dhcp::Settings::V4(s))) = (&lease, self.dhcp.settings(&key))
                    && s.use_hostname()
                    && let Some(h) = &l.hostname
                {
                    use crate::dhcp::hostname::{Outcome, take};
                    let line = match take(h, std::path::Path::new("/etc/hostname")) {
                        Ok(Outcome::Set(n)) => Some(format!("{name}: dhcp4 host name set to {n}")),
                        Ok(Outcome::Already(_)) => None,
                        Ok(Outcome::Static(f)) => {
                            Some(format!("{name}: dhcp4 host name {h} not set: /etc/hostname names this host {f}"))
                        }
                        Err(e) => Some(format!("{name}: dhcp4 host name {h} not set: {e}")),
                    };
                    if let Some(line) = line {
                        self.history.of(&name).note(line);
                    }
                }
                let use_dns = self.dhcp.settings(&key).is_some_and(|s| s.use_dns());
                if use_dns && !(lease.dns().is_empty() && lease.search().is_empty()) {
                    self.dhcp.dns_taken = true;
                }
                if old.is_none_or(|o| o.dns() != lease.dns() || o.search() != lease.search()) {
                    self.retarget_dns().await;
                }
            }
            What::Expired => {
                let lease = r.lease.take();
                let index = r.index;
                let routes = self.dhcp.take_routes(&key);
                if let Some(l) = lease {
                    self.unlease(index, &l, &routes).await;
                    self.dhcp.dir.forget(&name, proto);
                    let what = l.cidr().map(|c| format!("lease of {c}")).unwrap_or_else(|| "information".into());
                    self.history.of(&name).note(format!("{name}: {proto} {what} expired; address and routes removed"));
                    self.hooks.emit("lease-lost", &name, format!("{proto} {what} expired"));
                    self.retarget_dns().await;
                }
            }
        }
    }

    /// A lease changed the name servers hostnet wants: resolv.conf is configured anew, which is
    /// not drift.
    async fn retarget_dns(&mut self) {
        if let Some(l) = self.links.get_mut(hostnet_core::plan::DNS_SUBJECT) {
            l.phase = crate::machine::Phase::Pending;
        }
        self.pass().await;
    }

    /// Puts the lease's address (with its lifetimes) and routes on the link. Failures are
    /// recorded; the next renewal or pass tries again.
    async fn put_lease(&mut self, key: &Key, index: u32, lease: &Grant) {
        let Some(settings) = self.dhcp.settings(key).cloned() else { return };
        let name = key.0.as_str();
        let mut errors = Vec::new();
        if let Some(cidr) = lease.cidr() {
            let (valid, preferred) = lease.lifetimes();
            if let Err(e) = self.nl.put_leased_address(index, cidr, valid, preferred).await {
                errors.push(format!("address {cidr}: {e}"));
            }
        }
        let routes = lease.routes(&settings);
        for r in self.dhcp.installed(key, routes.clone()) {
            let _ = self.nl.remove_leased_route(index, &r).await;
        }
        for r in &routes {
            if let Err(e) = self.nl.put_leased_route(index, r).await {
                errors.push(format!(
                    "{}: {e}",
                    hostnet_core::plan::op_line(&hostnet_core::plan::Op::AddRoute {
                        name: name.to_string(),
                        route: r.clone()
                    })
                ));
            }
        }
        if !errors.is_empty() {
            let h = self.history.of(name);
            h.errors += 1;
            let why = format!("{} lease not fully applied: {}", key.1, errors.join("; "));
            h.last_error = Some(why.clone());
            h.note(format!("{name}: {why}"));
        }
    }

    async fn unlease(&mut self, index: u32, lease: &Grant, routes: &[hostnet_core::model::Route]) {
        for r in routes {
            let _ = self.nl.remove_leased_route(index, r).await;
        }
        if let Some(c) = lease.cidr() {
            let _ = self.nl.remove_address(index, c).await;
        }
    }

    /// Starts and stops clients for this pass's view of the host and does what that calls for.
    pub async fn sync_dhcp(&mut self, state: &hostnet_core::State) {
        for chore in self.dhcp.sync(&self.desired, state) {
            match chore {
                Chore::Unlease { index, lease, routes, release } => {
                    if let Some((link, settings)) = release {
                        let proto = lease.proto();
                        let what = match crate::dhcp::release::release(&link, &settings, &lease).await {
                            Ok(()) => format!("{}: {proto} released to {}", link.iface, lease.server()),
                            Err(e) => {
                                format!("{}: {proto} release not sent ({e}); removing the lease anyway", link.iface)
                            }
                        };
                        self.history.of(&link.iface).note(what);
                    }
                    self.unlease(index, &lease, &routes).await
                }
                Chore::Reput { key } => {
                    let Some(r) = self.dhcp.clients.get(&key) else { continue };
                    let (index, Some(lease)) = (r.index, r.lease.clone()) else { continue };
                    let Some(cidr) = lease.cidr() else { continue };
                    let iface = key.0.clone();
                    let h = self.history.of(&iface);
                    h.drift_events += 1;
                    if self.desired.reconcile == hostnet_core::model::Reconcile::ReportOnly {
                        if h.reported_drift != [format!("leased {cidr} missing")] {
                            h.reported_drift = vec![format!("leased {cidr} missing")];
                            h.note(format!(
                                "{iface}: drift: leased address {cidr} removed (left as is: reconcile: report-only)"
                            ));
                        }
                        continue;
                    }
                    h.repairs += 1;
                    h.note(format!("{iface}: drift: leased address {cidr} removed; putting it back"));
                    self.put_lease(&key, index, &lease).await;
                }
                Chore::Late { key, after } => {
                    let h = self.history.of(&key.0);
                    h.errors += 1;
                    let what = if matches!(self.dhcp.settings(&key), Some(crate::dhcp::Settings::V6(s)) if s.mode() == hostnet_core::model::Dhcp6Mode::InformationOnly)
                    {
                        "no reply"
                    } else {
                        "no lease"
                    };
                    h.last_error = Some(format!("{}: {what} after {after} s", key.1));
                    h.note(format!("{}: {}: {what} after {after} s; still asking", key.0, key.1));
                }
            }
        }
    }
}

/// The history line of a Bound event: new, renewed, or confirmed after a restart.
fn bound_line(name: &str, old: Option<&Grant>, lease: &Grant, rebooting: bool) -> String {
    let proto = lease.proto();
    let Some(cidr) = lease.cidr() else {
        let dns: Vec<String> = lease.dns().iter().map(ToString::to_string).collect();
        return format!(
            "{name}: {proto} information from {}: dns [{}], refresh in {} s",
            lease.server(),
            dns.join(", "),
            lease.length()
        );
    };
    let same = old.and_then(Grant::cidr) == Some(cidr);
    match (same, rebooting) {
        (true, true) => format!("{name}: {proto} lease of {cidr} confirmed (INIT-REBOOT) for {} s", lease.length()),
        (true, false) => format!("{name}: {proto} renewed {cidr} for {} s", lease.length()),
        _ => {
            let (t1, t2) = lease.renew_times().unwrap_or_default();
            format!(
                "{name}: {proto} bound {cidr} from {} for {} s (T1 {t1} s, T2 {t2} s)",
                lease.server(),
                lease.length()
            )
        }
    }
}

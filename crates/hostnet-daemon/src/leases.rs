//! The main loop's side of DHCP: putting a lease on the host when a client is bound, taking it
//! off when it runs out or DHCP stops, and putting it back when it is removed by hand. Only the
//! main loop changes the host, so these never interleave with a reconcile pass.

use crate::daemon::Daemon;
use crate::dhcp::{Chore, Event, Lease, What};

impl Daemon {
    pub async fn on_dhcp(&mut self, ev: Event) {
        let Some(r) = self.dhcp.clients.get_mut(&ev.iface) else { return };
        if r.index != ev.index {
            return;
        }
        let name = ev.iface;
        match ev.what {
            What::Phase(p) => {
                if r.phase != p {
                    r.phase = p;
                    // A renewal is told by its outcome ("renewed"); every T1 would fill the history.
                    if p != "renewing" && (p != "init" || r.lease.is_some()) {
                        self.history.of(&name).note(format!("{name}: dhcp4 {p}"));
                    }
                }
            }
            What::Failed(e) => {
                r.last_error = Some(e.clone());
                let h = self.history.of(&name);
                h.errors += 1;
                h.note(format!("{name}: dhcp4 failed: {e}; starting over"));
            }
            What::Bound(lease) => {
                let old = r.lease.replace(lease.clone());
                let rebooting = r.phase == "init-reboot";
                r.phase = "bound";
                r.late = false;
                r.last_error = None;
                let index = r.index;
                let what = match &old {
                    Some(o) if o.address == lease.address && rebooting => {
                        format!(
                            "{name}: dhcp4 lease of {} confirmed (INIT-REBOOT) for {} s",
                            lease.cidr(),
                            lease.lease_secs
                        )
                    }
                    Some(o) if o.address == lease.address => {
                        format!("{name}: dhcp4 renewed {} for {} s", lease.cidr(), lease.lease_secs)
                    }
                    _ => format!(
                        "{name}: dhcp4 bound {} from {} for {} s (T1 {} s, T2 {} s)",
                        lease.cidr(),
                        lease.server,
                        lease.lease_secs,
                        lease.t1_secs,
                        lease.t2_secs
                    ),
                };
                if let Some(o) = old.as_ref().filter(|o| o.cidr() != lease.cidr()) {
                    let _ = self.nl.remove_address(index, o.cidr()).await;
                }
                self.put_lease(&name, index, &lease).await;
                if let Err(e) = self.dhcp.dir.store(&name, &lease) {
                    tracing::warn!("{name}: storing the lease in {}: {e}", self.dhcp.dir.path().display());
                }
                self.history.of(&name).note(what);
                let settings = self.dhcp.settings(&name).cloned().unwrap_or_default();
                if settings.use_dns() && !(lease.dns.is_empty() && lease.search.is_empty()) {
                    self.dhcp.dns_taken = true;
                }
                if old.is_none_or(|o| o.dns != lease.dns || o.search != lease.search) {
                    self.retarget_dns().await;
                }
            }
            What::Expired => {
                let lease = r.lease.take();
                let index = r.index;
                let routes = self.dhcp.take_routes(&name);
                if let Some(l) = lease {
                    self.unlease(index, &l, &routes).await;
                    self.dhcp.dir.forget(&name);
                    self.history
                        .of(&name)
                        .note(format!("{name}: dhcp4 lease of {} expired; address and routes removed", l.cidr()));
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

    /// Puts the lease's address (with its lifetime) and routes on the link. Failures are
    /// recorded; the next renewal or pass tries again.
    async fn put_lease(&mut self, name: &str, index: u32, lease: &Lease) {
        let Some(settings) = self.dhcp.settings(name).cloned() else { return };
        let mut errors = Vec::new();
        if let Err(e) = self.nl.put_leased_address(index, lease.cidr(), lease.remaining()).await {
            errors.push(format!("address {}: {e}", lease.cidr()));
        }
        let routes = lease.routes(&settings);
        for r in self.dhcp.installed(name, routes.clone()) {
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
            let why = format!("dhcp4 lease not fully applied: {}", errors.join("; "));
            h.last_error = Some(why.clone());
            h.note(format!("{name}: {why}"));
        }
    }

    async fn unlease(&mut self, index: u32, lease: &Lease, routes: &[hostnet_core::model::Route]) {
        for r in routes {
            let _ = self.nl.remove_leased_route(index, r).await;
        }
        let _ = self.nl.remove_address(index, lease.cidr()).await;
    }

    /// Starts and stops clients for this pass's view of the host and does what that calls for.
    pub async fn sync_dhcp(&mut self, state: &hostnet_core::State) {
        for chore in self.dhcp.sync(&self.desired, state) {
            match chore {
                Chore::Unlease { index, lease, routes } => self.unlease(index, &lease, &routes).await,
                Chore::Reput { iface } => {
                    let Some(r) = self.dhcp.clients.get(&iface) else { continue };
                    let (index, Some(lease)) = (r.index, r.lease.clone()) else { continue };
                    let h = self.history.of(&iface);
                    h.drift_events += 1;
                    if self.desired.reconcile == hostnet_core::model::Reconcile::ReportOnly {
                        if h.reported_drift != [format!("leased {} missing", lease.cidr())] {
                            h.reported_drift = vec![format!("leased {} missing", lease.cidr())];
                            h.note(format!(
                                "{iface}: drift: leased address {} removed (left as is: reconcile: report-only)",
                                lease.cidr()
                            ));
                        }
                        continue;
                    }
                    h.repairs += 1;
                    h.note(format!("{iface}: drift: leased address {} removed; putting it back", lease.cidr()));
                    self.put_lease(&iface, index, &lease).await;
                }
                Chore::Late { iface, after } => {
                    let h = self.history.of(&iface);
                    h.errors += 1;
                    h.last_error = Some(format!("dhcp4: no lease after {after} s"));
                    h.note(format!("{iface}: dhcp4: no lease after {after} s; still asking"));
                }
            }
        }
    }
}

//! What a DHCP lease puts on a link: its address with the lease's lifetimes (so the kernel
//! itself drops it if nobody renews it), and its routes with protocol `dhcp` (so plans, which
//! manage only `boot` and `static` routes, never take a lease's routes for stray ones).

use crate::error::op_error;
use hostnet_core::model::{Cidr, Route};
use rtnetlink::packet_route::address::{AddressAttribute, CacheInfo};
use rtnetlink::packet_route::route::RouteProtocol;

use crate::conn::Netlink;
use crate::error::OpError;

impl Netlink {
    /// Adds the leased address, or refreshes its lifetimes when it is already there (a renewal
    /// must not remove and re-add it: that would drop every route and socket bound to it).
    /// A DHCPv6 address is a /128 and gets no prefix route: the on-link prefix is the RA's.
    pub async fn put_leased_address(
        &self,
        index: u32,
        address: Cidr,
        valid_secs: u32,
        preferred_secs: u32,
    ) -> Result<(), OpError> {
        let mut req = self.handle.address().add(index, address.addr(), address.prefix_len()).replace();
        let mut life = CacheInfo::default();
        life.ifa_preferred = preferred_secs.min(valid_secs);
        life.ifa_valid = valid_secs;
        req.message_mut().attributes.push(AddressAttribute::CacheInfo(life));
        req.execute().await.map_err(op_error)
    }

    /// Removes an address by (link, address, prefix); one already gone is not an error.
    pub async fn remove_address(&self, index: u32, address: Cidr) -> Result<(), OpError> {
        let m = crate::write::address_message(index, &address);
        match self.handle.address().del(m).execute().await.map_err(op_error) {
            Err(e) if e.errno == libc::EADDRNOTAVAIL => Ok(()),
            r => r,
        }
    }

    /// Adds or replaces a lease's route, marked protocol `dhcp`.
    pub async fn put_leased_route(&self, index: u32, route: &Route) -> Result<(), OpError> {
        let mut msg = crate::write::route_message(index, route);
        msg.header.protocol = RouteProtocol::Dhcp;
        self.handle.route().add(msg).replace().execute().await.map_err(op_error)
    }

    /// Removes a lease's route; one already gone (the kernel drops routes with their address)
    /// is not an error.
    pub async fn remove_leased_route(&self, index: u32, route: &Route) -> Result<(), OpError> {
        let mut msg = crate::write::route_message(index, route);
        msg.header.protocol = RouteProtocol::Dhcp;
        match self.handle.route().del(msg).execute().await.map_err(op_error) {
            Err(e) if e.errno == libc::ESRCH => Ok(()),
            r => r,
        }
    }
}

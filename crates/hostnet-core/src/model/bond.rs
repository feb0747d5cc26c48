//! Bonds: the seven modes and every option the kernel's bonding driver takes over netlink.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::net::MacAddr;
use crate::kernel_enum;

kernel_enum!(BondMode {
    BalanceRr = ("balance-rr", 0),
    ActiveBackup = ("active-backup", 1),
    BalanceXor = ("balance-xor", 2),
    Broadcast = ("broadcast", 3),
    Lacp = ("802.3ad", 4, "lacp"),
    BalanceTlb = ("balance-tlb", 5),
    BalanceAlb = ("balance-alb", 6),
});

kernel_enum!(LacpRate { Slow = ("slow", 0), Fast = ("fast", 1) });
kernel_enum!(AdSelect { Stable = ("stable", 0), Bandwidth = ("bandwidth", 1), Count = ("count", 2) });
kernel_enum!(XmitHashPolicy {
    Layer2 = ("layer2", 0),
    Layer34 = ("layer3+4", 1),
    Layer23 = ("layer2+3", 2),
    Encap23 = ("encap2+3", 3),
    Encap34 = ("encap3+4", 4),
    VlanSrcMac = ("vlan+srcmac", 5),
});
kernel_enum!(ArpValidate {
    None = ("none", 0),
    Active = ("active", 1),
    Backup = ("backup", 2),
    All = ("all", 3),
    Filter = ("filter", 4),
    FilterActive = ("filter_active", 5),
    FilterBackup = ("filter_backup", 6),
});
kernel_enum!(ArpAllTargets { Any = ("any", 0), All = ("all", 1) });
kernel_enum!(PrimaryReselect { Always = ("always", 0), Better = ("better", 1), Failure = ("failure", 2) });
kernel_enum!(FailOverMac { None = ("none", 0), Active = ("active", 1), Follow = ("follow", 2) });

impl BondMode {
    /// Modes whose link monitor may be ARP-based; the others need carrier (miimon).
    pub fn allows_arp_monitor(self) -> bool {
        !matches!(self, BondMode::Lacp | BondMode::BalanceTlb | BondMode::BalanceAlb)
    }

    /// Modes with a single active port chosen by `primary`.
    pub fn uses_primary(self) -> bool {
        matches!(self, BondMode::ActiveBackup | BondMode::BalanceTlb | BondMode::BalanceAlb)
    }

    /// Modes that rewrite port MAC addresses, so every port must accept a MAC change.
    pub fn changes_port_macs(self) -> bool {
        matches!(self, BondMode::BalanceTlb | BondMode::BalanceAlb)
    }
}

/// How an option is spelled for `ip link ... type bond`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    Plain,
    /// A boolean that iproute2 takes as `on`/`off` rather than `1`/`0`.
    OnOff,
}

/// Which modes an option means something in. Setting it elsewhere is refused by the kernel
/// (EACCES) or silently ignored; both are configuration mistakes we report up front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    Any,
    Only(&'static [BondMode]),
    Except(&'static [BondMode]),
}

impl Applies {
    pub fn allows(self, mode: BondMode) -> bool {
        match self {
            Applies::Any => true,
            Applies::Only(m) => m.contains(&mode),
            Applies::Except(m) => !m.contains(&mode),
        }
    }

    pub fn describe(self) -> String {
        let names = |m: &[BondMode]| m.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ");
        match self {
            Applies::Any => "any mode".into(),
            Applies::Only(m) => format!("only in mode {}", names(m)),
            Applies::Except(m) => format!("in every mode except {}", names(m)),
        }
    }
}

use BondMode as M;
const LACP_ONLY: Applies = Applies::Only(&[M::Lacp]);
const ARP_MODES: Applies = Applies::Except(&[M::Lacp, M::BalanceTlb, M::BalanceAlb]);
const PRIMARY_MODES: Applies = Applies::Only(&[M::ActiveBackup, M::BalanceTlb, M::BalanceAlb]);

/// Renders an option value the way iproute2 and the kernel's sysfs read it.
pub trait OptValue {
    fn render(&self, spelling: Spelling) -> String;
}

macro_rules! display_opt_value {
    ($($t:ty),*) => {$(
        impl OptValue for $t {
            fn render(&self, _: Spelling) -> String { self.to_string() }
        }
    )*};
}
display_opt_value!(
    u8,
    u16,
    u32,
    String,
    MacAddr,
    BondMode,
    LacpRate,
    AdSelect,
    XmitHashPolicy,
    ArpValidate,
    ArpAllTargets,
    PrimaryReselect,
    FailOverMac
);

impl OptValue for bool {
    fn render(&self, s: Spelling) -> String {
        match (s, self) {
            (Spelling::OnOff, true) => "on".into(),
            (Spelling::OnOff, false) => "off".into(),
            (Spelling::Plain, v) => u8::from(*v).to_string(),
        }
    }
}

impl OptValue for Vec<Ipv4Addr> {
    fn render(&self, _: Spelling) -> String {
        self.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(",")
    }
}

macro_rules! bond_options {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty => $variant:ident, ip $ip:literal, $spelling:ident, $applies:expr; )*) => {
        /// A bond: its mode, its ports (ethernets or other bonds), and its kernel options.
        /// Unset options keep the kernel's defaults.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Bond {
            pub mode: BondMode,
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub ports: Vec<String>,
            $(
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        /// One bond option with its value: the unit of diffing and of netlink encoding.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum BondOpt { $( $variant($ty), )* }

        impl Bond {
            pub fn new(mode: BondMode) -> Self {
                Bond { mode, ports: Vec::new(), $( $field: None, )* }
            }

            /// The options this bond sets, in a fixed order.
            pub fn options(&self) -> Vec<BondOpt> {
                let mut v = Vec::new();
                $( if let Some(x) = &self.$field { v.push(BondOpt::$variant(x.clone())); } )*
                v
            }

            pub fn set_option(&mut self, opt: BondOpt) {
                match opt { $( BondOpt::$variant(x) => self.$field = Some(x), )* }
            }

            pub fn clear_options(&mut self) {
                $( self.$field = None; )*
            }
        }

        impl BondOpt {
            /// The YAML key, which is also the kernel's option name.
            pub fn key(&self) -> &'static str {
                match self { $( BondOpt::$variant(_) => stringify!($field), )* }
            }

            /// The keyword `ip link add ... type bond` takes for this option.
            pub fn ip_keyword(&self) -> &'static str {
                match self { $( BondOpt::$variant(_) => $ip, )* }
            }

            pub fn value_text(&self) -> String {
                match self { $( BondOpt::$variant(x) => x.render(Spelling::$spelling), )* }
            }

            pub fn applies(&self) -> Applies {
                match self { $( BondOpt::$variant(_) => $applies, )* }
            }

            pub fn same_kind(&self, other: &BondOpt) -> bool {
                std::mem::discriminant(self) == std::mem::discriminant(other)
            }
        }
    };
}

bond_options! {
    /// MII link monitoring interval, ms.
    miimon: u32 => Miimon, ip "miimon", Plain, Applies::Any;
    /// Delay before enabling a port after link up, ms (a multiple of miimon).
    updelay: u32 => Updelay, ip "updelay", Plain, Applies::Any;
    /// Delay before disabling a port after link down, ms.
    downdelay: u32 => Downdelay, ip "downdelay", Plain, Applies::Any;
    peer_notif_delay: u32 => PeerNotifDelay, ip "peer_notify_delay", Plain, Applies::Any;
    use_carrier: bool => UseCarrier, ip "use_carrier", Plain, Applies::Any;
    arp_interval: u32 => ArpInterval, ip "arp_interval", Plain, ARP_MODES;
    arp_ip_target: Vec<Ipv4Addr> => ArpIpTarget, ip "arp_ip_target", Plain, ARP_MODES;
    arp_validate: ArpValidate => ArpValidate, ip "arp_validate", Plain, ARP_MODES;
    arp_all_targets: ArpAllTargets => ArpAllTargets, ip "arp_all_targets", Plain, ARP_MODES;
    missed_max: u8 => MissedMax, ip "arp_missed_max", Plain, ARP_MODES;
    primary: String => Primary, ip "primary", Plain, PRIMARY_MODES;
    primary_reselect: PrimaryReselect => PrimaryReselect, ip "primary_reselect", Plain, PRIMARY_MODES;
    fail_over_mac: FailOverMac => FailOverMac, ip "fail_over_mac", Plain, Applies::Only(&[M::ActiveBackup]);
    xmit_hash_policy: XmitHashPolicy => XmitHashPolicy, ip "xmit_hash_policy", Plain,
        Applies::Only(&[M::BalanceXor, M::Lacp, M::BalanceTlb]);
    resend_igmp: u8 => ResendIgmp, ip "resend_igmp", Plain, Applies::Any;
    num_peer_notif: u8 => NumPeerNotif, ip "num_grat_arp", Plain, Applies::Any;
    all_slaves_active: bool => AllSlavesActive, ip "all_slaves_active", Plain, Applies::Any;
    min_links: u32 => MinLinks, ip "min_links", Plain, LACP_ONLY;
    lp_interval: u32 => LpInterval, ip "lp_interval", Plain, Applies::Only(&[M::BalanceTlb, M::BalanceAlb]);
    packets_per_slave: u16 => PacketsPerSlave, ip "packets_per_slave", Plain, Applies::Only(&[M::BalanceRr]);
    tlb_dynamic_lb: bool => TlbDynamicLb, ip "tlb_dynamic_lb", Plain, Applies::Only(&[M::BalanceTlb, M::BalanceAlb]);
    lacp_rate: LacpRate => LacpRate, ip "lacp_rate", Plain, LACP_ONLY;
    lacp_active: bool => LacpActive, ip "lacp_active", OnOff, LACP_ONLY;
    ad_select: AdSelect => AdSelect, ip "ad_select", Plain, LACP_ONLY;
    ad_actor_sys_prio: u16 => AdActorSysPrio, ip "ad_actor_sys_prio", Plain, LACP_ONLY;
    ad_user_port_key: u16 => AdUserPortKey, ip "ad_user_port_key", Plain, LACP_ONLY;
    ad_actor_system: MacAddr => AdActorSystem, ip "ad_actor_system", Plain, LACP_ONLY;
    coupled_control: bool => CoupledControl, ip "coupled_control", OnOff, LACP_ONLY;
}

impl BondOpt {
    /// Options the kernel accepts only while the bond is down (BOND_OPTFLAG_IFDOWN).
    pub fn needs_bond_down(&self) -> bool {
        matches!(self, BondOpt::LacpRate(_) | BondOpt::AdSelect(_) | BondOpt::TlbDynamicLb(_))
    }

    /// Options the kernel accepts only while the bond has no ports (BOND_OPTFLAG_NOSLAVES).
    pub fn needs_no_ports(&self) -> bool {
        matches!(self, BondOpt::FailOverMac(_))
    }
}

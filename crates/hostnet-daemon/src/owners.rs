//! Which declared link an operation belongs to, so the state machine can judge each link by the
//! operations the plan wants for it.

use std::collections::{BTreeMap, HashMap};

use hostnet_core::Config;
use hostnet_core::model::Kind;
use hostnet_core::plan::{DNS_SUBJECT, Op, Plan, ROUTES_SUBJECT, RULES_SUBJECT, SYSCTLS_SUBJECT};

/// Device name to the declared link that owns it: every link owns itself, a veth its peer,
/// and resolv.conf and the rule list are pseudo-links of their own when the config manages them.
pub struct Owners(HashMap<String, String>);

impl Owners {
    pub fn of(config: &Config) -> Owners {
        let mut m = HashMap::new();
        for i in &config.interfaces {
            m.insert(i.name.clone(), i.name.clone());
        }
        // A declared peer owns itself; an undeclared one belongs to its veth.
        for i in &config.interfaces {
            if let Kind::Veth(v) = &i.kind {
                m.entry(v.peer.clone()).or_insert_with(|| i.name.clone());
            }
        }
        if config.dns.is_some() {
            m.insert(DNS_SUBJECT.to_string(), DNS_SUBJECT.to_string());
        }
        if config.routing_rules.is_some() {
            m.insert(RULES_SUBJECT.to_string(), RULES_SUBJECT.to_string());
        }
        if config.routes.is_some() {
            m.insert(ROUTES_SUBJECT.to_string(), ROUTES_SUBJECT.to_string());
        }
        if !config.sysctls.is_empty() {
            m.insert(SYSCTLS_SUBJECT.to_string(), SYSCTLS_SUBJECT.to_string());
        }
        Owners(m)
    }

    /// Whether two configs declare the same links ([`Owners::declared`]), without building them.
    pub fn same_declared(a: &Config, b: &Config) -> bool {
        a.interfaces.iter().map(|i| &i.name).eq(b.interfaces.iter().map(|i| &i.name))
            && a.dns.is_some() == b.dns.is_some()
            && a.routing_rules.is_some() == b.routing_rules.is_some()
            && a.routes.is_some() == b.routes.is_some()
            && a.sysctls.is_empty() == b.sysctls.is_empty()
    }

    /// The declared links, in a stable order.
    pub fn declared(config: &Config) -> Vec<String> {
        let mut names: Vec<String> = config.interfaces.iter().map(|i| i.name.clone()).collect();
        if config.dns.is_some() {
            names.push(DNS_SUBJECT.to_string());
        }
        if config.routing_rules.is_some() {
            names.push(RULES_SUBJECT.to_string());
        }
        if config.routes.is_some() {
            names.push(ROUTES_SUBJECT.to_string());
        }
        if !config.sysctls.is_empty() {
            names.push(SYSCTLS_SUBJECT.to_string());
        }
        names
    }

    /// The declared link `op` acts for. Releasing an undeclared port from a declared bond is
    /// the bond's business: a port someone added by hand is the bond's drift.
    pub fn owner(&self, op: &Op) -> Option<&str> {
        if let Op::Release { port, master } = op
            && !self.0.contains_key(port)
        {
            return self.0.get(master).map(String::as_str);
        }
        self.0.get(op.subject()).map(String::as_str)
    }

    /// The plan's operations grouped by the declared link they act for.
    pub fn group<'p>(&self, plan: &'p Plan) -> BTreeMap<String, Vec<&'p Op>> {
        let mut out: BTreeMap<String, Vec<&Op>> = BTreeMap::new();
        for op in plan.ops() {
            if let Some(o) = self.owner(op) {
                out.entry(o.to_string()).or_default().push(op);
            }
        }
        out
    }
}

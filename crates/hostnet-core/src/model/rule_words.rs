//! `ip rule add` arguments read into a [`Rule`], for importing the `up ip rule add ...` lines
//! that ifupdown configurations carry policy routing in.

use super::rule::{Family, Rule, RuleAction};

impl Rule {
    /// Reads the words after `ip [-4|-6] rule add`, e.g. `from 192.0.2.0/24 table 100 pref 1000`.
    /// Selectors hostnet cannot express (realms, nat, tun_id) are errors.
    pub fn from_ip_words(words: &[&str]) -> Result<Rule, String> {
        let mut r = Rule::default();
        let mut it = words.iter().copied();
        while let Some(w) = it.next() {
            let mut arg = || it.next().ok_or_else(|| format!("`{w}` needs a value"));
            match w {
                "-4" => r.family = Some(Family::Ipv4),
                "-6" => r.family = Some(Family::Ipv6),
                "from" => r.from = Some(arg()?).filter(|a| *a != "all").map(str::parse).transpose()?,
                "to" => r.to = Some(arg()?).filter(|a| *a != "all").map(str::parse).transpose()?,
                "iif" | "dev" => r.iif = Some(arg()?.to_string()),
                "oif" => r.oif = Some(arg()?.to_string()),
                "fwmark" => r.fwmark = Some(arg()?.parse()?),
                "ipproto" => r.ipproto = Some(arg()?.parse()?),
                "sport" => r.sport = Some(arg()?.parse()?),
                "dport" => r.dport = Some(arg()?.parse()?),
                "uidrange" => r.uid = Some(arg()?.parse()?),
                "not" => r.not = true,
                "l3mdev" => r.l3mdev = true,
                "tos" | "dsfield" => {
                    let t = arg()?;
                    let n = match t.strip_prefix("0x") {
                        Some(h) => u8::from_str_radix(h, 16).ok(),
                        None => t.parse().ok(),
                    };
                    r.tos = Some(n.ok_or_else(|| format!("tos `{t}` is not a number from 0 to 0xff"))?);
                }
                "goto" => {
                    let g = arg()?;
                    r.goto = Some(g.parse().map_err(|_| format!("goto `{g}` is not a priority"))?);
                }
                "priority" | "pref" | "preference" | "order" => {
                    let p = arg()?;
                    r.priority = Some(p.parse().map_err(|_| format!("priority `{p}` is not a number"))?);
                }
                "table" | "lookup" => r.table = Some(table_id(arg()?)?),
                "blackhole" => r.action = RuleAction::Blackhole,
                "unreachable" => r.action = RuleAction::Unreachable,
                "prohibit" => r.action = RuleAction::Prohibit,
                "protocol" | "proto" => {
                    arg()?;
                }
                other => return Err(format!("`{other}` is not something hostnet rules express")),
            }
        }
        if r.action == RuleAction::Lookup && r.table.is_none() && !r.l3mdev && r.goto.is_none() {
            r.table = Some(254); // as ip does: no table is the main table
        }
        Ok(r)
    }
}

/// A routing table as `ip` names it: a number, or one of the three names every host has.
pub(super) fn table_id(t: &str) -> Result<u32, String> {
    match t {
        "main" => Ok(254),
        "local" => Ok(255),
        "default" => Ok(253),
        n => n.parse().map_err(|_| format!("table `{n}` is not a number (names from rt_tables are not read)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_rule_words_read_back_as_ip_rule_prints_them() {
        let r = Rule::from_ip_words(&"from 192.0.2.0/24 lookup 100 pref 1000".split(' ').collect::<Vec<_>>()).unwrap();
        assert_eq!(r.to_string(), "1000: from 192.0.2.0/24 lookup 100");
        let r = Rule::from_ip_words(&["-6", "fwmark", "0x10/0xff", "ipproto", "tcp", "dport", "443", "table", "main"])
            .unwrap();
        assert_eq!(r.to_string(), "-6 from all fwmark 0x10/0xff ipproto tcp dport 443 lookup 254");
        let r = Rule::from_ip_words(&["not", "from", "192.0.2.0/24", "tos", "0x10", "table", "5"]).unwrap();
        assert_eq!(r.to_string(), "not from 192.0.2.0/24 tos 0x10 lookup 5");
        assert_eq!(Rule::from_ip_words(&["pref", "10", "l3mdev"]).unwrap().to_string(), "10: from all l3mdev");
        assert_eq!(Rule::from_ip_words(&["pref", "10", "goto", "20"]).unwrap().to_string(), "10: from all goto 20");
        assert!(Rule::from_ip_words(&["from", "192.0.2.0/24", "realms", "1", "table", "5"]).is_err());
        assert_eq!(Rule::from_ip_words(&["from", "192.0.2.0/24"]).unwrap().table, Some(254));
    }
}

//! Which link kinds the running kernel can make, from its module files: a kernel without
//! `bonding` or `8021q` answers a create with "EOPNOTSUPP: Unknown device type", which names
//! neither the module nor the fix. `check`, `plan --live` and `apply` say so before they start.
//!
//! A module is there when it is loaded or built in (/sys/module/NAME), built in by
//! modules.builtin, or installed (modules.dep) for the kernel loads it on demand. When the
//! running kernel has no module tree at all (a monolithic kernel, a container's view), nothing
//! can be told, and nothing is said.

use std::path::{Path, PathBuf};

/// What the files say about one module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    Available,
    Missing,
    /// No module tree for the running kernel: it may be built in without a trace.
    Unknown,
}

/// The files of a system's root (`/`, or a fixture in tests).
pub struct Modules {
    root: PathBuf,
    release: String,
}

impl Modules {
    /// The running kernel, as seen from `/`.
    pub fn running() -> Self {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_string();
        Modules::at(Path::new("/"), &release)
    }

    pub fn at(root: &Path, release: &str) -> Self {
        Modules { root: root.to_path_buf(), release: release.to_string() }
    }

    pub fn release(&self) -> &str {
        &self.release
    }

    pub fn module(&self, name: &str) -> Module {
        if self.root.join("sys/module").join(name).exists() {
            return Module::Available;
        }
        let tree = self.root.join("lib/modules").join(&self.release);
        let dep = std::fs::read_to_string(tree.join("modules.dep"));
        let builtin = std::fs::read_to_string(tree.join("modules.builtin")).unwrap_or_default();
        let Ok(dep) = dep else { return Module::Unknown };
        // Module file names use `_` and `-` interchangeably (8021q.ko, nf_tables.ko).
        let names = |line: &str| {
            let path = line.split(':').next().unwrap_or_default();
            let file = path.rsplit('/').next().unwrap_or_default();
            let stem = file.split(".ko").next().unwrap_or_default().replace('-', "_");
            stem == name.replace('-', "_")
        };
        if builtin.lines().any(names) || dep.lines().any(names) { Module::Available } else { Module::Missing }
    }
}

/// For each kind the config makes and the kernel lacks: the first interface of that kind (as a
/// field path) and a warning naming the module and how many interfaces need it.
pub fn lacking(config: &hostnet_core::Config, modules: &Modules) -> Vec<(String, String)> {
    use hostnet_core::model::LinkState;
    /// A module, the kind it makes, and the interfaces (index, name) that need it.
    type Users<'c> = (&'static str, &'static str, Vec<(usize, &'c str)>);
    let mut by_module: Vec<Users<'_>> = Vec::new();
    for (i, iface) in config.interfaces.iter().enumerate() {
        let Some(module) = iface.kind.kernel_module() else { continue };
        if iface.state == LinkState::Absent {
            continue;
        }
        match by_module.iter_mut().find(|(m, ..)| *m == module) {
            Some((.., users)) => users.push((i, &iface.name)),
            None => by_module.push((module, iface.kind.name(), vec![(i, &iface.name)])),
        }
    }
    by_module
        .into_iter()
        .filter(|(module, ..)| modules.module(module) == Module::Missing)
        .map(|(module, kind, users)| {
            let (first, name) = users[0];
            let who = match users.len() {
                1 => name.to_string(),
                n => format!("{name} and {} more", n - 1),
            };
            (
                format!("interfaces[{first}].{kind}"),
                format!(
                    "the running kernel ({}) has no `{module}` module, so creating {who} will fail (\"Unknown device type\"); install the module for this kernel or boot one that has it",
                    modules.release()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_is_there_loaded_built_in_or_installed() {
        let root = tempfile::tempdir().unwrap();
        let tree = root.path().join("lib/modules/6.1.0-test");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::create_dir_all(root.path().join("sys/module/bridge")).unwrap();
        std::fs::write(tree.join("modules.builtin"), "kernel/drivers/net/veth.ko\n").unwrap();
        std::fs::write(
            tree.join("modules.dep"),
            "kernel/drivers/net/bonding/bonding.ko.xz:\nkernel/net/8021q/8021q.ko.xz: kernel/net/802/garp.ko.xz\n",
        )
        .unwrap();
        let m = Modules::at(root.path(), "6.1.0-test");
        assert_eq!(m.module("bridge"), Module::Available, "loaded");
        assert_eq!(m.module("veth"), Module::Available, "built in");
        assert_eq!(m.module("bonding"), Module::Available, "installed");
        assert_eq!(m.module("8021q"), Module::Available);
        assert_eq!(m.module("vxlan"), Module::Missing);
        assert_eq!(Modules::at(root.path(), "6.2.0-other").module("vxlan"), Module::Unknown, "no tree");

        let config = hostnet_core::load(
            "c.yaml",
            "interfaces:\n  - {name: b0, bond: {mode: active-backup}}\n  - {name: x0, vxlan: {vni: 5, remote: 192.0.2.9}}\n  - {name: x1, vxlan: {vni: 6, remote: 192.0.2.9}}\n",
        )
        .unwrap();
        assert_eq!(
            lacking(&config, &m),
            [(
                "interfaces[1].vxlan".to_string(),
                "the running kernel (6.1.0-test) has no `vxlan` module, so creating x0 and 1 more will fail (\"Unknown device type\"); install the module for this kernel or boot one that has it".to_string()
            )]
        );
    }
}

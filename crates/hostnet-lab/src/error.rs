//! What can go wrong in the lab, by kind: a lab or scenario file that cannot be used (nothing
//! was built), the operating system or the kernel refusing while the replica is built, faulted
//! or measured, hostnet's own apply not configuring a node, a replica that never settles, or
//! Ctrl-C. Callers tell them apart; people read the text, which says what and where.

#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The lab or scenario file: unreadable, invalid, or naming what the lab lacks.
    #[error("{0}")]
    Input(String),
    /// A system call (a namespace, a file, a socket, a thread).
    #[error("{what}: {source}")]
    Os {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The kernel refused a netlink request.
    #[error("{what}: {source}")]
    Kernel {
        what: String,
        #[source]
        source: hostnet_netlink::Error,
    },
    /// hostnet's apply ran on a node of the replica and did not configure it.
    #[error("configuring {node} failed: {detail}")]
    Configure { node: String, detail: String },
    /// The engine would not apply on a node (its lock, journal or a pending trial).
    #[error("configuring {node}: {source}")]
    Refused {
        node: String,
        #[source]
        source: hostnet_engine::Refused,
    },
    /// The replica did not reach a steady state in time; the text names bonds and ports.
    #[error("{0}")]
    NotSettled(String),
    /// A thread of the lab's (probe, recorder, throughput flow) panicked.
    #[error("the {0} thread panicked")]
    Panicked(&'static str),
    /// A measurement could not be taken (no path, no traffic).
    #[error("{0}")]
    Measure(String),
    #[error("interrupted")]
    Interrupted,
}

impl LabError {
    /// For `map_err`: a failed system call, named.
    pub fn os(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> LabError {
        let what = what.into();
        move |source| LabError::Os { what, source }
    }

    /// The calling thread's last system call failed.
    pub fn last_os(what: impl Into<String>) -> LabError {
        LabError::Os { what: what.into(), source: std::io::Error::last_os_error() }
    }

    /// For `map_err`: a refused netlink request, named.
    pub fn kernel<E: Into<hostnet_netlink::Error>>(what: impl Into<String>) -> impl FnOnce(E) -> LabError {
        let what = what.into();
        move |e| LabError::Kernel { what, source: e.into() }
    }
}

pub type Result<T, E = LabError> = std::result::Result<T, E>;

//! The rules, one file per area.

pub mod bonds;
pub mod cabling;
pub mod design;
pub mod firewall;
pub mod hosts;
pub mod managers;
pub mod stack;

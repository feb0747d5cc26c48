//! hostnet's exit codes: one scheme for every command, from sysexits(3) where one fits, so a
//! script or Ansible tells a mistyped command from a bad file, and a clean failure from one that
//! left the host changed. hostnet(1) lists them (`EXIT_CODES`, shown by `--help`).

/// The command failed, and the host is as it was: nothing was changed, or every change was
/// rolled back.
pub const FAILED: u8 = 1;
/// An apply failed and left changes in place: `--no-rollback`, or a rollback step that failed.
/// The report says which steps.
pub const PARTIAL: u8 = 3;
/// The command line cannot be used (EX_USAGE): an unknown flag, a duration without a unit.
pub const USAGE: u8 = 64;
/// The config (or a file to import) is invalid (EX_DATAERR); nothing was changed.
pub const INVALID: u8 = 65;
/// The input file cannot be read: missing, or not permitted (EX_NOINPUT); nothing was changed.
pub const NO_INPUT: u8 = 66;

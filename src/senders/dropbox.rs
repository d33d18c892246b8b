//! dropbox: not yet described.

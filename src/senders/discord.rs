//! discord: not yet described.

//! linear: not yet described.

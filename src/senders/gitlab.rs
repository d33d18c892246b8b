//! gitlab: not yet described.

//! square: not yet described.

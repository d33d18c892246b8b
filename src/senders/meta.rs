//! meta: not yet described.

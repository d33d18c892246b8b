//! calendly: not yet described.

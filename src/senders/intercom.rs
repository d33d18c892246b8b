//! intercom: not yet described.

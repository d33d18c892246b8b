//! typeform: not yet described.

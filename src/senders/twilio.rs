//! twilio: not yet described.

//! telnyx: not yet described.

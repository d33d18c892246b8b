//! lemonsqueezy: not yet described.

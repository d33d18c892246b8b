//! paystack: not yet described.

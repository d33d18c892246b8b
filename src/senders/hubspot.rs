//! hubspot: not yet described.

//! twitch: not yet described.

//! zoom: not yet described.

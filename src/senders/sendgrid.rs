//! sendgrid: not yet described.

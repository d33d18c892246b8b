//! razorpay: not yet described.

//! The only entry point for operations on personal data.

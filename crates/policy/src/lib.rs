//! The one place that decides operations on personal data.

//! Rendering only: data in, PDF bytes out.

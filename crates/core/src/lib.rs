//! Domain types shared by every layer.

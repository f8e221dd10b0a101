//! Real servers on port 0 over either backend, for tests.

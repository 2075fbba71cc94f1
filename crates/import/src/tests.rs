//! Unit tests across the modules.

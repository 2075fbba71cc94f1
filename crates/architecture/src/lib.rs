//! Nothing to build: this crate's tests (`tests/architecture.rs`) check the invariants that
//! ARCHITECTURE.md states, by reading the workspace's manifests and sources.

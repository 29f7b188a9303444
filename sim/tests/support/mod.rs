//! Test support shared by several test targets (each includes it by path).

pub mod wat_bot;

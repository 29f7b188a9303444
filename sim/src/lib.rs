//! Lockstep without a network.

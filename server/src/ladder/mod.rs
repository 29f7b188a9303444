//! The ladder: a scheduler that keeps matches queued among active bots, and
//! workers that play them with `lockstep-sim` and store the results.

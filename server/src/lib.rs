//! The Lockstep game server: players register and upload bots, a ladder plays
//! them continuously, and everyone watches matches in the browser.
//!
//! Built on `lockstep-sim` (validation, matches, replays, ratings); adds
//! accounts, storage (SQLite + content-addressed files), scheduling and HTTP.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod conn;
pub mod db;
pub mod error;
pub mod game;
pub mod guards;
pub mod ladder;
pub mod listener;
pub mod metrics;
pub mod quota;
pub mod ratelimit;
pub mod retention;
pub mod seed;
pub mod serve;
pub mod storage;
pub mod web;

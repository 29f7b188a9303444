//! The compiled-module cache: by content hash, bounded, least recently used
//! out first. Dropping an entry never touches a match in progress: a
//! `BotModule` in use holds its own reference to the compiled code.

use super::{BotModule, ModuleHash};
use std::collections::HashMap;

pub(crate) struct ModuleCache {
    entries: HashMap<ModuleHash, (BotModule, u64)>,
    /// Counts uses; an entry's stamp is the count at its last use.
    clock: u64,
    capacity: usize,
}

impl ModuleCache {
    pub(crate) fn new(capacity: usize) -> ModuleCache {
        ModuleCache {
            entries: HashMap::new(),
            clock: 0,
            capacity,
        }
    }

    pub(crate) fn get(&mut self, hash: &ModuleHash) -> Option<BotModule> {
        self.clock += 1;
        let clock = self.clock;
        self.entries.get_mut(hash).map(|(module, used)| {
            *used = clock;
            module.clone()
        })
    }

    /// Keeps `module`, first dropping the least recently used entry if full.
    /// A capacity of 0 keeps nothing.
    pub(crate) fn insert(&mut self, hash: ModuleHash, module: BotModule) {
        if self.capacity == 0 {
            return;
        }
        self.clock += 1;
        if !self.entries.contains_key(&hash) && self.entries.len() >= self.capacity {
            // O(entries) per eviction; the cache holds hundreds at most, and
            // an insert follows a compile, which costs far more.
            if let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(h, _)| *h)
            {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(hash, (module, self.clock));
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

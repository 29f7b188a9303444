//! The bot's memory as host functions see it: every read and write checked
//! against its bounds, an out-of-bounds pointer an `EFAULT`, never a panic.

use super::HostState;
use super::wasi::Errno;
use lockstep_bot::abi::EXPORT_MEMORY;
use wasmtime::{Caller, Memory};

/// The bot's exported memory, if it has one (the ABI requires it; a host
/// function called from a start function may still find none). Looked up by
/// name once, then kept: the lookup costs more than most host functions.
pub(super) fn memory(caller: &mut Caller<'_, HostState>) -> Option<Memory> {
    if let Some(memory) = caller.data().memory {
        return Some(memory);
    }
    let memory = caller
        .get_export(EXPORT_MEMORY)
        .and_then(|export| export.into_memory());
    caller.data_mut().memory = memory;
    memory
}

/// A bot's linear memory, borrowed for one host call.
pub(super) struct Guest<'a> {
    bytes: &'a mut [u8],
}

impl<'a> Guest<'a> {
    pub(super) fn new(bytes: &'a mut [u8]) -> Guest<'a> {
        Guest { bytes }
    }

    fn range(&self, ptr: u32, len: u64) -> Result<std::ops::Range<usize>, Errno> {
        let start = ptr as u64;
        let end = start.checked_add(len).ok_or(Errno::Fault)?;
        if end > self.bytes.len() as u64 {
            return Err(Errno::Fault);
        }
        Ok(start as usize..end as usize)
    }

    pub(super) fn read(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let range = self.range(ptr, u64::from(len))?;
        Ok(&self.bytes[range])
    }

    pub(super) fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
        let range = self.range(ptr, u64::from(len))?;
        Ok(&mut self.bytes[range])
    }

    pub(super) fn u8(&self, ptr: u32) -> Result<u8, Errno> {
        Ok(self.read(ptr, 1)?[0])
    }

    pub(super) fn u16(&self, ptr: u32) -> Result<u16, Errno> {
        let bytes = self.read(ptr, 2)?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
    }

    pub(super) fn u32(&self, ptr: u32) -> Result<u32, Errno> {
        let bytes = self.read(ptr, 4)?;
        Ok(u32::from_le_bytes(bytes.try_into().expect("4 bytes")))
    }

    pub(super) fn u64(&self, ptr: u32) -> Result<u64, Errno> {
        let bytes = self.read(ptr, 8)?;
        Ok(u64::from_le_bytes(bytes.try_into().expect("8 bytes")))
    }

    pub(super) fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), Errno> {
        self.slice_mut(ptr, bytes.len() as u32)?
            .copy_from_slice(bytes);
        Ok(())
    }

    pub(super) fn write_u32(&mut self, ptr: u32, value: u32) -> Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    pub(super) fn write_u64(&mut self, ptr: u32, value: u64) -> Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    /// The buffers of a WASI iovec list, each checked to be in bounds.
    pub(super) fn iovecs(
        &self,
        iovs: u32,
        count: u32,
    ) -> Result<impl Iterator<Item = &[u8]>, Errno> {
        let table = self.read(iovs, count.checked_mul(8).ok_or(Errno::Fault)?)?;
        let pairs = table.chunks_exact(8).map(|entry| {
            let word = |at: usize| u32::from_le_bytes(entry[at..at + 4].try_into().unwrap());
            (word(0), word(4))
        });
        for (buf, len) in pairs.clone() {
            self.range(buf, u64::from(len))?;
        }
        Ok(pairs.map(|(buf, len)| self.read(buf, len).expect("checked above")))
    }
}

//! WASI's descriptors, deterministically. A bot has three: 0 (stdin, always
//! at its end), 1 and 2 (stdout and stderr, written into the bot's log).
//! There are no files: no directory is preopened, so a libc finds no
//! filesystem, and every other descriptor is closed (`EBADF`).

use super::guest::Guest;
use super::log::Stream;
use super::wasi::{Errno, call, on_memory};
use super::{HostState, WASI_MODULE, charge};
use crate::costs::{HOST_CALL_FUEL, STDIO_BYTE_FUEL};
use wasmtime::{Caller, Error, Linker};

/// Most iovecs in one read or write (POSIX's usual `IOV_MAX`).
const MAX_IOVECS: u32 = 1024;

/// `filetype::character_device`: what the standard descriptors are, so
/// C's stdio line-buffers stdout as it does on a terminal.
const CHARACTER_DEVICE: u8 = 2;
const RIGHT_FD_READ: u64 = 1 << 1;
const RIGHT_FD_WRITE: u64 = 1 << 6;
const RIGHT_POLL_FD_READWRITE: u64 = 1 << 27;

/// Descriptor `fd` if it is one of the three and still open.
fn stdio(state: &HostState, fd: i32) -> Option<usize> {
    let fd = usize::try_from(fd).ok().filter(|&fd| fd <= 2)?;
    (!state.wasi.closed[fd]).then_some(fd)
}

/// The answer of a function with nothing to do on an open standard
/// descriptor but `errno`; `EBADF` for any other.
fn only(state: &HostState, fd: i32, errno: Errno) -> Result<(), Errno> {
    Err(stdio(state, fd).map_or(Errno::Badf, |_| errno))
}

/// Defines a function whose first parameter is a descriptor and whose
/// answer is [`only`]'s, whatever its other parameters.
macro_rules! refuse {
    ($linker:expr, $name:literal, $errno:expr, ($($rest:ty),*)) => {
        $linker.func_wrap(
            WASI_MODULE,
            $name,
            |mut c: Caller<'_, HostState>, fd: i32, $(_: $rest),*| {
                call(&mut c, HOST_CALL_FUEL, |_, state| only(state, fd, $errno))
            },
        )?
    };
}

pub(super) fn define(linker: &mut Linker<HostState>) -> Result<(), Error> {
    linker.func_wrap(WASI_MODULE, "fd_write", fd_write)?;
    linker.func_wrap(WASI_MODULE, "fd_read", fd_read)?;
    linker.func_wrap(WASI_MODULE, "fd_fdstat_get", fd_fdstat_get)?;
    linker.func_wrap(WASI_MODULE, "fd_filestat_get", fd_filestat_get)?;
    linker.func_wrap(
        WASI_MODULE,
        "fd_close",
        |mut c: Caller<'_, HostState>, fd: i32| {
            call(&mut c, HOST_CALL_FUEL, |_, state| {
                let fd = stdio(state, fd).ok_or(Errno::Badf)?;
                state.wasi.closed[fd] = true;
                Ok(())
            })
        },
    )?;
    // Accepted and ignored: writing to the log never blocks, so flags such
    // as non-blocking change nothing.
    linker.func_wrap(
        WASI_MODULE,
        "fd_fdstat_set_flags",
        |mut c: Caller<'_, HostState>, fd: i32, _: i32| {
            call(&mut c, HOST_CALL_FUEL, |_, state| {
                stdio(state, fd).map(|_| ()).ok_or(Errno::Badf)
            })
        },
    )?;
    // No preopened directories: a libc's scan of descriptors 3, 4, ... for
    // them ends at once, and it sees no filesystem.
    linker.func_wrap(
        WASI_MODULE,
        "fd_prestat_get",
        |mut c: Caller<'_, HostState>, _: i32, _: i32| {
            call(&mut c, HOST_CALL_FUEL, |_, _| Err(Errno::Badf))
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "fd_prestat_dir_name",
        |mut c: Caller<'_, HostState>, _: i32, _: i32, _: i32| {
            call(&mut c, HOST_CALL_FUEL, |_, _| Err(Errno::Badf))
        },
    )?;
    // Positions: the standard descriptors are streams.
    refuse!(linker, "fd_seek", Errno::Spipe, (i64, i32, i32));
    refuse!(linker, "fd_tell", Errno::Spipe, (i32));
    refuse!(linker, "fd_pread", Errno::Spipe, (i32, i32, i64, i32));
    refuse!(linker, "fd_pwrite", Errno::Spipe, (i32, i32, i64, i32));
    refuse!(linker, "fd_advise", Errno::Spipe, (i64, i64, i32));
    refuse!(linker, "fd_allocate", Errno::Spipe, (i64, i64));
    // File operations a character device does not have.
    refuse!(linker, "fd_sync", Errno::Inval, ());
    refuse!(linker, "fd_datasync", Errno::Inval, ());
    refuse!(linker, "fd_filestat_set_size", Errno::Inval, (i64));
    refuse!(
        linker,
        "fd_filestat_set_times",
        Errno::Notsup,
        (i64, i64, i32)
    );
    refuse!(linker, "fd_fdstat_set_rights", Errno::Notsup, (i64, i64));
    refuse!(linker, "fd_renumber", Errno::Notsup, (i32));
    refuse!(linker, "fd_readdir", Errno::Notdir, (i32, i32, i64, i32));
    // Paths: relative to a directory descriptor, and there is none.
    refuse!(linker, "path_create_directory", Errno::Notdir, (i32, i32));
    refuse!(
        linker,
        "path_filestat_get",
        Errno::Notdir,
        (i32, i32, i32, i32)
    );
    refuse!(
        linker,
        "path_filestat_set_times",
        Errno::Notdir,
        (i32, i32, i32, i64, i64, i32)
    );
    refuse!(
        linker,
        "path_link",
        Errno::Notdir,
        (i32, i32, i32, i32, i32, i32)
    );
    refuse!(
        linker,
        "path_open",
        Errno::Notdir,
        (i32, i32, i32, i32, i64, i64, i32, i32)
    );
    refuse!(
        linker,
        "path_readlink",
        Errno::Notdir,
        (i32, i32, i32, i32, i32)
    );
    refuse!(linker, "path_remove_directory", Errno::Notdir, (i32, i32));
    refuse!(
        linker,
        "path_rename",
        Errno::Notdir,
        (i32, i32, i32, i32, i32)
    );
    refuse!(linker, "path_unlink_file", Errno::Notdir, (i32, i32));
    // The directory descriptor is the third parameter here.
    linker.func_wrap(
        WASI_MODULE,
        "path_symlink",
        |mut c: Caller<'_, HostState>, _: i32, _: i32, fd: i32, _: i32, _: i32| {
            call(&mut c, HOST_CALL_FUEL, |_, state| {
                only(state, fd, Errno::Notdir)
            })
        },
    )?;
    Ok(())
}

/// `fd_write`: descriptors 1 and 2 go to the bot's log, joined per stream
/// and split on newlines. Charged per byte, before the bytes are read.
fn fd_write(
    mut caller: Caller<'_, HostState>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nwritten: i32,
) -> Result<i32, Error> {
    let mut total = 0u64;
    let mut stream = None;
    let checked = on_memory(&mut caller, |guest, state| {
        stream = match stdio(state, fd) {
            Some(1) => Some(Stream::Stdout),
            Some(2) => Some(Stream::Stderr),
            _ => return Err(Errno::Badf),
        };
        if iovs_len as u32 > MAX_IOVECS {
            return Err(Errno::Inval);
        }
        total = guest
            .iovecs(iovs as u32, iovs_len as u32)?
            .map(|buf| buf.len() as u64)
            .sum();
        if total > u64::from(u32::MAX) {
            return Err(Errno::Inval); // more than `nwritten` can say
        }
        guest.read(nwritten as u32, 4).map(|_| ())
    });
    let Some(stream) = stream.filter(|_| checked == 0) else {
        charge(&mut caller, HOST_CALL_FUEL)?;
        return Ok(checked);
    };
    let cost = HOST_CALL_FUEL.saturating_add(total.saturating_mul(STDIO_BYTE_FUEL));
    call(&mut caller, cost, |guest, state| {
        let mut log = state.shared.log();
        for buf in guest.iovecs(iovs as u32, iovs_len as u32)? {
            log.write(stream, buf);
        }
        drop(log);
        guest.write_u32(nwritten as u32, total as u32)
    })
}

/// `fd_read`: stdin is always at its end (0 bytes read); other
/// descriptors cannot be read.
fn fd_read(
    mut caller: Caller<'_, HostState>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nread: i32,
) -> Result<i32, Error> {
    call(&mut caller, HOST_CALL_FUEL, |guest, state| {
        if stdio(state, fd) != Some(0) {
            return Err(Errno::Badf);
        }
        if iovs_len as u32 > MAX_IOVECS {
            return Err(Errno::Inval);
        }
        // Checked, then nothing is read into them: stdin is at its end.
        guest.iovecs(iovs as u32, iovs_len as u32)?.for_each(drop);
        guest.write_u32(nread as u32, 0)
    })
}

/// `fd_fdstat_get`: the standard descriptors are character devices, stdin
/// readable, stdout and stderr writable.
fn fd_fdstat_get(mut caller: Caller<'_, HostState>, fd: i32, buf: i32) -> Result<i32, Error> {
    call(&mut caller, HOST_CALL_FUEL, |guest, state| {
        let fd = stdio(state, fd).ok_or(Errno::Badf)?;
        let rights = RIGHT_POLL_FD_READWRITE
            | if fd == 0 {
                RIGHT_FD_READ
            } else {
                RIGHT_FD_WRITE
            };
        // fdstat: filetype u8 @0, flags u16 @2, rights u64 @8, inheriting u64 @16.
        let mut stat = [0u8; 24];
        stat[0] = CHARACTER_DEVICE;
        stat[8..16].copy_from_slice(&rights.to_le_bytes());
        guest.write(buf as u32, &stat)
    })
}

/// `fd_filestat_get`: a character device with one link, size 0 and every
/// time 0.
fn fd_filestat_get(mut caller: Caller<'_, HostState>, fd: i32, buf: i32) -> Result<i32, Error> {
    call(
        &mut caller,
        HOST_CALL_FUEL,
        |guest: &mut Guest<'_>, state| {
            stdio(state, fd).ok_or(Errno::Badf)?;
            // filestat: dev @0, ino @8, filetype u8 @16, nlink @24, size @32, times @40..64.
            let mut stat = [0u8; 64];
            stat[16] = CHARACTER_DEVICE;
            stat[24..32].copy_from_slice(&1u64.to_le_bytes());
            guest.write(buf as u32, &stat)
        },
    )
}

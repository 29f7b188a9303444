/* The little the bot needs from its platform: a log line, and the start of a
 * call. Two implementations, one chosen by build.sh:
 *   platform_freestanding.c  no libc; logs through the `lockstep.log` import
 *   platform_wasi.c          wasi-libc; logs with fprintf(stderr, ...), which a
 *                            WASI-capable host turns into log lines */
#ifndef LOCKSTEP_PLATFORM_H
#define LOCKSTEP_PLATFORM_H

#include <stdint.h>

/* Called first thing in lockstep_init. */
void platform_start(void);

/* One log line, printf-style. Only %d %u %s %c %x and %% are promised (the
 * freestanding build has no printf; its formatter knows just these). Each line
 * costs 1,000 fuel on top of the formatting: log sparingly. */
void bot_logf(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Clears memory. With -mbulk-memory clang turns this into one `memory.fill`
 * instruction; without it, into a call to `memset`, which a freestanding
 * module does not have (see README.md, "Common errors"). */
#define clear_bytes(ptr, n) __builtin_memset((ptr), 0, (n))

#endif

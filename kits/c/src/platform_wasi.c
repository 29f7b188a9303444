/* WASI platform: the bot is linked against wasi-libc, so printf and friends
 * work. A WASI-capable Lockstep host turns every line written to stdout or
 * stderr (fd 1 or 2) into a line of the bot's log. */
#include <stdarg.h>
#include <stdio.h>
#include "platform.h"

/* wasi-libc's reactor start-up, `_initialize`, runs the C constructors. The
 * ABI does not promise that a host calls it, so we check with a constructor
 * of our own and run them ourselves if nobody did. */
extern void __wasm_call_ctors(void);
static int constructors_ran;
__attribute__((constructor)) static void note_constructors(void) { constructors_ran = 1; }

void platform_start(void) {
    if (!constructors_ran) __wasm_call_ctors();
}

void bot_logf(const char *format, ...) {
    /* Formatted first, then written once with its newline: one fd_write per
     * line, however the host splits writes into lines. */
    char text[257];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(text, sizeof text - 1, format, args);
    va_end(args);
    if (n < 0) return;
    if (n > (int)sizeof text - 2) n = (int)sizeof text - 2; /* cut to 255 */
    text[n++] = '\n';
    fwrite(text, 1, (size_t)n, stderr);
}

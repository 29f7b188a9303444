/* Freestanding platform: no libc at all. Logging goes straight to the one
 * import the ABI allows, and a tiny formatter stands in for printf. */
#include <stdarg.h>
#include "platform.h"

__attribute__((import_module("lockstep"), import_name("log")))
void lockstep_log(const char *ptr, int32_t len);

void platform_start(void) {}

/* The host keeps at most max_log_line_bytes (256 by default) of a line. */
#define LINE_CAP 256

typedef struct {
    char text[LINE_CAP];
    uint32_t len;
} line;

static void put_char(line *l, char c) {
    if (l->len < LINE_CAP) l->text[l->len++] = c;
}

static void put_unsigned(line *l, uint32_t v, uint32_t base) {
    char digits[10];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n) put_char(l, digits[--n]);
}

void bot_logf(const char *format, ...) {
    line l;
    l.len = 0;
    va_list args;
    va_start(args, format);
    for (const char *f = format; *f; f++) {
        if (*f != '%') {
            put_char(&l, *f);
            continue;
        }
        switch (*++f) {
        case 'd': {
            int32_t v = va_arg(args, int32_t);
            if (v < 0) put_char(&l, '-');
            put_unsigned(&l, v < 0 ? 0u - (uint32_t)v : (uint32_t)v, 10);
            break;
        }
        case 'u': put_unsigned(&l, va_arg(args, uint32_t), 10); break;
        case 'x': put_unsigned(&l, va_arg(args, uint32_t), 16); break;
        case 'c': put_char(&l, (char)va_arg(args, int)); break;
        case 's':
            for (const char *s = va_arg(args, const char *); *s; s++) put_char(&l, *s);
            break;
        case '%': put_char(&l, '%'); break;
        case '\0': f--; break; /* a lone % at the end */
        default: put_char(&l, '%'); put_char(&l, *f); break;
        }
    }
    va_end(args);
    lockstep_log(l.text, (int32_t)l.len);
}

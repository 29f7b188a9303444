/* Lockstep Python runtime: pocketpy 2.1.8 (C11) + this glue, built as a
 * wasm32-wasip1 reactor following Lockstep ABI v1 with the JSON encoding.
 *
 * lockstep_init input: u32 LE N, N bytes of the script (UTF-8, "bot.py"),
 * then the MatchInfo as JSON (possibly empty: "does the script load?"), as
 * docs/abi.md section 11 says. The observation and MatchInfo reach the
 * script as objects with attributes (`Obj`), its orders leave as JSON.
 *
 * This file is one translation unit with pocketpy.c: it includes it, after
 * redirecting pocketpy's clock() (used by its watchdog on every bytecode) to
 * a cached reading of WASI's clock, so the fuel guard costs ~2 fuel per
 * bytecode instead of a 500-fuel host call. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

/* ---------- clock, fuel guard ---------- */
/* The host's monotonic clock is the match time: tick x 100 ms plus 1 ns per
 * unit of fuel spent in this call. pocketpy's watchdog raises TimeoutError
 * once clock() passes max_reset_time; we arm it at GUARD_PERCENT of the
 * call's budget. The clock is read for real every 256th poll. */
#ifndef GUARD_PERCENT
#define GUARD_PERCENT 90
#endif
#define PK_STR_(x) #x
#define PK_STR(x) PK_STR_(x)
static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
/* pocketpy's watchdog test before every bytecode is patched (build.sh, patch 2)
 * into `--lockstep_countdown < 0 && armed && clock() > deadline`: the clock
 * (500 fuel a reading) is read every clk_every bytecodes, adaptively: up to
 * 256 apart when bytecodes are cheap, down to every one when they are dear,
 * aiming at < ~400k fuel between readings (the guard's margin is 10%). */
static int32_t lockstep_countdown;
static uint32_t clk_every = 16;
static clock_t clk_last;
static clock_t lockstep_clock(void) {
    clock_t now = (clock_t)now_ns();
    clock_t d = now - clk_last;
    clk_last = now;
    if (d > 400000) clk_every = clk_every > 4 ? clk_every / 4 : 1;
    else if (d < 100000 && clk_every < 256) clk_every *= 2;
    lockstep_countdown = (int32_t)clk_every;
    return now;
}
/* C stack guard (build.sh, patch 3): nested interpreter loops (Python code
 * called from C: __eq__, sort keys, ...) raise RecursionError once the
 * shadow stack has used CSTACK_LIMIT bytes below where lockstep_init/tick
 * started. The host's native stack (512 KiB) overflows first otherwise. */
#ifndef CSTACK_LIMIT
#define CSTACK_LIMIT (96 * 1024)
#endif
static uintptr_t lockstep_stack_floor;
static inline bool lockstep_stack_low(void) {
    volatile char probe;
    return (uintptr_t)&probe < lockstep_stack_floor;
}
static void set_stack_floor(void) {
    volatile char probe;
    uintptr_t here = (uintptr_t)&probe;
    lockstep_stack_floor = here > CSTACK_LIMIT ? here - CSTACK_LIMIT : 0;
}
#define clock lockstep_clock
#include "pocketpy.c"
#undef clock


__attribute__((import_module("lockstep"), import_name("log")))
void lockstep_log(const char *ptr, int32_t len);

/* ---------- the shadow stack ---------- */
/* Every export's first step, before any frame of its own on the shadow
 * stack: the host calls in with no frame of this module live, so the
 * shadow stack pointer must be where the first call found it. A call cut
 * off, or one that trapped on purpose, left it lower. */
static uintptr_t pristine_sp;
static uintptr_t get_sp(void) {
    uintptr_t sp;
    __asm__ volatile(".globaltype __stack_pointer, i32\n"
                     "global.get __stack_pointer\n"
                     "local.set %0" : "=r"(sp));
    return sp;
}
static void set_sp(uintptr_t sp) {
    __asm__ volatile(".globaltype __stack_pointer, i32\n"
                     "local.get %0\n"
                     "global.set __stack_pointer" :: "r"(sp));
}
#define FROM_THE_HOST()             \
    do {                            \
        if (!pristine_sp)           \
            pristine_sp = get_sp(); \
        else                        \
            set_sp(pristine_sp);    \
    } while (0)

static uint64_t tick_fuel = 20000000, init_fuel = 200000000;
static void arm(uint64_t t0, uint64_t budget) {
    lockstep_countdown = 0;
    clk_last = (clock_t)t0;
    pk_current_vm->watchdog_info.max_reset_time = (clock_t)(t0 + budget / 100 * GUARD_PERCENT);
}
static void disarm(void) { pk_current_vm->watchdog_info.max_reset_time = 0; }

/* ---------- log ---------- */
static void log_n(const char *s, size_t n) { lockstep_log(s, (int32_t)n); }
static void log_str(const char *s) { log_n(s, strlen(s)); }

/* print() goes through pocketpy's print callback: split into lines. */
static char pbuf[512];
static size_t plen;
static void print_flush(void) {
    if (plen) { log_n(pbuf, plen); plen = 0; }
}
static void print_cb(const char *s) {
    for (; *s; s++) {
        if (*s == '\n') { log_n(pbuf, plen); plen = 0; continue; }
        if (plen < sizeof pbuf) pbuf[plen++] = *s; /* the host keeps 256 bytes a line anyway */
    }
}
static void flush_cb(void) { print_flush(); }

/* log(*args): one line, args joined by spaces. */
static bool builtin_log(int argc, py_Ref argv) {
    py_TValue *args = py_tuple_data(argv);
    int n = py_tuple_len(argv);
    c11_sbuf buf;
    c11_sbuf__ctor(&buf);
    for (int i = 0; i < n; i++) {
        if (i) c11_sbuf__write_char(&buf, ' ');
        if (!py_str(&args[i])) { c11_sbuf__dtor(&buf); return false; }
        c11_sbuf__write_sv(&buf, py_tosv(py_retval()));
    }
    c11_string *res = c11_sbuf__submit(&buf);
    log_n(res->data, (size_t)res->size);
    c11_string__delete(res);
    py_newnone(py_retval());
    return true;
}

/* ---------- errors ---------- */
static const char *frame_file(BaseExceptionFrame *f) {
    return (f->src && f->src->filename) ? f->src->filename->data : "?";
}
#define TB_FRAMES 6
/* First line: bot.py:LINE: Kind: message (pocketpy has no columns), then a
 * short traceback (innermost TB_FRAMES frames, with their source lines). */
static py_Ref fallback_fn; /* the function being called: its def line if no frame is in bot.py */
static void report_exception(void) {
    print_flush();
    VM *vm = pk_current_vm;
    py_Ref exc = py_pushtmp();
    *exc = vm->unhandled_exc;
    py_newnil(&vm->unhandled_exc);
    BaseException *ud = py_touserdata(exc);
    int line = 0;
    /* RecursionError is raised on entering the new frame, at its `def` line:
     * report the line of the recursive call instead. */
    int first = (exc->type == tp_RecursionError && ud->stacktrace.length > 1) ? 1 : 0;
    for (int i = first; i < ud->stacktrace.length; i++) { /* 0 = innermost */
        BaseExceptionFrame *f = c11__at(BaseExceptionFrame, &ud->stacktrace, i);
        if (strcmp(frame_file(f), "bot.py") == 0) { line = f->lineno; break; }
    }
    if (!line && fallback_fn && py_istype(fallback_fn, tp_function)) {
        Function *fn = py_touserdata(fallback_fn);
        line = fn->decl->code.start_line; /* e.g. tick() returned something that is not JSON */
    }
    if (!line) line = 1;
    char *msg = safe_stringify_exception(exc);
    if (exc->type == tp_TimeoutError && strcmp(msg, "watchdog timeout") == 0) {
        PK_FREE(msg);
        msg = c11_strdup("this call used " PK_STR(GUARD_PERCENT) "% of its fuel budget (the script was stopped)");
    }
    c11_sbuf ss;
    c11_sbuf__ctor(&ss);
    char head[64];
    snprintf(head, sizeof head, "bot.py:%d: ", line);
    c11_sbuf__write_cstr(&ss, head);
    c11_sbuf__write_cstr(&ss, py_tpname(exc->type));
    c11_sbuf__write_cstr(&ss, ": ");
    c11_sbuf__write_cstr(&ss, msg);
    c11_sbuf__write_cstr(&ss, "\nTraceback (most recent call last):\n");
    int n = ud->stacktrace.length;
    int shown = n < TB_FRAMES ? n : TB_FRAMES;
    if (n > shown) {
        char more[64];
        snprintf(more, sizeof more, "  ... %d more frames\n", n - shown);
        c11_sbuf__write_cstr(&ss, more);
    }
    for (int i = shown - 1; i >= 0; i--) {
        BaseExceptionFrame *f = c11__at(BaseExceptionFrame, &ud->stacktrace, i);
        SourceData__snapshot(f->src, &ss, f->lineno, NULL, f->name ? f->name->data : NULL);
        c11_sbuf__write_char(&ss, '\n');
    }
    c11_sbuf__write_cstr(&ss, py_tpname(exc->type));
    c11_sbuf__write_cstr(&ss, ": ");
    c11_sbuf__write_cstr(&ss, msg);
    PK_FREE(msg);
    c11_string *res = c11_sbuf__submit(&ss);
    const char *s = res->data, *e = s + res->size;
    while (s < e) {
        const char *nl = memchr(s, '\n', (size_t)(e - s));
        if (!nl) nl = e;
        log_n(s, (size_t)(nl - s));
        s = nl + 1;
    }
    c11_string__delete(res);
    py_pop();
}

/* ---------- JSON -> Python (objects become Obj instances with attributes) ---------- */
static py_Type tp_Obj;
static const char *jp, *je;
static bool jfail;
static void jws(void) { while (jp < je && (*jp == ' ' || *jp == '\n' || *jp == '\r' || *jp == '\t')) jp++; }
static char *sbuf;
static size_t scap;
static int jstr(void) { /* parses a JSON string at jp into sbuf, returns its length or -1 */
    if (jp >= je || *jp != '"') return -1;
    jp++;
    size_t n = 0;
    while (jp < je && *jp != '"') {
        if (n + 4 >= scap) {
            scap = scap ? scap * 2 : 256;
            sbuf = realloc(sbuf, scap);
        }
        char c = *jp++;
        if (c != '\\') { sbuf[n++] = c; continue; }
        if (jp >= je) return -1;
        c = *jp++;
        switch (c) {
            case 'n': sbuf[n++] = '\n'; break;
            case 't': sbuf[n++] = '\t'; break;
            case 'r': sbuf[n++] = '\r'; break;
            case 'b': sbuf[n++] = '\b'; break;
            case 'f': sbuf[n++] = '\f'; break;
            case 'u': {
                if (je - jp < 4) return -1;
                unsigned u = (unsigned)strtoul((char[5]){jp[0], jp[1], jp[2], jp[3], 0}, NULL, 16);
                jp += 4;
                if (u >= 0xD800 && u < 0xDC00 && je - jp >= 6 && jp[0] == '\\' && jp[1] == 'u') {
                    unsigned lo = (unsigned)strtoul((char[5]){jp[2], jp[3], jp[4], jp[5], 0}, NULL, 16);
                    jp += 6;
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                }
                if (u < 0x80) sbuf[n++] = (char)u;
                else if (u < 0x800) { sbuf[n++] = (char)(0xC0 | u >> 6); sbuf[n++] = (char)(0x80 | (u & 63)); }
                else if (u < 0x10000) { sbuf[n++] = (char)(0xE0 | u >> 12); sbuf[n++] = (char)(0x80 | (u >> 6 & 63)); sbuf[n++] = (char)(0x80 | (u & 63)); }
                else { sbuf[n++] = (char)(0xF0 | u >> 18); sbuf[n++] = (char)(0x80 | (u >> 12 & 63)); sbuf[n++] = (char)(0x80 | (u >> 6 & 63)); sbuf[n++] = (char)(0x80 | (u & 63)); }
                break;
            }
            default: sbuf[n++] = c; break; /* \" \\ \/ */
        }
    }
    if (jp >= je) return -1;
    jp++;
    return (int)n;
}
/* `out` must be a rooted slot (on the value stack) */
static void jvalue(py_OutRef out) {
    jws();
    if (jfail || jp >= je) { jfail = true; return; }
    char c = *jp;
    if (c == '{') {
        jp++;
        py_newobject(out, tp_Obj, -1, 0);
        jws();
        if (jp < je && *jp == '}') { jp++; return; }
        for (;;) {
            jws();
            int n = jstr();
            if (n < 0) { jfail = true; return; }
            py_Name name = py_namev((c11_sv){sbuf, n});
            jws();
            if (jp >= je || *jp != ':') { jfail = true; return; }
            jp++;
            py_Ref tmp = py_pushtmp();
            jvalue(tmp);
            py_setdict(out, name, tmp);
            py_pop();
            if (jfail) return;
            jws();
            if (jp < je && *jp == ',') { jp++; continue; }
            if (jp < je && *jp == '}') { jp++; return; }
            jfail = true;
            return;
        }
    } else if (c == '[') {
        jp++;
        py_newlist(out);
        jws();
        if (jp < je && *jp == ']') { jp++; return; }
        for (;;) {
            py_Ref tmp = py_pushtmp();
            jvalue(tmp);
            py_list_append(out, tmp);
            py_pop();
            if (jfail) return;
            jws();
            if (jp < je && *jp == ',') { jp++; continue; }
            if (jp < je && *jp == ']') { jp++; return; }
            jfail = true;
            return;
        }
    } else if (c == '"') {
        int n = jstr();
        if (n < 0) { jfail = true; return; }
        py_newstrv(out, (c11_sv){sbuf, n});
    } else if (c == 't' && je - jp >= 4 && !memcmp(jp, "true", 4)) { jp += 4; py_newbool(out, true); }
    else if (c == 'f' && je - jp >= 5 && !memcmp(jp, "false", 5)) { jp += 5; py_newbool(out, false); }
    else if (c == 'n' && je - jp >= 4 && !memcmp(jp, "null", 4)) { jp += 4; py_newnone(out); }
    else {
        const char *s = jp;
        bool isf = false;
        if (jp < je && *jp == '-') jp++;
        while (jp < je && ((*jp >= '0' && *jp <= '9') || *jp == '.' || *jp == 'e' || *jp == 'E' || *jp == '+' || *jp == '-')) {
            if (*jp == '.' || *jp == 'e' || *jp == 'E') isf = true;
            jp++;
        }
        if (jp == s) { jfail = true; return; }
        char num[64];
        size_t n = (size_t)(jp - s) < sizeof num - 1 ? (size_t)(jp - s) : sizeof num - 1;
        memcpy(num, s, n);
        num[n] = 0;
        if (isf) py_newfloat(out, strtod(num, NULL));
        else if (num[0] == '-') py_newint(out, strtoll(num, NULL, 10));
        else py_newint(out, (py_i64)(strtoull(num, NULL, 10) & 0x7fffffffffffffffull)); /* u64 seed: low 63 bits */
    }
}
static bool json_to_py(const char *s, size_t n, py_OutRef out) {
    jp = s; je = s + n; jfail = false;
    jvalue(out);
    jws();
    return !jfail && jp == je;
}

/* Obj: attribute access, plus obj["key"], "key" in obj, repr, ==. */
static bool Obj_getitem(int argc, py_Ref argv) {
    PY_CHECK_ARGC(2);
    PY_CHECK_ARG_TYPE(1, tp_str);
    py_Ref r = py_getdict(argv, py_namev(py_tosv(py_arg(1))));
    if (!r) return KeyError(py_arg(1));
    py_assign(py_retval(), r);
    return true;
}
static bool Obj_contains(int argc, py_Ref argv) {
    PY_CHECK_ARGC(2);
    py_newbool(py_retval(), py_isstr(py_arg(1)) && py_getdict(argv, py_namev(py_tosv(py_arg(1)))) != NULL);
    return true;
}
static bool Obj_get(int argc, py_Ref argv) {
    if (argc < 2 || argc > 3) return TypeError("get() takes 1 or 2 arguments");
    PY_CHECK_ARG_TYPE(1, tp_str);
    py_Ref r = py_getdict(argv, py_namev(py_tosv(py_arg(1))));
    if (r) py_assign(py_retval(), r);
    else if (argc == 3) py_assign(py_retval(), py_arg(2));
    else py_newnone(py_retval());
    return true;
}
typedef struct { c11_sbuf *ss; bool first; } repr_ctx;
static bool Obj_repr_item(py_Name name, py_Ref val, void *vctx) {
    repr_ctx *ctx = vctx;
    if (!ctx->first) c11_sbuf__write_cstr(ctx->ss, ", ");
    ctx->first = false;
    c11_sbuf__write_cstr(ctx->ss, py_name2str(name));
    c11_sbuf__write_char(ctx->ss, '=');
    if (!py_repr(val)) return false;
    c11_sbuf__write_sv(ctx->ss, py_tosv(py_retval()));
    return true;
}
static bool Obj_repr(int argc, py_Ref argv) {
    PY_CHECK_ARGC(1);
    c11_sbuf ss;
    c11_sbuf__ctor(&ss);
    c11_sbuf__write_cstr(&ss, "Obj(");
    repr_ctx ctx = {&ss, true};
    if (!py_applydict(argv, Obj_repr_item, &ctx)) { c11_sbuf__dtor(&ss); return false; }
    c11_sbuf__write_char(&ss, ')');
    c11_string *res = c11_sbuf__submit(&ss);
    py_newstrv(py_retval(), (c11_sv){res->data, res->size});
    c11_string__delete(res);
    return true;
}

/* ---------- Python -> JSON ---------- */
static c11_sbuf out_ss;
static bool to_json(py_Ref v, int depth);
static void write_jstr(c11_sv sv) {
    c11_sbuf__write_char(&out_ss, '"');
    for (int i = 0; i < sv.size; i++) {
        unsigned char c = (unsigned char)sv.data[i];
        if (c == '"' || c == '\\') { c11_sbuf__write_char(&out_ss, '\\'); c11_sbuf__write_char(&out_ss, (char)c); }
        else if (c < 0x20) { char e[8]; snprintf(e, sizeof e, "\\u%04x", c); c11_sbuf__write_cstr(&out_ss, e); }
        else c11_sbuf__write_char(&out_ss, (char)c);
    }
    c11_sbuf__write_char(&out_ss, '"');
}
typedef struct { bool first; int depth; } dump_ctx;
static bool dump_dict_item(py_Ref key, py_Ref val, void *vctx) {
    dump_ctx *ctx = vctx;
    if (!py_isstr(key)) return TypeError("JSON object keys must be str, not '%t'", key->type);
    if (!ctx->first) c11_sbuf__write_char(&out_ss, ',');
    ctx->first = false;
    write_jstr(py_tosv(key));
    c11_sbuf__write_char(&out_ss, ':');
    return to_json(val, ctx->depth + 1);
}
static bool dump_obj_item(py_Name name, py_Ref val, void *vctx) {
    dump_ctx *ctx = vctx;
    if (!ctx->first) c11_sbuf__write_char(&out_ss, ',');
    ctx->first = false;
    write_jstr(py_name2sv(name));
    c11_sbuf__write_char(&out_ss, ':');
    return to_json(val, ctx->depth + 1);
}
static bool to_json(py_Ref v, int depth) {
    if (depth > 64) return ValueError("the returned value is nested too deeply");
    py_Type t = py_typeof(v);
    if (t == tp_NoneType) c11_sbuf__write_cstr(&out_ss, "null");
    else if (t == tp_bool) c11_sbuf__write_cstr(&out_ss, py_tobool(v) ? "true" : "false");
    else if (t == tp_int) c11_sbuf__write_i64(&out_ss, py_toint(v));
    else if (t == tp_float) { char b[40]; snprintf(b, sizeof b, "%.17g", py_tofloat(v)); c11_sbuf__write_cstr(&out_ss, b); }
    else if (t == tp_str) write_jstr(py_tosv(v));
    else if (t == tp_list || t == tp_tuple) {
        int n = t == tp_list ? py_list_len(v) : py_tuple_len(v);
        c11_sbuf__write_char(&out_ss, '[');
        for (int i = 0; i < n; i++) {
            if (i) c11_sbuf__write_char(&out_ss, ',');
            if (!to_json(t == tp_list ? py_list_getitem(v, i) : py_tuple_getitem(v, i), depth + 1)) return false;
        }
        c11_sbuf__write_char(&out_ss, ']');
    } else if (py_isinstance(v, tp_dict)) {
        c11_sbuf__write_char(&out_ss, '{');
        dump_ctx ctx = {true, depth};
        if (!py_dict_apply(v, dump_dict_item, &ctx)) return false;
        c11_sbuf__write_char(&out_ss, '}');
    } else if (t == tp_Obj) {
        c11_sbuf__write_char(&out_ss, '{');
        dump_ctx ctx = {true, depth};
        if (!py_applydict(v, dump_obj_item, &ctx)) return false;
        c11_sbuf__write_char(&out_ss, '}');
    } else return TypeError("tick() returned a '%t', which is not JSON (use lists, dicts, str, int)", t);
    return true;
}

/* ---------- state ---------- */
static char *in_buf;
static size_t in_cap;
static char *out_buf;
static size_t out_cap;
static bool ready;          /* init succeeded: tick() is callable */
static bool in_call;        /* set while the interpreter runs: still set => the host cut the last call off */
static py_StackRef base_sp; /* value stack pointer between calls */
/* registers: 0 = tick function, 1 = MatchInfo object */

static void recover(void) {
    /* The host cut the previous call off (out of fuel) in the middle of the
     * interpreter: drop its frames and stack so this call starts clean. */
    VM *vm = pk_current_vm;
    while (vm->top_frame) VM__pop_frame(vm);
    vm->stack.sp = base_sp;
    py_newnil(&vm->unhandled_exc);
    vm->recursion_depth = 0;
    vm->curr_class = NULL;
    vm->curr_decl_based_function = NULL;
    plen = 0;
    log_str("python: the previous call was cut off by the host; interpreter state reset");
}

__attribute__((export_name("lockstep_abi")))
int32_t lockstep_abi(void) { return 1 << 8 | 1; }

static __attribute__((noinline)) int32_t alloc_input(int32_t len) {
    size_t need = (size_t)(uint32_t)len + 1;
    if (need > in_cap) {
        char *p = realloc(in_buf, need);
        if (!p) return -1;
        in_buf = p;
        in_cap = need;
    }
    return (int32_t)(uintptr_t)in_buf;
}

__attribute__((export_name("lockstep_alloc")))
int32_t lockstep_alloc(int32_t len) {
    FROM_THE_HOST();
    return alloc_input(len);
}

static int64_t answer(const char *s, size_t n) {
    if (n > out_cap) {
        char *p = realloc(out_buf, n);
        if (!p) __builtin_trap();
        out_buf = p;
        out_cap = n;
    }
    memcpy(out_buf, s, n);
    return (int64_t)(uint32_t)(uintptr_t)out_buf << 32 | (uint32_t)n;
}

static int fail(int code) {
    report_exception();
    disarm();
    in_call = false;
    pk_current_vm->stack.sp = base_sp;
    return code;
}

static int run_init(const char *src, size_t src_len, const char *info, size_t info_len) {
    uint64_t t0 = now_ns();
    set_stack_floor();
    py_initialize();
    VM *vm = pk_current_vm;
    py_callbacks()->print = print_cb;
    py_callbacks()->flush = flush_cb;
    py_bind(vm->builtins, "log(*args)", builtin_log);
    tp_Obj = py_newtype("Obj", tp_object, vm->builtins, NULL);
    py_bindmagic(tp_Obj, __getitem__, Obj_getitem);
    py_bindmagic(tp_Obj, __contains__, Obj_contains);
    py_bindmagic(tp_Obj, __repr__, Obj_repr);
    py_bindmethod(tp_Obj, "get", Obj_get);
    /* Small polyfills for methods pocketpy lacks (CPython has them). */
    static const char PRELUDE[] =
        "def _index(self, x, start=0):\n"
        "    for i in range(start, len(self)):\n"
        "        if self[i] == x:\n"
        "            return i\n"
        "    raise ValueError(repr(x) + ' is not in tuple')\n"
        "def _count(self, x):\n"
        "    n = 0\n"
        "    for v in self:\n"
        "        if v == x:\n"
        "            n += 1\n"
        "    return n\n"
        "def _setdefault(self, k, d=None):\n"
        "    if k not in self:\n"
        "        self[k] = d\n"
        "    return self[k]\n"
        "tuple.index = _index\n"
        "tuple.count = _count\n"
        "dict.setdefault = _setdefault\n"
        "del _index, _count, _setdefault\n";
    if (!py_exec(PRELUDE, "<lockstep>", EXEC_MODE, vm->builtins)) { report_exception(); return 13; }
    base_sp = vm->stack.sp;
    in_call = true;
    arm(t0, init_fuel);

    /* MatchInfo first (pure data), so the fuel guard knows the init budget. */
    py_Ref info_obj = py_getreg(1);
    py_newnone(info_obj);
    if (info_len) {
        py_Ref tmp = py_pushtmp();
        if (!json_to_py(info, info_len, tmp)) {
            log_str("python: the MatchInfo message is not valid JSON");
            py_pop();
            in_call = false;
            return 10;
        }
        py_setreg(1, tmp);
        py_pop();
        py_Ref limits = py_getdict(py_getreg(1), py_name("limits"));
        if (limits) {
            py_Ref f = py_getdict(limits, py_name("init_fuel"));
            if (f && py_isint(f) && py_toint(f) > 0) init_fuel = (uint64_t)py_toint(f);
            f = py_getdict(limits, py_name("tick_fuel"));
            if (f && py_isint(f) && py_toint(f) > 0) tick_fuel = (uint64_t)py_toint(f);
        }
        arm(t0, init_fuel);
        /* random: seeded from MatchInfo.seed (else it would seed from the clock) */
        py_Ref seed = py_getdict(py_getreg(1), py_name("seed"));
        if (seed && py_import("random") == 1) {
            py_Ref mod = py_pushtmp();
            *mod = *py_retval();
            if (!py_getattr(mod, py_name("seed")) || !py_call(py_retval(), 1, seed)) return fail(11);
            py_pop();
        }
    }

    /* 1. the script's top level, as module __main__, file "bot.py" */
    char *code = malloc(src_len + 1);
    if (!code) return 12;
    memcpy(code, src, src_len);
    code[src_len] = 0;
    bool ok = py_exec(code, "bot.py", EXEC_MODE, NULL);
    free(code);
    if (!ok) return fail(1);
    print_flush();
    /* 2. no MatchInfo: the script loads and defines tick, that is all */
    if (!info_len) {
        py_ItemRef defined = py_getglobal(py_name("tick"));
        disarm();
        in_call = false;
        if (!defined || !py_callable(defined)) {
            log_str("bot.py:1: NameError: the script defines no tick(observation) function");
            return 4;
        }
        return 0;
    }
    /* 3. init(info) if defined, then a callable tick */
    py_ItemRef init = py_getglobal(py_name("init"));
    if (init) {
        if (!py_callable(init)) { log_str("bot.py:1: TypeError: init is not callable"); in_call = false; return 2; }
        py_Ref f = py_pushtmp();
        *f = *init;
        fallback_fn = f;
        if (!py_call(f, 1, py_getreg(1))) return fail(3);
        py_pop();
    }
    print_flush();
    py_ItemRef tick = py_getglobal(py_name("tick"));
    if (!tick || !py_callable(tick)) {
        log_str("bot.py:1: NameError: the script defines no tick(observation) function");
        disarm();
        in_call = false;
        return 4;
    }
    py_setreg(0, tick);
    disarm();
    in_call = false;
    ready = true;
    return 0;
}

static __attribute__((noinline)) int32_t init(int32_t ptr, int32_t len) {
    const unsigned char *p = (const unsigned char *)(uintptr_t)ptr;
    uint32_t total = (uint32_t)len;
    if (total < 4) { log_str("python: lockstep_init input too short"); return 20; }
    uint32_t n = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
    if (n > total - 4) { log_str("python: script length past the input"); return 21; }
    return run_init((const char *)p + 4, n, (const char *)p + 4 + n, total - 4 - n);
}

__attribute__((export_name("lockstep_init")))
int32_t lockstep_init(int32_t ptr, int32_t len) {
    FROM_THE_HOST();
    return init(ptr, len);
}

static __attribute__((noinline)) int64_t tick(int32_t ptr, int32_t len) {
    uint64_t t0 = now_ns();
    if (!ready) {
        log_str("python: init failed, tick() is not run");
        __builtin_trap();
    }
    if (in_call) recover();
    in_call = true;
    set_stack_floor();
    arm(t0, tick_fuel);
    py_Ref obs = py_pushtmp();
    if (!json_to_py((const char *)(uintptr_t)ptr, (size_t)(uint32_t)len, obs)) {
        log_str("python: the Observation message is not valid JSON");
        pk_current_vm->stack.sp = base_sp;
        in_call = false;
        __builtin_trap();
    }
    py_Ref f = py_pushtmp();
    *f = *py_getreg(0);
    fallback_fn = f;
    if (!py_call(f, 1, obs)) { fail(0); __builtin_trap(); }
    py_Ref res = py_pushtmp();
    *res = *py_retval();
    c11_sbuf__ctor(&out_ss);
    if (!to_json(res, 0)) { c11_sbuf__dtor(&out_ss); fail(0); __builtin_trap(); }
    c11_string *s = c11_sbuf__submit(&out_ss);
    int64_t w = answer(s->data, (size_t)s->size);
    c11_string__delete(s);
    print_flush();
    disarm();
    pk_current_vm->stack.sp = base_sp;
    in_call = false;
    return w;
}

__attribute__((export_name("lockstep_tick")))
int64_t lockstep_tick(int32_t ptr, int32_t len) {
    FROM_THE_HOST();
    return tick(ptr, len);
}

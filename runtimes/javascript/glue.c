/* Lockstep's JavaScript runtime: QuickJS-ng behind ABI v1 (JSON encoding).
 *
 * A script bot is this module plus the player's source. The host hands the
 * source in with the MatchInfo, to `lockstep_init` (docs/abi.md, "Script
 * runtimes"):
 *
 *   u32 little-endian N | N bytes of source (UTF-8) | MatchInfo as JSON
 *
 * The source runs as a global script named `bot.js`; it defines
 * `tick(observation)` and may define `init(info)`. An empty MatchInfo is the
 * host's check (`lockstep check`, uploads): load the script, find `tick`, and
 * stop. Every failure is logged with the error's place first, as
 * `bot.js:LINE:COLUMN: Kind: message`, then the stack.
 *
 * What keeps it contained and deterministic:
 * - the fuel guard: QuickJS polls an interrupt handler every few thousand
 *   bytecodes; it reads the host's virtual clock (one nanosecond per unit of
 *   fuel the call has spent) and stops the script, with a stack trace, once
 *   it has used GUARD_PERCENT of its tick's budget. The script's error is
 *   logged and the call traps, instead of being cut off by the host inside
 *   the interpreter;
 * - when a call was cut off anyway (out of fuel inside one long native step,
 *   a stack overflow), the next call finds `busy` still set: the interpreter's
 *   state cannot be trusted, so the shadow stack is reset and the script is
 *   started again from its source (its globals are lost; the old heap is
 *   left behind, never walked);
 * - QuickJS's own memory limit (7/8 of the bot's) and stack limit, so a
 *   growing array or a deep recursion ends as a JavaScript error;
 * - nothing reads the host but through WASI, which the host makes a
 *   function of the match alone. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "quickjs.h"

__attribute__((import_module("lockstep"), import_name("log")))
void lockstep_log(const char *ptr, int32_t len);

#define SCRIPT_NAME "bot.js"
/* Share of a call's budget the script may use before the guard stops it. */
#define GUARD_PERCENT 90
/* QuickJS's stack limit, within the module's 1 MiB shadow stack. Small
 * enough that a deep recursion is QuickJS's RangeError (catchable, logged)
 * before it is the host's stack limit (`stack_units`, 65,536 by default: a
 * trap, and the script restarts): 128 KiB is about 480 levels of a plain
 * recursive function, which the default units hold with room to spare
 * (they hold 600 to 1,200). */
#ifndef JS_STACK_BYTES
#define JS_STACK_BYTES (128 * 1024)
#endif

static JSRuntime *rt;
static JSContext *ctx;
static JSValue tick_fn;
/* The script's source and MatchInfo, kept to start the script again. */
static char *source;
static size_t source_len;
static char *info_json;
static size_t info_len;
static int loaded;
static uint64_t tick_fuel = 20000000, init_fuel = 200000000, memory_bytes = 64u << 20;

static char *in_buf;
static size_t in_cap;
static char *out_buf;
static size_t out_cap;

/* ---- the shadow stack: its pointer as every call from the host finds it -- */
static uintptr_t pristine_sp;
/* A call into the interpreter is under way: still set when the next call
 * comes, it was cut off. */
static int busy;

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

/* ---- logging ------------------------------------------------------------ */
static void log_bytes(const char *s, size_t n) { lockstep_log(s, (int32_t)n); }
static void log_str(const char *s) { log_bytes(s, strlen(s)); }

/* Logs the pending exception: its place first, then its stack. */
static void report_exception(void) {
    JSValue e = JS_GetException(ctx);
    const char *text = JS_ToCString(ctx, e);
    const char *stack = NULL;
    JSValue stack_val = JS_UNDEFINED;
    if (JS_IsError(e)) {
        stack_val = JS_GetPropertyStr(ctx, e, "stack");
        if (JS_IsString(stack_val)) stack = JS_ToCString(ctx, stack_val);
    }
    /* The place: the first `bot.js:L:C` in the stack. */
    const char *place = stack ? strstr(stack, SCRIPT_NAME ":") : NULL;
    size_t place_len = 0;
    if (place) {
        place_len = strlen(SCRIPT_NAME) + 1;
        while (place[place_len] == ':' || (place[place_len] >= '0' && place[place_len] <= '9'))
            place_len++;
        while (place_len && place[place_len - 1] == ':') place_len--;
    }
    char line[512];
    int n;
    if (place_len)
        n = snprintf(line, sizeof line, "%.*s: %s", (int)place_len, place,
                     text ? text : "uncaught exception");
    else
        n = snprintf(line, sizeof line, SCRIPT_NAME ": uncaught: %s",
                     text ? text : "an exception");
    log_bytes(line, n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    if (stack) {
        /* One log line per stack frame. */
        const char *p = stack;
        while (*p) {
            const char *end = strchr(p, '\n');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (len) log_bytes(p, len);
            p += len + (end ? 1 : 0);
        }
    }
    if (stack) JS_FreeCString(ctx, stack);
    if (text) JS_FreeCString(ctx, text);
    JS_FreeValue(ctx, stack_val);
    JS_FreeValue(ctx, e);
}

/* console.log and console.error: one log line; strings as they are, other
 * values as JSON (as a browser's console would show them). */
static JSValue js_log(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    (void)this_val;
    char line[1024];
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        JSValue shown = JS_IsString(argv[i]) || JS_IsUndefined(argv[i]) || JS_IsFunction(c, argv[i])
                            ? JS_DupValue(c, argv[i])
                            : JS_JSONStringify(c, argv[i], JS_UNDEFINED, JS_UNDEFINED);
        if (JS_IsException(shown)) return JS_EXCEPTION;
        size_t len;
        const char *s = JS_ToCStringLen(c, &len, shown);
        JS_FreeValue(c, shown);
        if (!s) return JS_EXCEPTION;
        if (i && n < sizeof line) line[n++] = ' ';
        size_t k = len < sizeof line - n ? len : sizeof line - n;
        memcpy(line + n, s, k);
        n += k;
        JS_FreeCString(c, s);
    }
    log_bytes(line, n);
    return JS_UNDEFINED;
}

/* ---- the fuel guard ---------------------------------------------------- */
static uint64_t deadline_ns;
/* When the running lockstep_init started; 0 outside it. */
static uint64_t init_started_ns;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void arm(uint64_t budget) { deadline_ns = now_ns() + budget / 100 * GUARD_PERCENT; }

static int interrupt_handler(JSRuntime *r, void *opaque) {
    (void)r;
    (void)opaque;
    return now_ns() > deadline_ns;
}

/* ---- loading the script ------------------------------------------------- */
static int64_t read_u64(JSValueConst obj, const char *name, int64_t fallback) {
    JSValue v = JS_GetPropertyStr(ctx, obj, name);
    int64_t out;
    if (JS_ToInt64(ctx, &out, v) != 0 || out <= 0) out = fallback;
    JS_FreeValue(ctx, v);
    return out;
}

/* The budgets and memory from MatchInfo's `limits`, which every game's
 * MatchInfo carries (games/api's `Limits`). */
static void read_limits(JSValueConst info) {
    JSValue limits = JS_GetPropertyStr(ctx, info, "limits");
    if (JS_IsObject(limits)) {
        tick_fuel = (uint64_t)read_u64(limits, "tick_fuel", (int64_t)tick_fuel);
        init_fuel = (uint64_t)read_u64(limits, "init_fuel", (int64_t)init_fuel);
        memory_bytes = (uint64_t)read_u64(limits, "max_memory_bytes", (int64_t)memory_bytes);
    } else {
        JS_FreeValue(ctx, JS_GetException(ctx));
    }
    JS_FreeValue(ctx, limits);
}

/* A fresh interpreter with the script's top level run and `init` called
 * (when there is a MatchInfo). 0, or the step that failed (logged). */
static int start_script(void) {
    loaded = 0;
    rt = JS_NewRuntime();
    if (!rt) { log_str(SCRIPT_NAME ": out of memory starting the interpreter"); return 1; }
    JS_SetMemoryLimit(rt, (size_t)(memory_bytes / 8 * 7));
    JS_SetMaxStackSize(rt, JS_STACK_BYTES);
    JS_SetInterruptHandler(rt, interrupt_handler, NULL);
    ctx = JS_NewContext(rt);
    if (!ctx) { log_str(SCRIPT_NAME ": out of memory starting the interpreter"); return 1; }
    JSValue info = JS_UNDEFINED;
    if (info_len) {
        /* The limits first: the memory limit and the guard follow them. */
        info = JS_ParseJSON(ctx, info_json, info_len, "MatchInfo");
        if (JS_IsException(info)) { report_exception(); return 3; }
        read_limits(info);
        JS_SetMemoryLimit(rt, (size_t)(memory_bytes / 8 * 7));
        /* In lockstep_init, the guard follows the real init budget. */
        if (init_started_ns) deadline_ns = init_started_ns + init_fuel / 100 * GUARD_PERCENT;
    }
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue console = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, console, "log", JS_NewCFunction(ctx, js_log, "log", 1));
    JS_SetPropertyStr(ctx, console, "error", JS_NewCFunction(ctx, js_log, "error", 1));
    JS_SetPropertyStr(ctx, global, "console", console);
    int status = 0;
    JSValue r = JS_Eval(ctx, source, source_len, SCRIPT_NAME, JS_EVAL_TYPE_GLOBAL);
    if (JS_IsException(r)) { report_exception(); status = 2; goto out; }
    JS_FreeValue(ctx, r);
    if (info_len) {
        JSValue init = JS_GetPropertyStr(ctx, global, "init");
        if (JS_IsFunction(ctx, init)) {
            JSValue res = JS_Call(ctx, init, global, 1, (JSValueConst *)&info);
            if (JS_IsException(res)) status = 4, report_exception();
            JS_FreeValue(ctx, res);
        }
        JS_FreeValue(ctx, init);
        if (status) goto out;
    }
    tick_fn = JS_GetPropertyStr(ctx, global, "tick");
    if (!JS_IsFunction(ctx, tick_fn)) {
        log_str(SCRIPT_NAME ": the script defines no tick function: "
                "add `function tick(observation) { return []; }`");
        status = 5;
        goto out;
    }
    loaded = 1;
out:
    JS_FreeValue(ctx, info);
    JS_FreeValue(ctx, global);
    return status;
}

/* After a call that never returned: the interpreter may be half-way
 * through anything, so the script starts again from its source. */
static void restart_if_cut_off(void) {
    if (!busy || !source) return;
    log_str(SCRIPT_NAME ": the last call was cut off inside the interpreter (out of fuel, "
            "or the stack); the script starts again from its source, its globals lost");
    rt = NULL;
    ctx = NULL;
    arm(tick_fuel);
    start_script();
}

/* Every export's first step, before any frame of its own on the shadow
 * stack: the host calls in with no frame of this module live, so the
 * shadow stack pointer must be where the first call found it. A call cut
 * off, or one that trapped on purpose, left it lower. */
#define FROM_THE_HOST()                      \
    do {                                     \
        if (!pristine_sp)                    \
            pristine_sp = get_sp();          \
        else                                 \
            set_sp(pristine_sp);             \
    } while (0)

/* ---- ABI v1 ------------------------------------------------------------- */
__attribute__((export_name("lockstep_abi")))
int32_t lockstep_abi(void) { return 1 << 8 | 1; /* ABI v1, JSON */ }

static __attribute__((noinline)) int32_t alloc_input(int32_t len) {
    size_t need = (size_t)(uint32_t)len + 1; /* + a NUL for the JSON parser */
    if (need > in_cap) {
        char *p = realloc(in_buf, need);
        if (!p) return 0;
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

static char *copy(const char *p, size_t n) {
    char *c = malloc(n + 1);
    if (c) { memcpy(c, p, n); c[n] = 0; }
    return c;
}

static __attribute__((noinline)) int32_t init(int32_t ptr, int32_t len) {
    busy = 0; /* whatever an earlier call left, this one starts afresh */
    const unsigned char *p = (const unsigned char *)(uintptr_t)ptr;
    size_t total = (size_t)(uint32_t)len;
    uint32_t n = total >= 4 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                  (uint32_t)p[3] << 24
                            : 0;
    if (total < 4 || n > total - 4) {
        log_str(SCRIPT_NAME ": the host sent no script (this runtime is not a bot by itself)");
        return 1;
    }
    free(source);
    free(info_json);
    source_len = n;
    source = copy((const char *)p + 4, n);
    info_len = total - 4 - n;
    info_json = copy((const char *)p + 4 + n, info_len);
    if (!source || !info_json) { log_str(SCRIPT_NAME ": out of memory"); return 1; }
    init_started_ns = now_ns();
    arm(init_fuel);
    busy = 1;
    int32_t status = start_script();
    busy = 0;
    init_started_ns = 0;
    return status;
}

__attribute__((export_name("lockstep_init")))
int32_t lockstep_init(int32_t ptr, int32_t len) {
    FROM_THE_HOST();
    return init(ptr, len);
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

/* A failed tick: logged, then a trap, so the host records it and drops the
 * tick's orders; the interpreter is intact for the next tick. */
static _Noreturn void fail(void) {
    busy = 0;
    __builtin_trap();
}

static __attribute__((noinline)) int64_t tick(int32_t ptr, int32_t len) {
    restart_if_cut_off();
    if (!loaded) {
        log_str(SCRIPT_NAME ": the script did not load (see the init log); no orders");
        fail();
    }
    arm(tick_fuel);
    busy = 1;
    char *p = (char *)(uintptr_t)ptr;
    p[len] = 0;
    JSValue obs = JS_ParseJSON(ctx, p, (size_t)(uint32_t)len, "Observation");
    if (JS_IsException(obs)) { report_exception(); fail(); }
    JSValue res = JS_Call(ctx, tick_fn, JS_UNDEFINED, 1, (JSValueConst *)&obs);
    JS_FreeValue(ctx, obs);
    if (JS_IsException(res)) { report_exception(); fail(); }
    JSValue json = JS_JSONStringify(ctx, res, JS_UNDEFINED, JS_UNDEFINED);
    JS_FreeValue(ctx, res);
    if (JS_IsException(json)) { report_exception(); fail(); }
    if (!JS_IsString(json)) {
        log_str(SCRIPT_NAME ": tick() returned undefined: return the orders ([] for none)");
        JS_FreeValue(ctx, json);
        fail();
    }
    size_t n;
    const char *s = JS_ToCStringLen(ctx, &n, json);
    if (!s) { report_exception(); JS_FreeValue(ctx, json); fail(); }
    int64_t w = answer(s, n);
    JS_FreeCString(ctx, s);
    JS_FreeValue(ctx, json);
    busy = 0;
    return w;
}

__attribute__((export_name("lockstep_tick")))
int64_t lockstep_tick(int32_t ptr, int32_t len) {
    FROM_THE_HOST();
    return tick(ptr, len);
}

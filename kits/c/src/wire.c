/* What both codecs share: the names of their statuses, for logs. */
#include "wire.h"

const char *ls_status_text(ls_status status) {
    switch (status) {
    case LS_OK: return "ok";
    case LS_ERR_TRUNCATED: return "message ends inside a value";
    case LS_ERR_TRAILING: return "trailing bytes after the message";
    case LS_ERR_RANGE: return "number out of range or unknown variant";
    case LS_ERR_TOO_MANY: return "list longer than the kit's cap (wire.h LS_MAX_*)";
    case LS_ERR_SHAPE: return "rows do not match width x height";
    case LS_ERR_SYNTAX: return "unexpected JSON";
    case LS_ERR_OUTPUT_FULL: return "output buffer full";
    }
    return "unknown status";
}

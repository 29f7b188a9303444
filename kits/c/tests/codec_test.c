/* Native unit test of the codec: the worked examples of docs/abi.md, section
 * 7, in whichever encoding the codec under test speaks, plus a few broken
 * messages. Run it with `./build.sh --test` (add --json for the JSON codec). */
#include <stdio.h>
#include <string.h>
#include "wire.h"

static int failures;

#define CHECK(cond)                                                      \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "codec_test.c:%d: failed: %s\n", __LINE__, #cond); \
            failures++;                                                  \
        }                                                                \
    } while (0)

static const uint8_t observation_postcard[] = {
    0x07, 0x19, 0x02, 0x03, 0x00, 0x02, 0x01, 0x0a, 0x09, 0x01, 0x03, 0x01, 0x04,
    0x01, 0x00, 0x01, 0x01, 0xc8, 0x01, 0x01, 0x01, 0x01, 0x03, 0x01, 0x05, 0x00};
static const char observation_json[] =
    "{\"tick\":7,\"energy\":25,\"units\":[{\"id\":3,\"owner\":0,\"pos\":{\"x\":2,\"y\":1},\"hp\":10},"
    "{\"id\":9,\"owner\":1,\"pos\":{\"x\":3,\"y\":1},\"hp\":4}],\"cores\":[{\"owner\":0,\"pos\":"
    "{\"x\":1,\"y\":1},\"hp\":200}],\"rejected\":[{\"index\":1,\"action\":{\"Move\":{\"unit\":3,"
    "\"dir\":\"East\"}},\"reason\":\"MoveCollided\"}],\"eliminated\":[]}";

static const uint8_t match_info_postcard[] = {
    0x01, 0x00, 0x02, 0xac, 0x02, 0x05, 0x03, 0x03, 0x05, 0x23, 0x23, 0x23, 0x23, 0x23,
    0x05, 0x23, 0x41, 0x2a, 0x42, 0x23, 0x05, 0x23, 0x23, 0x23, 0x23, 0x23, 0x01, 0x02,
    0x01, 0x02, 0x00, 0x01, 0x01, 0x01, 0x03, 0x01, 0xc8, 0x01, 0x0a, 0x02, 0x0a, 0x1e,
    0x01, 0x01, 0x19, 0x31, 0x32, 0xf4, 0x03, 0x80, 0x84, 0xaf, 0x5f, 0x80, 0xda, 0xc4,
    0x09, 0x40, 0x80, 0x80, 0x04, 0x10, 0x80, 0x02, 0x80, 0x80, 0x80, 0x20};
/* Whitespace and a different field order are allowed in JSON. */
static const char match_info_json[] =
    "{\"abi_version\":1,\"you\":0,\"players\":2,\"seed\":300,\"width\":5,\"height\":3,"
    "\"rows\":[\"#####\",\"#A*B#\",\"#####\"],\"sources\":[{\"x\":2,\"y\":1}],\"cores\":"
    "[{\"owner\":0,\"pos\":{\"x\":1,\"y\":1}},{\"owner\":1,\"pos\":{\"x\":3,\"y\":1}}],"
    "\"rules\":{\"core_hp\":200,\"unit_hp\":10,\"unit_damage\":2,\"unit_cost\":10,"
    "\"start_energy\":30,\"core_income\":1,\"harvest_amount\":1,\"unit_vision2\":25,"
    "\"core_vision2\":49,\"max_units\":50},\"limits\":{ \"max_ticks\" : 500,"
    "\"tick_fuel\":20000000,\"init_fuel\":200000000,\"max_actions\":64,"
    "\"max_output_bytes\":65536,\"max_log_lines\":16,\"max_log_line_bytes\":256,"
    "\"max_memory_bytes\":67108864}}";

static const uint8_t actions_postcard[] = {0x02, 0x02, 0x03, 0x01, 0x00, 0x02};
static const char actions_json[] = "[{\"Attack\":{\"unit\":3,\"dir\":\"East\"}},{\"Spawn\":{\"dir\":\"South\"}}]";

static ls_match_info info;
static ls_observation obs;
static uint8_t copy[4096];

static void test_observation(const uint8_t *bytes, uint32_t len) {
    CHECK(ls_decode_observation(bytes, len, &obs) == LS_OK);
    CHECK(obs.tick == 7 && obs.energy == 25);
    CHECK(obs.unit_count == 2);
    CHECK(obs.units[0].id == 3 && obs.units[0].owner == 0 && obs.units[0].pos.x == 2 &&
          obs.units[0].pos.y == 1 && obs.units[0].hp == 10);
    CHECK(obs.units[1].id == 9 && obs.units[1].owner == 1 && obs.units[1].pos.x == 3 &&
          obs.units[1].hp == 4);
    CHECK(obs.core_count == 1 && obs.cores[0].owner == 0 && obs.cores[0].pos.x == 1 &&
          obs.cores[0].hp == 200);
    CHECK(obs.rejected_count == 1 && obs.rejected[0].index == 1);
    CHECK(obs.rejected[0].action.kind == LS_MOVE && obs.rejected[0].action.unit == 3 &&
          obs.rejected[0].action.dir == LS_EAST);
    CHECK(obs.rejected[0].reason == LS_MOVE_COLLIDED);
    CHECK(obs.eliminated_count == 0);

    /* Every shorter prefix is refused, and so is one byte more. */
    for (uint32_t n = 0; n < len; n++) CHECK(ls_decode_observation(bytes, n, &obs) != LS_OK);
    memcpy(copy, bytes, len);
    copy[len] = ls_encoding == 0 ? 0x00 : 'x';
    CHECK(ls_decode_observation(copy, len + 1, &obs) == LS_ERR_TRAILING);
}

static void test_match_info(const uint8_t *bytes, uint32_t len) {
    CHECK(ls_decode_match_info(bytes, len, &info) == LS_OK);
    CHECK(info.abi_version == 1 && info.you == 0 && info.players == 2 && info.seed == 300);
    CHECK(info.width == 5 && info.height == 3);
    CHECK(memcmp(info.cells, "#####" "#A*B#" "#####", 15) == 0);
    CHECK(info.source_count == 1 && info.sources[0].x == 2 && info.sources[0].y == 1);
    CHECK(info.core_count == 2 && info.cores[1].owner == 1 && info.cores[1].pos.x == 3);
    CHECK(info.rules.core_hp == 200 && info.rules.unit_hp == 10 && info.rules.unit_damage == 2);
    CHECK(info.rules.unit_cost == 10 && info.rules.start_energy == 30);
    CHECK(info.rules.core_income == 1 && info.rules.harvest_amount == 1);
    CHECK(info.rules.unit_vision2 == 25 && info.rules.core_vision2 == 49);
    CHECK(info.rules.max_units == 50);
    CHECK(info.limits.max_ticks == 500 && info.limits.init_fuel == 200000000);
    CHECK(info.limits.tick_fuel == 20000000 && info.limits.max_actions == 64);
    CHECK(info.limits.max_output_bytes == 65536 && info.limits.max_log_lines == 16);
    CHECK(info.limits.max_log_line_bytes == 256 && info.limits.max_memory_bytes == 67108864);
}

static void test_actions(const uint8_t *expected, uint32_t len) {
    ls_action actions[2] = {{LS_ATTACK, LS_EAST, 3}, {LS_SPAWN, LS_SOUTH, 0}};
    uint8_t out[256];
    uint32_t written = 0;
    CHECK(ls_encode_actions(actions, 2, out, sizeof out, &written) == LS_OK);
    CHECK(written == len && memcmp(out, expected, len) == 0);
    if (written != len || memcmp(out, expected, len) != 0)
        fprintf(stderr, "  got %u bytes: %.*s\n", written, (int)written, (const char *)out);
    CHECK(ls_encode_actions(actions, 0, out, sizeof out, &written) == LS_OK);
    CHECK(written == (ls_encoding == 0 ? 1u : 2u));
    CHECK(ls_encode_actions(actions, 2, out, 3, &written) == LS_ERR_OUTPUT_FULL);
}

static void test_eliminated(void) {
    static const uint8_t postcard[] = {1, 0, 0, 0, 0, 2, 1, 3};
    static const char json[] =
        "{\"tick\":1,\"energy\":0,\"units\":[],\"cores\":[],\"rejected\":[],\"eliminated\":[1,3]}";
    if (ls_encoding == 0) CHECK(ls_decode_observation(postcard, sizeof postcard, &obs) == LS_OK);
    else CHECK(ls_decode_observation((const uint8_t *)json, sizeof json - 1, &obs) == LS_OK);
    CHECK(obs.eliminated_count == 2 && obs.eliminated[0] == 1 && obs.eliminated[1] == 3);
}

static void test_postcard_ranges(void) {
    /* A u16 (width) of 65,536 is out of range. */
    uint8_t wide[sizeof match_info_postcard + 2];
    memcpy(wide, match_info_postcard, 5);
    wide[5] = 0x80, wide[6] = 0x80, wide[7] = 0x04;
    memcpy(wide + 8, match_info_postcard + 6, sizeof match_info_postcard - 6);
    CHECK(ls_decode_match_info(wide, sizeof wide, &info) == LS_ERR_RANGE);
    /* Reason 11 does not exist. */
    memcpy(copy, observation_postcard, sizeof observation_postcard);
    copy[24] = 11;
    CHECK(ls_decode_observation(copy, sizeof observation_postcard, &obs) == LS_ERR_RANGE);
}

int main(void) {
    test_eliminated();
    if (ls_encoding == 0) {
        test_observation(observation_postcard, sizeof observation_postcard);
        test_match_info(match_info_postcard, sizeof match_info_postcard);
        test_actions(actions_postcard, sizeof actions_postcard);
        test_postcard_ranges();
    } else {
        test_observation((const uint8_t *)observation_json, sizeof observation_json - 1);
        test_match_info((const uint8_t *)match_info_json, sizeof match_info_json - 1);
        test_actions((const uint8_t *)actions_json, sizeof actions_json - 1);
    }
    if (failures) {
        fprintf(stderr, "codec test (%s): %d check(s) failed\n", ls_encoding ? "json" : "postcard", failures);
        return 1;
    }
    printf("codec test (%s): all checks passed\n", ls_encoding ? "json" : "postcard");
    return 0;
}

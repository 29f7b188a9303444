# bot_test.py: checks bot.py on a small hand-made map, inside the same
# Python runtime as a match. There are no modules to import, so the test is
# appended to the bot (test.sh does it), takes over init() to run the checks,
# and makes init fail if one does. tick() then plays nothing.
#
#   ./test.sh    (or by hand: cat bot.py bot_test.py > all.py, then
#                 lockstep match all.py idle --ticks 1 --json, and read the log)

bot_init = init
bot_tick = tick


class Data:
    """A stand-in for the runtime's MatchInfo and Observation objects:
    fields read as attributes (info.rules.unit_cost), plus `"key" in data`."""

    def __init__(self, **fields):
        for name, value in fields.items():
            setattr(self, name, value)

    def __contains__(self, name):
        return hasattr(self, name)


# Two cores, a source by each, open floor between.
ROWS = [
    "##############",
    "#A...........#",
    "#*...........#",
    "#............#",
    "#............#",
    "#............#",
    "#...........*#",
    "#...........B#",
    "##############",
]


def xy(x, y):
    return Data(x=x, y=y)


def match_info(you):
    return Data(
        abi_version=1, you=you, players=2, seed=1, width=len(ROWS[0]), height=len(ROWS), rows=ROWS,
        sources=[xy(1, 2), xy(12, 6)],
        cores=[Data(owner=0, pos=xy(1, 1)), Data(owner=1, pos=xy(12, 7))],
        rules=Data(core_hp=200, unit_hp=10, unit_damage=2, unit_cost=10, start_energy=30,
                   core_income=1, harvest_amount=1, unit_vision2=25, core_vision2=49, max_units=50),
        limits=Data(max_ticks=500, init_fuel=200000000, tick_fuel=20000000, max_actions=256,
                    max_output_bytes=65536, max_log_lines=16, max_log_line_bytes=256,
                    max_memory_bytes=67108864),
    )


def unit(id, owner, x, y, hp=10):
    return Data(id=id, owner=owner, pos=xy(x, y), hp=hp)


def observation(tick, energy, units):
    return Data(tick=tick, energy=energy, units=units, rejected=[], eliminated=[],
                cores=[Data(owner=0, pos=xy(1, 1), hp=200), Data(owner=1, pos=xy(12, 7), hp=200)])


def orders_of(actions, id):
    """The orders for unit `id`, or the spawn orders with id None."""
    found = []
    for action in actions:
        for order in action.values():
            if order.get("unit") == id:
                found.append(action)
    return found


def expect(actual, wanted):
    if actual != wanted:
        raise AssertionError(f"got {actual}, wanted {wanted}")


TESTS = []


def test(check):
    TESTS.append(check)
    return check


@test
def a_field_counts_steps_round_walls():
    bot_init(match_info(0))
    field = Field([cell_of(xy(2, 1))]).build()
    expect(field.steps[cell_of(xy(5, 1))], 3)
    expect(field.steps[cell_of(xy(1, 3))], 3)  # round the source at (1, 2)
    expect(field.steps[cell_of(xy(0, 0))], WALL)  # a wall
    expect(field.steps[cell_of(xy(1, 2))], WALL)  # the source


@test
def the_map_is_read_cell_by_cell():
    bot_init(match_info(0))
    expect(floor[cell_of(xy(2, 1))], True)
    expect(floor[cell_of(xy(1, 1))], False)  # our core
    expect(floor[cell_of(xy(13, 4))], False)  # the east wall
    expect(floor[cell_of(xy(13, 4)) + 1], False)  # the border round the map
    expect(floor_around(cell_of(xy(1, 1))), [cell_of(xy(2, 1))])


@test
def a_field_can_be_built_a_slice_at_a_time():
    bot_init(match_info(0))
    whole = Field([cell_of(xy(2, 1))]).build()
    sliced = Field([cell_of(xy(2, 1))])
    slices = 0
    while not sliced.done:
        sliced.build(10)
        slices += 1
    expect(sliced.steps, whole.steps)
    expect(slices > 5, True)


@test
def a_short_field_stops_at_max_steps():
    bot_init(match_info(0))
    field = Field([cell_of(xy(2, 1))], 2).build()
    expect(field.steps[cell_of(xy(4, 1))], 2)
    expect(field.steps[cell_of(xy(5, 1))], FAR)


@test
def open_floor_is_never_cut():
    bot_init(match_info(0))
    expect(is_cut(cell_of(xy(5, 4))), False)  # open floor all round
    expect(is_cut(cell_of(xy(1, 3))), False)  # a corner: its two sides meet diagonally
    expect(is_cut(cell_of(xy(2, 2))), False)


@test
def the_harvest_spots_are_near_home():
    bot_init(match_info(0))
    expect(len(spots) >= 2, True)
    expect(spots[0].cell, cell_of(xy(2, 2)))  # east of our source, one step from the core's side
    expect(DIRECTIONS[spots[0].dir], "West")


@test
def the_core_spawns_when_it_can_afford_a_unit():
    bot_init(match_info(0))
    expect(orders_of(bot_tick(observation(0, 30, [])), None), [{"Spawn": {"dir": "East"}}])
    expect(orders_of(bot_tick(observation(1, 9, [])), None), [])


@test
def the_first_unit_walks_to_the_source_and_harvests():
    bot_init(match_info(0))
    expect(orders_of(bot_tick(observation(1, 0, [unit(1, 0, 2, 1)])), 1),
           [{"Move": {"unit": 1, "dir": "South"}}])
    expect(orders_of(bot_tick(observation(2, 0, [unit(1, 0, 2, 2)])), 1),
           [{"Harvest": {"unit": 1, "dir": "West"}}])


@test
def a_unit_next_to_the_enemy_core_hits_it():
    bot_init(match_info(0))
    expect(orders_of(bot_tick(observation(50, 0, [unit(7, 0, 11, 7)])), 7),
           [{"Attack": {"unit": 7, "dir": "East"}}])


@test
def a_unit_hits_the_weakest_enemy_unit_next_to_it():
    bot_init(match_info(0))
    units = [unit(5, 0, 6, 4), unit(8, 1, 7, 4), unit(9, 1, 6, 3, 3)]
    expect(orders_of(bot_tick(observation(50, 0, units)), 5),
           [{"Attack": {"unit": 5, "dir": "North"}}])


@test
def a_waiting_soldier_goes_for_an_intruder_near_home():
    bot_init(match_info(0))
    # Unit 1 harvests, unit 2 is a soldier at the rally point; an enemy comes.
    bot_tick(observation(10, 0, [unit(1, 0, 2, 2), unit(2, 0, 5, 2)]))
    units = [unit(1, 0, 2, 2), unit(2, 0, 5, 2), unit(9, 1, 5, 4)]
    expect(orders_of(bot_tick(observation(11, 0, units)), 2),
           [{"Move": {"unit": 2, "dir": "South"}}])


def init(info):
    # The bot's own print() lines would crowd out ours (16 lines a call are
    # kept): a module-level `print` hides the builtin from the bot's code,
    # and the results go out through log(), which writes a line too.
    global print
    print = lambda *args: None
    failed = []
    for check in TESTS:
        try:
            check()
        except Exception as e:
            failed.append(check.__name__)
            log(f"FAIL {check.__name__}: {type(e).__name__}: {e}")
    del print
    log(f"{len(TESTS) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise AssertionError(f"{len(failed)} test(s) failed")


def tick(obs):
    return []

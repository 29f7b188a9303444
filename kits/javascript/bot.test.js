// bot.test.js: checks bot.js on small hand-made maps, inside the same
// JavaScript runtime as a match. There are no modules, so the test is
// appended to the bot (test.sh does it), takes over init() to run the checks,
// and makes init fail if one does. tick() then plays nothing.
//
//   ./test.sh    (or by hand: cat bot.js bot.test.js > all.js, then
//                 lockstep match all.js idle --ticks 1 --json, and read the log)

const botInit = init;
const botTick = tick;

// Two cores, a source by each, open floor between.
const ROWS = [
  "##############",
  "#A...........#",
  "#*...........#",
  "#............#",
  "#............#",
  "#............#",
  "#...........*#",
  "#...........B#",
  "##############",
];

const matchInfo = (you) => ({
  abi_version: 1, you, players: 2, seed: 1, width: ROWS[0].length, height: ROWS.length, rows: ROWS,
  sources: [{ x: 1, y: 2 }, { x: 12, y: 6 }],
  cores: [{ owner: 0, pos: { x: 1, y: 1 } }, { owner: 1, pos: { x: 12, y: 7 } }],
  rules: { core_hp: 200, unit_hp: 10, unit_damage: 2, unit_cost: 10, start_energy: 30, core_income: 1,
    harvest_amount: 1, unit_vision2: 25, core_vision2: 49, max_units: 50 },
  limits: { max_ticks: 500, init_fuel: 200000000, tick_fuel: 20000000, max_actions: 256,
    max_output_bytes: 65536, max_log_lines: 16, max_log_line_bytes: 256, max_memory_bytes: 67108864 },
});

const unit = (id, owner, x, y, hp = 10) => ({ id, owner, pos: { x, y }, hp });
const observation = (tick, energy, units) => ({
  tick, energy, units, rejected: [], eliminated: [],
  cores: [{ owner: 0, pos: { x: 1, y: 1 }, hp: 200 }, { owner: 1, pos: { x: 12, y: 7 }, hp: 200 }],
});
// The orders for one unit (or the spawn, with id undefined), as JSON text.
const ordersOf = (actions, id) =>
  JSON.stringify(actions.filter((a) => Object.values(a)[0].unit === id));

const tests = {
  "a field counts steps round walls"() {
    botInit(matchInfo(0));
    const field = new Field([cellOf({ x: 2, y: 1 })]).build();
    expect(field.steps[cellOf({ x: 5, y: 1 })], 3);
    expect(field.steps[cellOf({ x: 1, y: 3 })], 3); // round the source at (1, 2)
    expect(field.steps[cellOf({ x: 0, y: 0 })], WALL); // a wall
    expect(field.steps[cellOf({ x: 1, y: 2 })], WALL); // the source
  },
  "the map is read cell by cell"() {
    botInit(matchInfo(0));
    expect(floor[cellOf({ x: 2, y: 1 })], 1);
    expect(floor[cellOf({ x: 1, y: 1 })], 0); // our core
    expect(floor[cellOf({ x: 13, y: 4 })], 0); // the east wall
    expect(floor[cellOf({ x: 13, y: 4 }) + 1], 0); // the border round the map
    expect(floorAround(cellOf({ x: 1, y: 1 })).join(), [cellOf({ x: 2, y: 1 })].join());
  },
  "a field can be built a slice at a time"() {
    botInit(matchInfo(0));
    const whole = new Field([cellOf({ x: 2, y: 1 })]).build();
    const sliced = new Field([cellOf({ x: 2, y: 1 })]);
    let slices = 0;
    while (!sliced.done) {
      sliced.build(10);
      slices++;
    }
    expect(sliced.steps.join(), whole.steps.join());
    expect(slices > 5, true);
  },
  "the core spawns when it can afford a unit"() {
    botInit(matchInfo(0));
    expect(ordersOf(botTick(observation(0, 30, [])), undefined), '[{"Spawn":{"dir":"East"}}]');
    expect(ordersOf(botTick(observation(1, 9, [])), undefined), "[]");
  },
  "the first unit walks to the source and harvests"() {
    botInit(matchInfo(0));
    expect(ordersOf(botTick(observation(1, 0, [unit(1, 0, 2, 1)])), 1), '[{"Move":{"unit":1,"dir":"South"}}]');
    expect(ordersOf(botTick(observation(2, 0, [unit(1, 0, 2, 2)])), 1), '[{"Harvest":{"unit":1,"dir":"West"}}]');
  },
  "a unit next to the enemy core hits it"() {
    botInit(matchInfo(0));
    expect(ordersOf(botTick(observation(50, 0, [unit(7, 0, 11, 7)])), 7), '[{"Attack":{"unit":7,"dir":"East"}}]');
  },
  "a unit hits the weakest enemy unit next to it"() {
    botInit(matchInfo(0));
    const units = [unit(5, 0, 6, 4), unit(8, 1, 7, 4), unit(9, 1, 6, 3, 3)];
    expect(ordersOf(botTick(observation(50, 0, units)), 5), '[{"Attack":{"unit":5,"dir":"North"}}]');
  },
  "a waiting soldier goes for an intruder near home"() {
    botInit(matchInfo(0));
    // Unit 1 harvests, unit 2 is a soldier at the rally point; an enemy comes.
    botTick(observation(10, 0, [unit(1, 0, 2, 2), unit(2, 0, 5, 2)]));
    const units = [unit(1, 0, 2, 2), unit(2, 0, 5, 2), unit(9, 1, 5, 4)];
    expect(ordersOf(botTick(observation(11, 0, units)), 2), '[{"Move":{"unit":2,"dir":"South"}}]');
  },
};

function expect(actual, wanted) {
  if (actual !== wanted) throw new Error(`got ${actual}, wanted ${wanted}`);
}

globalThis.init = () => {
  const log = console.log;
  console.log = () => {}; // the bot's own lines would crowd out ours (16 a call)
  const failed = [];
  for (const [name, test] of Object.entries(tests)) {
    try {
      test();
    } catch (e) {
      failed.push(name);
      log(`FAIL ${name}: ${e.message}`);
    }
  }
  console.log = log;
  console.log(`${Object.keys(tests).length - failed.length} passed, ${failed.length} failed`);
  if (failed.length > 0) throw new Error(`${failed.length} test(s) failed`);
};
globalThis.tick = () => [];

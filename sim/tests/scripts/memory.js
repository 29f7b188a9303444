// Hostile: a list that grows forever, 4 MiB at a time, kept across ticks.
// QuickJS's memory limit throws "out of memory" before the host's cap.
const hoard = [];
function tick(observation) {
  for (;;) hoard.push(new ArrayBuffer(4 << 20));
}

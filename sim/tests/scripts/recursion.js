// Hostile: unbounded recursion. QuickJS's stack limit throws a RangeError
// before the host's stack limit is reached.
const down = (n) => down(n + 1) + 1;
function tick(observation) {
  return down(0);
}

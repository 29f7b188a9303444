// Hostile: an endless loop in every tick. The runtime's fuel guard stops it
// with an uncatchable InternalError at 90% of the tick's budget.
function tick(observation) {
  for (;;) {}
}

// Hostile: an exception every tick.
function tick(observation) {
  throw new Error(`no orders on tick ${observation.tick}`);
}

// Hostile: one native step longer than a whole tick (the fuel guard only
// looks between steps), so the host cuts the call off inside the
// interpreter. The next call starts the script again from its source.
let calls = 0;
function tick(observation) {
  calls += 1;
  console.log(`tick ${observation.tick}: call ${calls} since the script started`);
  if (observation.tick === 2) new Array(1000000).fill(0).sort();
  return [];
}

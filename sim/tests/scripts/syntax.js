// Hostile: a syntax error, refused at check and upload.
function tick(observation) {
  const orders = [;
  return orders;
}

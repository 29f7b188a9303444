# Hostile: an exception every tick.
def tick(observation):
    raise ValueError("no orders on tick " + str(observation.tick))

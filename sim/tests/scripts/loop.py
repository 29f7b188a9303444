# Hostile: an endless loop in every tick. The runtime's fuel guard stops it
# with a TimeoutError at 90% of the tick's budget.
def tick(observation):
    while True:
        pass

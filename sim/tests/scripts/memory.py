# Hostile: a list that grows forever, 100,000 items at a time, kept
# across ticks.
hoard = []


def tick(observation):
    while True:
        hoard.append([0] * 100000)

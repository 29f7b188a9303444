# Hostile: unbounded recursion: a RecursionError, not a crash.
def down(n):
    return down(n + 1) + 1


def tick(observation):
    return down(0)

# Hostile: one built-in step longer than a whole tick (the fuel guard only
# looks between bytecodes), so the host cuts the call off inside the
# interpreter. The next call resets the interpreter's stack; globals stay.
calls = 0


def tick(observation):
    global calls
    calls += 1
    print("tick", observation.tick, "call", calls)
    if observation.tick == 2:
        [0] * 30000000
    return []

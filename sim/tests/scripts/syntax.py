# Hostile: a syntax error, refused at check and upload.
def tick(observation):
    orders = [
    return orders

"""Source simulator: a deterministic world of the four source systems, and servers for it."""

"""The bad-input corpus: malformed deliveries of the four sources and their expected outcomes."""

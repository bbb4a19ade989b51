"""The console adapter: the whole bot in a terminal, one member at a time."""

"""Qt-free core: reading checkpoints and analysing them. Never imports Qt."""

"""Analyses: pure functions from event frames to result frames. They never print."""

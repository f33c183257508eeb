"""Screens of the TUI; each has its .tcss beside it."""

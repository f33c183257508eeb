"""Reusable widgets: the turn view with its stage panels, code view, status line, prompt input."""

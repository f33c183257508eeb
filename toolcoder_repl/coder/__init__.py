"""The ToolCoder stages and the turn pipeline."""

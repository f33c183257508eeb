"""Errors the user can act on: the CLI prints them as one line with an exit code."""

from __future__ import annotations


class ToolcoderError(Exception):
    """A problem the user can fix; its message says what to do.

    exit_code follows DESIGN.md: 1 the task failed, 2 bad usage or configuration.
    """

    exit_code = 2


class UsageError(ToolcoderError):
    exit_code = 2


class ConfigError(ToolcoderError):
    exit_code = 2


class ModelError(ToolcoderError):
    """The model could not be loaded, reached or asked (bad spec, missing file, refused...)."""

    exit_code = 2


class TaskFailed(ToolcoderError):
    exit_code = 1

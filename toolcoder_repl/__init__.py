"""toolcoder-repl: a chat-style terminal assistant for code-centric tool learning."""

__version__ = "0.1.0"

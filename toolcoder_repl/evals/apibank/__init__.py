"""API-Bank's 53 APIs as an offline REST service on loopback: the embedded demo toolset.

registry (the API table and the result envelope), state (per-instance databases), one module
per family (accounts, agenda, health, finance, home, misc, searcher), openapi (generated
document), server (HTTP), service (started on demand), register (first-run toolset), replay
(recorded calls vs. this implementation).
"""

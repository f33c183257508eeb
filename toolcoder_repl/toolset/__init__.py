"""The tool catalogue: OpenAPI/Swagger import, Python stubs, HTTP execution, tool search.

Submodules are imported directly (`from toolcoder_repl.toolset.catalog import Catalog`) so that
importing this package stays cheap.
"""

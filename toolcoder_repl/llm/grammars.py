"""GBNF grammars the coder uses with llama.cpp so small local models emit parseable output.

Other backends ignore grammars (`supports_grammar` is False); the prompts ask for the same
shapes, and the parsers in `coder/` stay tolerant either way.
"""

from __future__ import annotations

import json
from typing import Any

# One fenced Python block and nothing else: "```python\n", one or more lines, "```", end.
# Lines may be blank; a line never starts with a backtick, so the closing fence is unambiguous.
PYTHON_CODE_BLOCK = r"""
root ::= "```python\n" line+ "```"
line ::= ([^`\n] [^\n]*)? "\n"
"""

# A fenced block holding a function: up to 8 import lines, a `def` line, then anything. Every
# coder stage answers with a function, so small models cannot drift into prose. (The preamble is
# bounded and has no blank lines: an unbounded one lets a model loop there until max_tokens.)
PYTHON_FUNCTION_BLOCK = r"""
root    ::= "```python\n" pre{0,8} defline line* "```"
pre     ::= ("import " | "from ") [^\n]* "\n"
defline ::= "def " [A-Za-z_] [A-Za-z0-9_]{0,60} "(" [^\n]* "\n"
line    ::= ([^`\n] [^\n]*)? "\n"
"""

# Any JSON object. Whitespace is bounded (unbounded whitespace lets small models loop forever),
# numbers have bounded digits, as in llama.cpp's own json.gbnf.
JSON_OBJECT = r"""
root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null")
object ::= "{" ws ( member ( "," ws member )* )? "}"
member ::= string ":" ws value ws
array  ::= "[" ws ( value ws ( "," ws value ws )* )? "]"
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\""
number ::= "-"? ( [0-9] | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,15} )? ( [eE] [-+]? [0-9]{1,3} )?
ws     ::= | " " | "\n" [ \t]{0,20}
"""


# llama-cpp-python's converter (0.3.x) lets raw control characters into strings, which strict
# JSON parsers reject (a tiny model emitted "\n" inside a string 17 times in 20); tighten it.
_LOOSE_CHAR = r'char ::= [^"\\] |'
_STRICT_CHAR = r'char ::= [^"\\\x7F\x00-\x1F] |'


def json_schema_grammar(schema: dict[str, Any]) -> str:
    """GBNF text accepting exactly the JSON documents `schema` describes (llama.cpp's converter)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(json.dumps(schema)).replace(_LOOSE_CHAR, _STRICT_CHAR)

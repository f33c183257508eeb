"""Tolerant parsing of model output: code blocks, scaffolds, plans and runnable programs.

Models wrap code in fences or not, add prose before and after, split code over several blocks,
or stop mid-block. Everything here works on whatever came back and raises ParseError (with a
reason the retry prompt can quote) only when no usable code is present.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
from dataclasses import dataclass, field

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+.-]*)[^\n]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)",
                    re.DOTALL | re.MULTILINE)
_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL)
_CODE_START = re.compile(r"^(def |async def |class |import |from \w|@|#|[A-Za-z_][\w.]*\s*=[^=]|"
                         r"[A-Za-z_][\w.]*\()")
_STEP = re.compile(r"#\s*Step\s*(\d+)\s*[:.)-]?\s*(.*)", re.IGNORECASE)
_DOTTED = r"(?<![\w.'\"])([A-Za-z_]\w*)\.([A-Za-z_]\w*)"
_DOTTED_CALL = re.compile(_DOTTED + r"\s*\(")
_DOTTED_ANY = re.compile(_DOTTED)
_KNOWN_GLOBALS = set(dir(builtins)) | set(sys.stdlib_module_names) | {"ToolError", "self", "cls"}
PY_LANGS = {"", "python", "py", "python3", "py3"}


class ParseError(ValueError):
    """The reply holds no usable code; str(exc) is the reason, quoted in the retry prompt."""


@dataclass
class CodeBlock:
    lang: str
    code: str


def strip_reasoning(text: str) -> str:
    return _THINK.sub("", text)


def code_blocks(text: str) -> list[CodeBlock]:
    """Fenced blocks in order; an unterminated last fence runs to the end of the text."""
    return [CodeBlock(m.group(2).lower(), m.group(3).rstrip()) for m in _FENCE.finditer(text)]


def parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def bare_code(text: str) -> str | None:
    """Code written without fences, possibly between lines of prose."""
    text = text.strip()
    if not text:
        return None
    if parses(text) and _CODE_START.match(text):
        return text
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if _CODE_START.match(line)]
    for start in starts[:5]:
        for end in range(len(lines), start, -1):
            chunk = "\n".join(lines[start:end]).strip()
            if chunk and parses(chunk):
                return chunk
    return None


def candidates(text: str) -> list[str]:
    """Python code candidates, best source first: fenced python blocks, other fences, bare."""
    text = strip_reasoning(text)
    blocks = code_blocks(text)
    out = [b.code for b in blocks if b.lang in PY_LANGS and b.code.strip()]
    out += [b.code for b in blocks if b.lang not in PY_LANGS and b.code.strip()]
    if not out:
        bare = bare_code(text)
        if bare:
            out.append(bare)
    return out


def _expect_text(text: str) -> None:
    if not text.strip():
        raise ParseError("the reply was empty")


# -- scaffold -----------------------------------------------------------------------------------
@dataclass
class Scaffold:
    code: str
    name: str
    params: list[str]  # "name: type = default" as written
    returns: str
    docstring: str
    call: str  # expression calling the function with concrete arguments ("" if none given)

    @property
    def signature(self) -> str:
        ret = f" -> {self.returns}" if self.returns else ""
        return f"def {self.name}({', '.join(self.params)}){ret}"


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    out = []
    for arg, default in zip(positional, defaults, strict=True):
        out.append(_param(arg, default))
    if a.vararg:
        out.append("*" + _param(a.vararg, None))
    elif a.kwonlyargs:
        out.append("*")
    for arg, default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        out.append(_param(arg, default))
    if a.kwarg:
        out.append("**" + _param(a.kwarg, None))
    return out


def _param(arg: ast.arg, default: ast.expr | None) -> str:
    text = arg.arg
    if arg.annotation is not None:
        text += f": {ast.unparse(arg.annotation)}"
    if default is not None:
        text += (" = " if arg.annotation is not None else "=") + ast.unparse(default)
    return text


def signature_of(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    ret = f" -> {ast.unparse(fn.returns)}" if fn.returns is not None else ""
    return f"def {fn.name}({', '.join(_params(fn))}){ret}"


def _parse_lenient(code: str) -> ast.Module | None:
    """ast.parse, also accepting a def whose body was left out entirely."""
    for attempt in (code, code.rstrip() + "\n    pass\n"):
        try:
            return ast.parse(attempt)
        except (SyntaxError, ValueError):
            continue
    return None


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def find_call(tree: ast.Module, name: str) -> str:
    """The last top-level statement calling `name`, as an expression ("" when there is none)."""
    for node in reversed(tree.body):
        value = None
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr)):
            value = node.value
        if value is None:
            continue
        for sub in ast.walk(value):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == name:
                return ast.unparse(sub)
    return ""


def parse_scaffold(text: str) -> Scaffold:
    _expect_text(text)
    for code in candidates(text) or [text]:
        tree = _parse_lenient(code)
        if tree is None:
            continue
        fns = _functions(tree)
        if not fns:
            continue
        # The scaffold's function is the one called at the bottom, else the last one defined.
        fn = next((f for f in reversed(fns) if find_call(tree, f.name)), fns[-1])
        return Scaffold(code=code.strip(), name=fn.name, params=_params(fn),
                        returns=ast.unparse(fn.returns) if fn.returns is not None else "",
                        docstring=ast.get_docstring(fn) or "", call=find_call(tree, fn.name))
    raise ParseError("no Python function definition (`def name(...) -> type:`) was found")


# -- tool references ----------------------------------------------------------------------------
def _local_names(code: str) -> set[str]:
    tree = _parse_lenient(code)
    names: set[str] = set()
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                names.add(node.name)
        return names
    # Pseudocode that is not valid Python: approximate with patterns.
    for m in re.finditer(r"^\s*([A-Za-z_][\w\s,]*?)\s*(?:\+|-|\*)?=(?!=)", code, re.MULTILINE):
        names.update(n.strip() for n in m.group(1).split(","))
    for m in re.finditer(r"\bfor\s+([\w\s,()]+?)\s+in\b", code):
        names.update(re.findall(r"\w+", m.group(1)))
    for m in re.finditer(r"\b(?:def|class)\s+(\w+)\s*\(([^)]*)\)?", code):
        names.add(m.group(1))
        names.update(re.findall(r"(?:^|,)\s*\*{0,2}(\w+)", m.group(2)))
    for m in re.finditer(r"\b(?:import|as)\s+(\w+)", code):
        names.add(m.group(1))
    return names


def _split_comments(code: str) -> tuple[str, str]:
    """(code without comments, comment text); good enough for finding references."""
    code_lines, comments = [], []
    for line in code.splitlines():
        idx = line.find("#")
        if idx >= 0 and line.count('"', 0, idx) % 2 == 0 and line.count("'", 0, idx) % 2 == 0:
            code_lines.append(line[:idx])
            comments.append(line[idx:])
        else:
            code_lines.append(line)
    return "\n".join(code_lines), "\n".join(comments)


def tool_references(code: str, toolsets: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """Tools a piece of code (or pseudocode) names: (known qualnames, unknown names), in order.

    `toolsets` maps toolset name -> its tool names. A call `x.y(...)` counts as a tool reference
    when `x` is a toolset, or when `x` is not a local variable, a builtin or a standard module
    (an invented toolset). A bare call to a tool's short name that the code does not define is
    unknown too: tools must be called through their toolset.
    """
    body, comments = _split_comments(code)
    local = _local_names(code)
    short = {t for tools in toolsets.values() for t in tools}
    known: list[str] = []
    unknown: list[str] = []

    def add(lst: list[str], name: str) -> None:
        if name not in lst:
            lst.append(name)

    for m in _DOTTED_CALL.finditer(body):
        owner, attr = m.groups()
        if owner in toolsets:
            add(known if attr in toolsets[owner] else unknown, f"{owner}.{attr}")
        elif owner not in local and owner not in _KNOWN_GLOBALS:
            add(unknown, f"{owner}.{attr}")
    for m in _DOTTED_ANY.finditer(comments):
        owner, attr = m.groups()
        if owner in toolsets:
            add(known if attr in toolsets[owner] else unknown, f"{owner}.{attr}")
    for m in re.finditer(r"(?<![\w.])([A-Za-z_]\w*)\s*\(", body):
        name = m.group(1)
        if name in short and name not in local and name not in toolsets:
            add(unknown, name)
    return known, unknown


# -- plan ---------------------------------------------------------------------------------------
@dataclass
class Plan:
    code: str
    steps: list[str]
    tools: list[str] = field(default_factory=list)  # known qualnames, in order of mention
    unknown: list[str] = field(default_factory=list)


def parse_plan(text: str, toolsets: dict[str, set[str]]) -> Plan:
    _expect_text(text)
    found = candidates(text)
    code = found[0] if found else strip_reasoning(text).strip()
    if len(found) > 1:  # steps split over several blocks: keep every block that has steps
        with_steps = [c for c in found if _STEP.search(c)]
        if with_steps:
            code = "\n\n".join(with_steps)
    steps = [m.group(2).strip() for m in _STEP.finditer(code)]
    if not steps:
        raise ParseError("no `# Step N:` comments were found in the plan")
    known, unknown = tool_references(code, toolsets)
    return Plan(code=code.strip(), steps=steps, tools=known, unknown=unknown)


# -- runnable program ---------------------------------------------------------------------------
@dataclass
class Program:
    code: str  # exactly what runs (and what is shown: traceback lines refer to it)
    entry: str | None  # expression evaluated after the code for the result
    main: str  # the function answering the question ("" when none)
    functions: list[str]


def _score(tree: ast.Module, main: str) -> int:
    names = [f.name for f in _functions(tree)]
    return (4 if main in names else 0) + (2 if main and find_call(tree, main) else 0) + len(names)


def parse_program(text: str, main: str = "", fallback_call: str = "",
                  known: frozenset[str] | set[str] = frozenset()) -> Program:
    """The code to run, and how to get its result.

    The result is the variable the last top-level statement assigns; a bare final call (or
    `print(call)`) is turned into `result = call` on the same lines, so line numbers stay.
    """
    _expect_text(text)
    trees = []
    for code in candidates(text):
        try:
            trees.append((code.strip(), ast.parse(code)))
        except (SyntaxError, ValueError):
            continue
    if not trees:
        found = candidates(text)
        if found and re.search(r"^\s*def \w+", found[0], re.MULTILINE):
            # Broken Python is still code: run it, the SyntaxError traceback drives repair.
            return Program(code=found[0].strip(), entry=None, main=main, functions=[])
        raise ParseError("no Python code block was found")
    trees.sort(key=lambda ct: _score(ct[1], main), reverse=True)
    code, tree = trees[0]
    defined = [f.name for f in _functions(tree)]
    lacks_def = main and main not in defined and any(main in [f.name for f in _functions(t)]
                                                     for _, t in trees)
    lacks_call = main and not find_call(tree, main) and any(find_call(t, main) for _, t in trees)
    if len(trees) > 1 and (lacks_def or lacks_call):
        # Code split over several blocks (helpers, the function, the call): run them together.
        trees.sort(key=lambda ct: text.find(ct[0]))
        code = "\n\n".join(c for c, t in trees if _functions(t) or (main and find_call(t, main)))
        tree = ast.parse(code)
        defined = [f.name for f in _functions(tree)]
    if not defined:
        # Calling a saved (preloaded) function directly is a complete program too.
        reused = [n for n in known if find_call(tree, n)]
        if not reused:
            raise ParseError("the code defines no function")
        main = main if main in reused else reused[0]
    elif not main or main not in defined:
        called = [f for f in reversed(defined) if find_call(tree, f)]
        main = called[0] if called else defined[-1]
    code, entry = _with_result(code, tree, main, fallback_call)
    return Program(code=code, entry=entry, main=main, functions=defined)


def _with_result(code: str, tree: ast.Module, main: str, fallback_call: str) -> tuple[str, str | None]:
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name):
        if any(isinstance(n, ast.Call) for n in ast.walk(last.value)):
            return code, last.targets[0].id
    if isinstance(last, ast.AnnAssign) and isinstance(last.target, ast.Name) and last.value is not None:
        return code, last.target.id
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        call = last.value
        lines = code.splitlines()
        first = lines[last.lineno - 1]
        if (isinstance(call.func, ast.Name) and call.func.id == "print" and len(call.args) == 1
                and not call.keywords and first.startswith("print(")):
            lines[last.lineno - 1] = "result = (" + first[len("print("):]
            return "\n".join(lines), "result"
        if last.col_offset == 0 and not (isinstance(call.func, ast.Name) and call.func.id == "print"):
            lines[last.lineno - 1] = "result = " + first
            return "\n".join(lines), "result"
    if find_call(tree, main):
        # The call happened earlier (e.g. followed by prints); evaluate it once more is wrong:
        # so look for the variable it was assigned to.
        for node in reversed(tree.body):
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                            and n.func.id == main for n in ast.walk(node.value))):
                return code, node.targets[0].id
    return code, fallback_call or None


def called_names(code: str) -> set[str]:
    """Names of functions the code calls directly (`name(...)`)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set(re.findall(r"(?<![\w.])([A-Za-z_]\w*)\s*\(", code))
    return {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def numbered(code: str) -> str:
    lines = code.splitlines()
    width = len(str(len(lines)))
    return "\n".join(f"{i:>{width}} | {line}" for i, line in enumerate(lines, 1))

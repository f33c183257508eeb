"""Tolerant parsing of model replies."""

from __future__ import annotations

import pytest

from toolcoder_repl.coder.parsing import (
    ParseError,
    candidates,
    parse_plan,
    parse_program,
    parse_scaffold,
    tool_references,
)
from toolcoder_repl.coder.prompts import names, render

TOOLSETS = {"tmdb": {"search_person", "person_movie_credits"}}


def test_fenced_bare_and_unterminated_code():
    assert candidates("prose\n```python\nx = 1\n```\nmore") == ["x = 1"]
    assert candidates("Sure:\n\ndef f():\n    return 1\n\nThat is all.") == ["def f():\n    return 1"]
    assert candidates("```py\ndef f():\n    return 1\n") == ["def f():\n    return 1"]
    assert candidates("<think>```python\nbad\n```</think>```python\ngood = 1\n```") == ["good = 1"]


def test_scaffold_with_prose_defaults_and_pass_less_body():
    s = parse_scaffold('Scaffold:\n```python\ndef get_count(name: str, page: int = 1) -> int:\n'
                       '    """Count things."""\n    pass\n\nresult = get_count("Sofia")\n```\nDone.')
    assert (s.name, s.params, s.returns, s.docstring) == ("get_count", ["name: str", "page: int = 1"],
                                                          "int", "Count things.")
    assert s.call == "get_count('Sofia')"
    assert s.signature == "def get_count(name: str, page: int = 1) -> int"
    s = parse_scaffold("def f(x: int) -> str:\n")  # no body at all
    assert s.name == "f" and s.call == ""
    with pytest.raises(ParseError):
        parse_scaffold("I can't do that.")
    with pytest.raises(ParseError, match="empty"):
        parse_scaffold("  ")


def test_plan_steps_and_tool_references():
    plan = parse_plan('```python\ndef f(name):\n    # Step 1: find with tmdb.search_person\n'
                      '    people = tmdb.search_person(query=name)\n'
                      '    # Step 2: credits via tmdb.movie_credits\n'
                      '    x = imdb.lookup(people)\n    y = search_person(name)\n'
                      '    return people.get("x"), json.dumps(x), "a".join(y)\n```', TOOLSETS)
    assert plan.steps == ["find with tmdb.search_person", "credits via tmdb.movie_credits"]
    assert plan.tools == ["tmdb.search_person"]
    assert plan.unknown == ["imdb.lookup", "tmdb.movie_credits", "search_person"]
    # Comment-only plans (not valid Python) still parse.
    plan = parse_plan("def f(a):\n    # Step 1: call tmdb.search_person\n    # Step 2: count", TOOLSETS)
    assert plan.tools == ["tmdb.search_person"] and len(plan.steps) == 2
    with pytest.raises(ParseError, match="Step"):
        parse_plan("```python\ndef f():\n    return 1\n```", TOOLSETS)


def test_locals_are_not_tools():
    known, unknown = tool_references("def f(resp):\n    data = resp.json()\n    for item in data.items():\n"
                                     "        item.strip()\n", TOOLSETS)
    assert known == [] and unknown == []


def test_program_result_variable_print_and_bare_call():
    p = parse_program("```python\ndef main(a):\n    return a\n\nanswer = main(3)\n```", "main")
    assert p.entry == "answer" and p.code.endswith("answer = main(3)")
    p = parse_program("```python\ndef main(a):\n    return a\n\nprint(main(3))\n```", "main")
    assert p.entry == "result" and p.code.endswith("result = (main(3))")
    p = parse_program("def main(a):\n    return a\n\nmain(3)", "main")
    assert p.entry == "result" and p.code.splitlines()[-1] == "result = main(3)"
    p = parse_program("def main(a):\n    return a", "main", fallback_call="main(4)")
    assert p.entry == "main(4)"


def test_program_split_over_blocks_is_joined_in_order():
    text = ("Helpers:\n```python\ndef helper(x):\n    return x\n```\nMain:\n```python\n"
            "def main(a):\n    return helper(a)\n```\nCall:\n```python\nresult = main(2)\n```")
    p = parse_program(text, "main")
    assert p.functions == ["helper", "main"] and p.entry == "result"
    assert p.code.index("def helper") < p.code.index("def main") < p.code.index("result = main(2)")


def test_program_calling_only_a_saved_function():
    p = parse_program("```python\nresult = count_movies('x')\n```", "count_movies",
                      known={"count_movies"})
    assert p.main == "count_movies" and p.entry == "result" and p.functions == []
    with pytest.raises(ParseError):
        parse_program("```python\nresult = count_movies('x')\n```", "count_movies")


def test_prompts_render_every_placeholder():
    assert {"scaffold", "plan", "replan", "implement", "review", "reflect_replan", "answer",
            "single", "retry", "system", "library"} <= set(names())
    text = render("retry", reason="it {{was}} empty", expected="code")
    assert "it {{was}} empty" in text
    with pytest.raises(KeyError):
        render("retry", reason="x")

"""Generate the student stub from the reference solution.

The reference ``solutions/kmeans.py`` marks its solution regions::

    ### BEGIN SOLUTION hint: one sentence that points the student the right way.
    ...solution code...
    ### END SOLUTION

Inside a function, a region becomes the hint (as a comment) and
``raise NotImplementedError("<function> is not implemented yet")``; docstrings and the code
outside regions are kept. A region at module level (helpers only the reference uses) is removed.
Unbalanced or nested markers, a malformed marker or a function region without a hint raise
:class:`MarkerError` naming the line.
"""

import re
import textwrap

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?:[ \t]+hint:[ \t]*(?P<hint>.*?))?[ \t]*$")
END = re.compile(r"^[ \t]*### END SOLUTION[ \t]*$")
DEF = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?P<name>\w+)")
MARKER_WORDS = re.compile(r"\b(BEGIN|END)[ \t_-]*SOLUTION\b", re.IGNORECASE)

HEADER = (
    "# Your K-means assignment: write your code where it says `raise NotImplementedError`.\n"
    "# (Generated from the reference by `python -m autograder stub`.)\n"
)
WIDTH = 100


class MarkerError(ValueError):
    """A solution marker is unbalanced, nested, malformed or missing its hint."""


def make_stub(source: str, filename: str = "solutions/kmeans.py") -> str:
    """Return the student version of ``source`` with every solution region replaced."""
    out = [HEADER]
    defs = []  # (indent, name) of the functions seen so far outside regions
    region = None  # (line number, indent, hint, function) of the open region
    for lineno, line in enumerate(source.splitlines(keepends=True), 1):
        where = f"{filename}:{lineno}"
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if region:
                raise MarkerError(f"{where}: BEGIN SOLUTION inside the region opened at line "
                                  f"{region[0]}: solution regions cannot nest")
            indent, hint = begin["indent"], begin["hint"]
            function = next((name for ind, name in reversed(defs) if len(ind) < len(indent)), None)
            if indent and function is None:
                raise MarkerError(f"{where}: an indented solution region must be inside a function")
            if indent and not hint:
                raise MarkerError(f"{where}: a solution region inside {function}() needs a hint: "
                                  f"`### BEGIN SOLUTION hint: <one sentence>`")
            region = (lineno, indent, hint, function)
        elif end:
            if region is None:
                raise MarkerError(f"{where}: END SOLUTION without a BEGIN SOLUTION")
            _, indent, hint, function = region
            if indent:
                out.append(_replacement(indent, hint, function))
            region = None
        elif MARKER_WORDS.search(line):
            raise MarkerError(f"{where}: malformed solution marker {line.strip()!r}: write "
                              f"`### BEGIN SOLUTION hint: ...` or `### END SOLUTION` on a line of its own")
        elif region is None:
            if found := DEF.match(line):
                defs.append((found["indent"], found["name"]))
            out.append(line)
    if region:
        raise MarkerError(f"{filename}:{region[0]}: BEGIN SOLUTION is never closed by END SOLUTION")
    return _squeeze_blank_lines("".join(out))


def _replacement(indent: str, hint: str, function: str) -> str:
    comment = textwrap.fill(f"Hint: {hint}", width=WIDTH - len(indent) - 2,
                            break_on_hyphens=False)
    lines = [f"{indent}# {text}\n" for text in comment.splitlines()]
    lines.append(f'{indent}raise NotImplementedError("{function} is not implemented yet")\n')
    return "".join(lines)


def _squeeze_blank_lines(text: str) -> str:
    """Removing module-level regions can leave runs of blank lines: keep at most two."""
    return re.sub(r"\n{4,}", "\n\n\n", text)

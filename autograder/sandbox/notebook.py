"""Turn a notebook into a module, inside the sandbox: the grader never parses untrusted source.

The rule, in one sentence: from the code cells, in order, the imports (but of the module itself,
which the prelude stands for), the function and class definitions and the assignments (plain, augmented, or to an item or attribute) are run as a
module, each assignment dropped if it fails or takes more than a second of CPU (it was analysis,
such as loading data the grader does not have); every other statement (calls, loops, prints,
plots), IPython magics and shell lines never run.

What went wrong, and what was dropped, come back as data (a key and facts, see
:class:`NotebookError` and :func:`run`'s notes), which the caller words for the student.

Runs in the worker (copied beside it): standard library, and nbformat to read the notebook.
"""

import ast
import json
import re
import signal

KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
ASSIGNMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign)
ASSIGNMENT_SECONDS = 1.0
MAX_TEXT = 100_000  # characters of the module's text sent back (a reply's header is 1 MiB)
MAX_NOTES = 20


class NotebookError(Exception):
    """The notebook cannot be read as a module: ``what`` is why ("not utf-8", "too nested",
    "invalid", "syntax", "too large", "none defined"), with its facts; the message is both as
    JSON, for the caller to word."""

    def __init__(self, what: str, **facts):
        super().__init__(json.dumps({"what": what, **facts}))


class _TooLong(BaseException):
    pass


def code_cells(data: bytes) -> list[tuple[str, str] | None]:
    """(source, label) of each code cell, None for the others (nbformat reads every version,
    upgrading to 4). The label names the cell as Jupyter shows it: ``In [n]`` where it has an
    execution count, else "the n-th code cell" (counting code cells only)."""
    import nbformat

    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise NotebookError("not utf-8") from None
    except RecursionError:
        raise NotebookError("too nested") from None
    except Exception as error:  # nbformat raises many kinds for a broken notebook
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        raise NotebookError("invalid", error=type(error).__name__[:100], detail=first) from None
    sources, code = [], 0
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            source, count = cell.get("source", ""), cell.get("execution_count")
            code += 1
            sources.append((source if isinstance(source, str) else "", label(code, count)))
        else:
            sources.append(None)
    return sources


def label(ordinal: int, count=None) -> str:
    """A code cell as Jupyter shows it: ``In [3]``, or "the 2nd code cell" if never run."""
    if type(count) is int and count > 0:
        return f"In [{count}]"
    suffix = "th" if 10 <= ordinal % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        ordinal % 10, "th")
    return f"the {ordinal}{suffix} code cell"


def defines(node) -> list[str]:
    """The names an assignment binds (plain names, and the object of an item or attribute)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = []
    for target in targets:
        for inner in ast.walk(target):
            if isinstance(inner, ast.Name) and inner.id not in names:
                names.append(inner.id)
    return names[:20]


DEFINED = re.compile(r"^[ \t]*(?:def|class)[ \t]+(\w+)|^(\w+)[ \t]*(?:[-+*/]?=[^=])", re.M)


def seemingly_defined(source: str) -> list[str]:
    """The names a cell that does not parse appears to define (``def f``, ``x = ...``)."""
    names = []
    for found in DEFINED.finditer(source):
        name = found[1] or found[2]
        if name not in names:
            names.append(name)
    return names[:20]


def run(data: bytes, name: str, module: dict, expected=()) -> tuple[list[dict], str]:
    """Run the notebook's module part in ``module``; return notes on what was dropped (each a
    dict: ``what`` "skipped" or "dropped", ``cell`` (the cell's label, see :func:`label`),
    ``line``, ``names`` (what the statement would have defined), and for "dropped" ``raised``,
    the exception's name, or None when it took too long), and the text of what ran (the
    student's own lines, for comparing submissions)."""
    notes, defined, texts, kept = [], set(), [], 0
    for cell in code_cells(data):
        if cell is None:
            continue
        source, called = cell  # what Jupyter shows the cell as
        lines = ["" if line.lstrip().startswith(("%", "!")) else line
                 for line in source.splitlines()]
        where = f"{name}, {called}"
        try:
            tree = ast.parse("\n".join(lines), filename=where)
        except SyntaxError as error:
            graded = [g for g in expected if f"def {g}(" in source]
            if graded:
                raise NotebookError("syntax", cell=called, line=error.lineno,
                                    message=str(error.msg)[:200], function=graded[0]) from None
            if len(notes) < MAX_NOTES:
                notes.append({"what": "skipped", "cell": called, "line": error.lineno,
                              "names": seemingly_defined(source)})
            continue
        except (RecursionError, MemoryError, ValueError):
            raise NotebookError("too large", cell=called) from None
        for node in tree.body:
            if _imports_itself(node, module.get("__name__")):
                continue  # the prelude defines what it would bring
            if isinstance(node, KEPT + ASSIGNMENTS) and kept < MAX_TEXT:
                texts.append("\n".join(lines[node.lineno - 1:node.end_lineno]))
                kept += len(texts[-1])
            if isinstance(node, KEPT):
                _execute(node, where, module)
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    defined.add(node.name)
            elif isinstance(node, ASSIGNMENTS):
                try:
                    _execute(node, where, module, ASSIGNMENT_SECONDS)
                except (Exception, _TooLong) as error:
                    raised = None if isinstance(error, _TooLong) else type(error).__name__
                    if len(notes) < MAX_NOTES:
                        notes.append({"what": "dropped", "cell": called, "line": node.lineno,
                                      "raised": raised, "names": defines(node)})
    if expected and not defined.intersection(expected):
        raise NotebookError("none defined", expected=list(expected))
    return notes, "\n\n".join(texts)[:MAX_TEXT]


def _imports_itself(node, name) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name == name for alias in node.names)
    return isinstance(node, ast.ImportFrom) and node.module == name and not node.level


def _execute(node, where: str, module: dict, seconds: float | None = None) -> None:
    code = compile(ast.Module(body=[node], type_ignores=[]), where, "exec")
    if seconds is None:
        exec(code, module)
        return

    def stop(*_):
        raise _TooLong()

    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        exec(code, module)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)

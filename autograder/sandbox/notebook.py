"""Turn a notebook into a module, inside the sandbox: the grader never parses untrusted source.

The rule, in one sentence: from the code cells, in order, the imports (but of the module itself,
which the prelude stands for), the function and class definitions and the assignments (plain, augmented, or to an item or attribute) are run as a
module, each assignment dropped if it fails or takes more than a second of CPU (it was analysis,
such as loading data the grader does not have); every other statement (calls, loops, prints,
plots), IPython magics and shell lines never run.

Runs in the worker (copied beside it): standard library, and nbformat to read the notebook.
"""

import ast
import signal

KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
ASSIGNMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign)
ASSIGNMENT_SECONDS = 1.0
MAX_TEXT = 100_000  # characters of the module's text sent back (a reply's header is 1 MiB)
MAX_NOTES = 20


class NotebookError(Exception):
    """The notebook cannot be read as a module; the message says why, for the student."""


class _TooLong(BaseException):
    pass


def code_cells(data: bytes, name: str) -> list[str]:
    """The source of each code cell (nbformat reads every version, upgrading to 4)."""
    import nbformat

    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise NotebookError(f"{name} is not UTF-8 text, so it is not a notebook.") from None
    except RecursionError:
        raise NotebookError(f"{name} is nested too deeply to be a notebook.") from None
    except Exception as error:  # nbformat raises many kinds for a broken notebook
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        raise NotebookError(f"{name} is not a valid notebook ({type(error).__name__}"
                            f"{': ' + first if first else ''}).") from None
    sources = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            sources.append(source if isinstance(source, str) else "")
        else:
            sources.append(None)
    return sources


def run(data: bytes, name: str, module: dict, expected=()) -> tuple[list[str], str]:
    """Run the notebook's module part in ``module``; return notes on what was dropped, and the
    text of what ran (the student's own lines, for comparing submissions)."""
    notes, defined, texts, kept = [], set(), [], 0
    for number, source in enumerate(code_cells(data, name), 1):
        if source is None:
            continue
        lines = ["" if line.lstrip().startswith(("%", "!")) else line
                 for line in source.splitlines()]
        where = f"{name}, cell {number}"
        try:
            tree = ast.parse("\n".join(lines), filename=where)
        except SyntaxError as error:
            graded = [g for g in expected if f"def {g}(" in source]
            if graded:
                raise NotebookError(f"{where}, line {error.lineno}: a syntax error ({error.msg}) "
                                    f"in the cell that defines {graded[0]}.") from None
            if len(notes) < MAX_NOTES:
                notes.append(f"{where} has a syntax error (line {error.lineno}) and was skipped.")
            continue
        except (RecursionError, MemoryError, ValueError):
            raise NotebookError(f"{where} is too deeply nested or too large to read.") from None
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
                    why = "took too long" if isinstance(error, _TooLong) else \
                        f"raised {type(error).__name__}"
                    if len(notes) < MAX_NOTES:
                        notes.append(f"{where}, line {node.lineno}: an assignment that {why} "
                                     f"was taken for analysis and dropped.")
    if expected and not defined.intersection(expected):
        raise NotebookError(f"{name} defines none of the graded functions "
                            f"({', '.join(expected)}) in its code cells: write them there, or "
                            f"submit a .py file.")
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

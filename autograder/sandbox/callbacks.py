"""Call-backs: functions of the grader's that answer, during one call, for the module's own.

A call given :class:`CallBacks` asks the worker to put proxies in the module's globals for each
of its names (worker.py); the module's code then calls them as its own, and each call crosses
back as a call-back frame (protocol.py) that the grader answers with its function, so none of
the grader's code enters the worker. What the worker sends is from an attacker: a call-back to a
name not offered, beyond ``most_calls`` in one call, with more than ``most_arguments``, or not
well formed is :class:`protocol.FrameError` (the call's outcome is then Malformed); arguments
the grader's function will not take are refused (:class:`Refused`), which the proxy raises in
the worker. The grader's time answering is not counted against the call's wall-clock budget.
"""

import collections
import time

from . import protocol


class Refused(Exception):
    """Raised by a grader's function for arguments it will not take: the proxy in the worker
    raises ``kind`` (one of protocol.REFUSALS) with this message."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind if kind in protocol.REFUSALS else "RuntimeError"


class CallBackFault(RuntimeError):
    """A grader's function failed otherwise than by refusing: the grader's fault."""


class CallBacks:
    """The grader's functions offered to one or more calls: ``functions`` maps each name the
    module's globals get a proxy for to the function that answers for it. ``calls`` counts what
    was asked, by name, as the grader saw it (nothing the worker reports)."""

    def __init__(self, functions: dict, most_calls: int = 200, most_arguments: int = 8):
        self.functions = dict(functions)
        self.most_calls, self.most_arguments = most_calls, most_arguments
        self.calls = collections.Counter()  # over every call these were offered to
        self.in_call = 0  # call-backs in the call now running
        self.seconds = 0.0  # wall-clock seconds the grader spent answering, in that call

    @property
    def names(self) -> list[str]:
        return sorted(self.functions)

    def begin(self) -> None:
        """A call starts: its own count of call-backs, and of the grader's time."""
        self.in_call, self.seconds = 0, 0.0

    def answer(self, header: dict, arrays: dict) -> tuple[dict, dict]:
        """The answer frame (header, arrays) to a call-back frame; FrameError if it is
        malformed or one too many."""
        name = protocol.field(header, "callback", str)
        if name not in self.functions:
            raise protocol.FrameError(f"a call-back to {name[:50]!r}, which was not offered")
        self.in_call += 1
        if self.in_call > self.most_calls:
            raise protocol.FrameError(f"more than {self.most_calls} call-backs in one call")
        args = protocol.field(header, "args", list)
        kwargs = protocol.field(header, "kwargs", dict)
        if len(args) + len(kwargs) > self.most_arguments:
            raise protocol.FrameError(f"a call-back with more than {self.most_arguments} "
                                      f"arguments")
        args = [protocol.decode_call_argument(a, arrays) for a in args]
        kwargs = {protocol.text(k)[:50]: protocol.decode_call_argument(v, arrays)
                  for k, v in kwargs.items()}
        self.calls[name] += 1
        started = time.monotonic()
        try:
            value = self.functions[name](*args, **kwargs)
            out = {}
            return {"answer": protocol.encode(value, out)}, out
        except Refused as refused:
            return {"refused": {"type": refused.kind, "message": str(refused)[:500]}}, {}
        except Exception as error:  # noqa: BLE001 - the grader's own bug, never the module's
            raise CallBackFault(f"the grader's {name} failed: {type(error).__name__}: "
                                f"{error}") from error
        finally:
            self.seconds += time.monotonic() - started

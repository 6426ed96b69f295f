"""One place that turns the compiler's expected failures into one-line diagnostics.

Users of a compiler expect `tool: error: <what> <where> <why>` and a non-zero exit, never a
Python traceback. Every exception type that signals bad input (a malformed model, an
unsupported op, an inconsistent shape, an IR verification failure) is listed here.
"""

import os
import sys
from collections.abc import Callable
from typing import NoReturn

from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException

EXIT_BAD_INPUT = 2


def user_error_types() -> tuple[type[BaseException], ...]:
    from tinyslm_ir.analysis.tiling.errors import TilingInfeasibleError
    from tinyslm_ir.frontend.onnx_importer import OnnxImportError
    from tinyslm_ir.reference.interpreter import InterpreterError
    from tinyslm_ir.targets.siracusa.errors import SimError

    # SimError: a missing toolchain, a failed build or a trapping program; each message already
    # names the tool or the fault, which tells the user more than a traceback would.
    return (OnnxImportError, InterpreterError, ParseError, VerifyException, DiagnosticException,
            FileNotFoundError, ValueError, SimError, TilingInfeasibleError)


def fail(tool: str, message: str) -> NoReturn:
    first, *rest = str(message).strip().splitlines() or [""]
    print(f"{tool}: error: {first}", file=sys.stderr)
    for line in rest:
        print(line, file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def run_reporting_errors(tool: str, body: Callable[[], int | None]) -> int:
    """Run `body`; report bad-input exceptions as one diagnostic and exit code 2.

    Set TINYSLM_TRACEBACK=1 to get the traceback instead, when debugging the compiler itself.
    """
    try:
        return body() or 0
    except user_error_types() as e:
        if os.environ.get("TINYSLM_TRACEBACK"):
            raise
        fail(tool, str(e))

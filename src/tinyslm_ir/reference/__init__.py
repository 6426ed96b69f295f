"""numpy reference interpreter of the `graph` dialect: the golden model.

Integer semantics are exact and follow `shared/specs/quantlib-integer-ops.md`; see
`interpreter.run_module` for the entry point and `numerics` for the value conventions.
"""

from tinyslm_ir.reference.errors import IntegerWrapWarning, InterpreterError
from tinyslm_ir.reference.interpreter import run_module

__all__ = ["IntegerWrapWarning", "InterpreterError", "run_module"]

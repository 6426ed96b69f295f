"""Memory planners: greedy, canonical search and CP-SAT, and `plan_memory` that combines them."""

from tinyslm_ir.analysis.planners.canonical_search import canonical_search
from tinyslm_ir.analysis.planners.cpsat import CpSatResult, Status, solve_cpsat
from tinyslm_ir.analysis.planners.driver import DEFAULT_ALIGNMENT, plan_memory
from tinyslm_ir.analysis.planners.greedy import greedy_plan

__all__ = [
    "DEFAULT_ALIGNMENT",
    "CpSatResult",
    "Status",
    "canonical_search",
    "greedy_plan",
    "plan_memory",
    "solve_cpsat",
]

"""Comparison of computed outputs with expected ones.

Integer outputs must match exactly; float outputs within an absolute tolerance (Deeploy's
threshold is 1e-4, spec §10.5). Values are compared, not dtypes: the test data store integers
as int64 while the compiler produces int8/uint8/int32.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

FLOAT_ATOL = 1e-4


@dataclass
class Comparison:
    match: bool
    mismatches: int
    max_abs_err: float
    details: list[str] = field(default_factory=list)


def compare_outputs(actual: Sequence[np.ndarray], expected: Sequence[np.ndarray],
                    atol: float = FLOAT_ATOL) -> Comparison:
    details: list[str] = []
    mismatches, max_err = 0, 0.0
    if len(actual) != len(expected):
        details.append(f"{len(actual)} outputs computed, {len(expected)} expected")
    for i, (a, e) in enumerate(zip(actual, expected, strict=False)):
        if a.size != e.size:
            details.append(f"output_{i}: shape {a.shape} vs expected {e.shape}")
            mismatches += max(a.size, e.size)
            continue
        av = a.reshape(e.shape).astype(np.float64)
        ev = e.astype(np.float64)
        err = np.abs(av - ev)
        exact = np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_
        bad = int(np.count_nonzero(err > (0 if exact else atol)))
        if bad:
            details.append(f"output_{i}: {bad} of {e.size} elements differ "
                           f"(max abs err {float(err.max()):g})")
        mismatches += bad
        max_err = max(max_err, float(err.max()) if err.size else 0.0)
    match = mismatches == 0 and len(actual) == len(expected)
    return Comparison(match, mismatches, max_err, details)

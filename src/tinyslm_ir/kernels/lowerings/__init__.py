"""Lowerings of graph ops to kernel calls, one module per op family.

Importing this package registers every lowering with `catalog.lowering`; `views` holds the
shape/stride helpers they share.
"""

from tinyslm_ir.kernels.lowerings import (  # noqa: F401
    contraction,
    conv_pool,
    elementwise,
    integer,
    movement,
    reduction,
)

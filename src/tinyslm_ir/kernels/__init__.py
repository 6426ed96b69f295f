"""The kernel catalogue: how each graph op is computed by the C kernel library.

The C sources live in `targets/siracusa/runtime/kernels/` and are shared by the Siracusa and
host targets. This package is their interface as the compiler sees it: for a graph op it says
which kernel functions to call, with which buffers and parameters, or why none fits.
"""

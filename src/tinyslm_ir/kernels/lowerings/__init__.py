"""Lowerings of graph ops to kernel calls, one module per op family."""

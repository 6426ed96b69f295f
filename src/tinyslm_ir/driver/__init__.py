"""The compiler driver: ONNX -> generated C + weights + build products in a directory, and
running that directory on a target. `tinyslm compile/run/test-net` are thin layers over it.

- `artifacts`: what a compiled directory holds (`manifest.json` and friends);
- `compile`: import, the backend pipeline, the C printer, the target build;
- `run`: feed inputs to a compiled directory, collect outputs and the cycle report.
"""

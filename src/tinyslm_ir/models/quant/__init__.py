"""Internals of the post-training quantizer (`tinyslm_ir.models.quantize` is the API).

- `scales`: symmetric int8 scales and RequantShift constants;
- `calibrate`: value ranges of the float graph on sample inputs (reference observer hook);
- `qgraph`: quantized values and the integer-graph builder;
- `patterns`: GELU / RMSNorm subgraph recognisers;
- `rewrite` + `handlers`: the float -> integer graph rewrite, one handler per op class;
- `report`: accuracy of the integer model against the float model.
"""

"""Rewrite a calibrated float graph into the QuantLib integer operator set.

The source function is walked once, in order. Each float value maps to an entry of `env`:
a `QTensor` (quantized activation), a numpy array (a float constant, quantized by whoever
uses it), a raw integer SSA value (token ids and other integer inputs), or a `Pending`
reason (a float-only value such as `erf(x/√2)` that is fine as long as a pattern consumes it
and nothing else does). An activation consumed as int8 is requantized to the calibrated
scale of the float value it stands for, once per value (`Rewriter.act`).

Operator mapping (spec sections in brackets):
- MatMul/Gemm with a constant operand: int8 weights (per output channel or per tensor),
  int32 accumulation; the bias, `alpha` and later scalar Mul/Div fold into the next
  RequantShift [§1]. Activation x activation products (Q·Kᵀ, P·V, SwiGLU) multiply int8
  (uint8 for probabilities) operands exactly.
- Add/Sub of two activations: both int8 operands scaled to a common fine scale by integer
  multiplies, added in int32, requantized by the consumer.
- Softmax -> RequantShift to a scale where ln 2 is a whole number of steps, then iSoftmax
  [§2] with I-BERT coefficients; output uint8 at 1/255.
- LayerNormalization -> iLayerNorm [§7.2], RMSNormalization (or its decomposed form) ->
  iRMSNorm [§3]; the affine weights become integers over a power-of-two `D`.
- GELU (graph.gelu or x·½·(1+erf(x/√2))) -> iGELU [§7.3]; SiLU (x·sigmoid(x)) -> iHardswish
  [§4] with its breakpoint fitted to SiLU, as microLlama replaces SiLU.
- Data movement (Transpose, Reshape, Slice, Concat, Split, Expand, Gather) keeps scales.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, TensorType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.frontend.input_types import dtype_of_element_type
from tinyslm_ir.frontend.weights import WeightStore
from tinyslm_ir.models.quant.calibrate import Ranges
from tinyslm_ir.models.quant.qgraph import Builder, QTensor, QuantizeError
from tinyslm_ir.models.quant.scales import scale_from_absmax


@dataclass(frozen=True)
class Pending:
    """A float value with no integer form of its own (consumed by a pattern, if at all)."""

    reason: str


@dataclass(frozen=True)
class QuantConfig:
    """Options of the quantizer.

    `per_channel`: one weight scale per output channel (else one per tensor).
    `silu_breakpoint`: None fits the iHardswish breakpoint c (x·clip(x/2c + 1/2, 0, 1)) to SiLU
    over each gate's calibrated range; a number fixes it (3 is the true hardswish).
    `norm_input_bits`: width of iLayerNorm/iRMSNorm inputs (8 or 16). Transformer residual
    streams carry outlier channels tens of times larger than the rest; at 8 bits the other
    channels keep 1-2 significant bits and the normalised output loses them (MiniLM: cosine
    0.73 at 8 bits). The norm kernels compute in int64, so 16-bit inputs cost nothing extra;
    float graph inputs consumed only by norms arrive as int16 too.
    """

    per_channel: bool = True
    silu_breakpoint: float | None = None
    norm_input_bits: int = 16


@dataclass(frozen=True)
class IOSpec:
    """How the host converts one graph input or output: `scale` None means pass-through."""

    name: str
    scale: float | None
    dtype: np.dtype


Entry = QTensor | np.ndarray | SSAValue | Pending
Handler = Callable[["Rewriter", Operation], None]
HANDLERS: dict[type[Operation], Handler] = {}


def handles(*ops: type[Operation]) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for op in ops:
            HANDLERS[op] = fn
        return fn
    return register


class Rewriter:
    """State of one quantization: the float function, its ranges, the integer function."""

    def __init__(self, fn: func.FuncOp, weights: WeightStore, ranges: Ranges,
                 config: QuantConfig):
        self.fn, self.ranges, self.config = fn, ranges, config
        self.float_weights = weights
        self.env: dict[SSAValue, Entry] = {}
        self.int8: dict[SSAValue, QTensor] = {}
        self.wide_cache: dict[SSAValue, QTensor] = {}
        self.out = Builder(Block(), WeightStore())
        self.inputs: list[IOSpec] = []
        self.outputs: list[IOSpec] = []

    # -- entry points -------------------------------------------------------------------------

    def run(self, input_names: list[str], output_names: list[str]) -> func.FuncOp:
        for arg, name in zip(self.fn.body.block.args, input_names, strict=True):
            self._add_input(arg, name)
        for op in self.fn.body.block.ops:
            if isinstance(op, func.ReturnOp):
                return self._finish(op, output_names)
            handler = HANDLERS.get(type(op))
            if handler is None:
                for r in op.results:
                    self.env[r] = Pending(f"'{op.name}' has no integer form")
                continue
            try:
                handler(self, op)
            except QuantizeError as e:  # fine unless something needs these results
                for r in op.results:
                    self.env[r] = Pending(str(e))
            except (gs.ShapeError, ValueError) as e:
                raise QuantizeError(f"{self.describe(op)}: {e}") from e
        raise QuantizeError("the function has no func.return")

    def _add_input(self, arg: SSAValue, name: str) -> None:
        t = arg.type
        assert isinstance(t, TensorType)
        elt = t.get_element_type()
        if gs.is_int(elt):
            new = self.out.block.insert_arg(t, len(self.out.block.args))
            self.env[arg] = new
            self.inputs.append(IOSpec(name, None, np.dtype(_np_int(elt))))
            return
        norms_only = all(isinstance(u.operation, g.LayerNormOp | g.RMSNormOp) and u.index == 0
                         for u in arg.uses)
        bits = self.config.norm_input_bits if norms_only else 8
        scale = float(scale_from_absmax(self.ranges[arg], 2 ** (bits - 1) - 1))
        new = self.out.block.insert_arg(g.tensor(g.shape_of(t), IntegerType(bits)),
                                        len(self.out.block.args))
        new.name_hint = arg.name_hint
        q = QTensor(new, np.asarray(scale), None, 2 ** (bits - 1))
        self.env[arg] = q
        (self.wide_cache if bits != 8 else self.int8)[arg] = q
        self.inputs.append(IOSpec(name, scale, np.dtype(f"int{bits}")))

    def _finish(self, ret: func.ReturnOp, names: list[str]) -> func.FuncOp:
        results = []
        for v, name in zip(ret.operands, names, strict=True):
            entry = self.env.get(v)
            if isinstance(entry, SSAValue):
                results.append(entry)
                self.outputs.append(IOSpec(name, None, np.dtype(_np_int(g.elem_of(entry.type)))))
                continue
            q = self.act(v)
            results.append(q.value)
            self.outputs.append(IOSpec(name, float(q.scale), np.dtype(_np_int(q.element))))
        self.out.block.add_op(func.ReturnOp(*results))
        types = ([a.type for a in self.out.block.args], [r.type for r in results])
        return func.FuncOp(self.fn.sym_name.data, types, Region(self.out.block))

    # -- services for the handlers ------------------------------------------------------------

    @staticmethod
    def describe(op: Operation) -> str:
        hints = [r.name_hint for r in op.results if r.name_hint]
        return f"{op.name} (%{hints[0]})" if hints else op.name

    def name(self, op: Operation) -> str:
        hint = next((r.name_hint for r in op.results if r.name_hint), None)
        return f"q_{hint}" if hint else f"q_{op.name.split('.')[-1]}"

    def scale_of(self, v: SSAValue) -> np.ndarray:
        """The calibrated int8 scale of float value `v`."""
        if v not in self.ranges.absmax:
            raise QuantizeError(f"value %{v.name_hint or '?'} was never observed in calibration")
        return scale_from_absmax(self.ranges[v])

    def entry(self, v: SSAValue) -> Entry:
        return self.env[v]

    def const(self, v: SSAValue) -> np.ndarray | None:
        e = self.env.get(v)
        return e if isinstance(e, np.ndarray) else None

    def qtensor(self, v: SSAValue, user: str) -> QTensor:
        e = self.env[v]
        if isinstance(e, QTensor):
            return e
        if isinstance(e, Pending):
            raise QuantizeError(f"{user} needs %{v.name_hint or '?'}: {e.reason}")
        raise QuantizeError(f"{user}: operand %{v.name_hint or '?'} is not a float activation")

    def wide(self, v: SSAValue, user: str) -> QTensor:
        """Float value `v` as a `norm_input_bits` integer at its calibrated range: the input
        of a normalisation, whose small channels drown next to outlier channels at 8 bits."""
        bits = self.config.norm_input_bits
        if bits == 8:
            return self.act(v, user)
        if v not in self.wide_cache:
            q = self.qtensor(v, user)
            scale = float(scale_from_absmax(self.ranges[v], 2 ** (bits - 1) - 1))
            self.wide_cache[v] = self.out.requant(q, scale, f"rq_{v.name_hint or 'v'}",
                                                  bits=bits)
        return self.wide_cache[v]

    def act(self, v: SSAValue, user: str = "the graph output") -> QTensor:
        """Float value `v` as int8 at its calibrated scale (requantized once, then shared)."""
        if v not in self.int8:
            q = self.qtensor(v, user)
            if q.is_int8():
                self.int8[v] = q
            else:
                self.int8[v] = self.out.requant(q, float(self.scale_of(v)),
                                                f"rq_{v.name_hint or 'v'}")
        return self.int8[v]

    def set(self, v: SSAValue, entry: Entry) -> None:
        self.env[v] = entry

    def acc_bound(self, v: SSAValue, scale: np.ndarray, cap: int) -> int:
        """A bound on |int| of an accumulator for float value v: twice the calibrated range
        (headroom for unseen inputs), never above what the types allow."""
        est = 2 * self.ranges.absmax.get(v, math.inf) / float(np.min(scale))
        return int(min(cap, math.ceil(est) + 1)) if math.isfinite(est) else cap


def _np_int(elt: Attribute) -> type:
    return dtype_of_element_type(elt).type


def quantize_function(fn: func.FuncOp, weights: WeightStore, ranges: Ranges,
                      config: QuantConfig, input_names: list[str], output_names: list[str]
                      ) -> tuple[func.FuncOp, WeightStore, list[IOSpec], list[IOSpec]]:
    """The integer twin of `fn`, its integer weights, and the host conversions of its I/O."""
    from tinyslm_ir.models.quant import handlers  # noqa: F401  (registers the handlers)

    rw = Rewriter(fn, weights, ranges, config)
    new_fn = rw.run(input_names, output_names)
    return new_fn, rw.out.weights, rw.inputs, rw.outputs


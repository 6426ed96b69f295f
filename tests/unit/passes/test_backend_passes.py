"""select-kernels, bufferize, plan-memory, verify-memory-plan and cluster-offload together.

The property: for random graphs (and both schedule orders), the backend pipeline produces IR
that verifies, whose plan the independent verifier accepts, and in which every graph output is
written by a call into its argument.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.dialects import func
from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, ModuleOp, TensorType, i8, i64
from xdsl.ir import SSAValue
from xdsl.utils.exceptions import DiagnosticException

from tests.unit.reference.graph_builder import build_module
from tinyslm_ir.dialects import cluster, lmem
from tinyslm_ir.dialects import graph as g
from tinyslm_ir.kernels import catalog
from tinyslm_ir.kernels.catalog import NoKernelError
from tinyslm_ir.passes.bufferize import BufferizePass
from tinyslm_ir.passes.pipeline import BackendOptions, compiler_context, run_backend_pipeline
from tinyslm_ir.passes.plan_memory import PLAN_ATTR, PlanMemoryPass
from tinyslm_ir.passes.select_kernels import SelectKernelsPass
from tinyslm_ir.passes.verify_memory_plan import VerifyMemoryPlanPass

pytestmark = pytest.mark.usefixtures("fake_kernels")

Recipe = tuple[list[int], list[tuple[str, tuple[int, ...], int]], list[int]]


def vec(n: int) -> TensorType:
    return TensorType(i8, [n])


def build(recipe: Recipe) -> ModuleOp:
    """Inputs of the given lengths, then ops (kind, operand indices, length), then outputs."""
    inputs, ops, outputs = recipe

    def body(*args: SSAValue) -> list[SSAValue]:
        values = list(args)
        for k, (kind, operands, length) in enumerate(ops):
            xs = [values[i] for i in operands]
            if kind == "weight":
                op = g.WeightOp(f"w{k}", vec(length))
            elif kind == "concat":
                op = g.ConcatOp.from_operands(xs, {"axis": g.int_prop(0)})
            else:
                op = (g.ReluOp if kind == "relu" else g.NegOp).from_operands(xs)
            values.append(op.results[0])
        return [values[i] for i in outputs]

    return build_module([vec(n) for n in inputs], body)


@st.composite
def recipes(draw: st.DrawFn) -> Recipe:
    inputs = draw(st.lists(st.integers(1, 64), min_size=1, max_size=3))
    lengths = list(inputs)
    ops = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["relu", "neg", "concat", "weight"]))
        if kind == "weight":
            operands: tuple[int, ...] = ()
            length = draw(st.integers(1, 64))
        elif kind == "concat":
            operands = tuple(draw(st.lists(st.integers(0, len(lengths) - 1), min_size=1,
                                           max_size=3)))
            length = sum(lengths[i] for i in operands)
        else:
            operands = (draw(st.integers(0, len(lengths) - 1)),)
            length = lengths[operands[0]]
        ops.append((kind, operands, length))
        lengths.append(length)
    outputs = draw(st.lists(st.integers(0, len(lengths) - 1), min_size=1, max_size=3))
    return inputs, ops, outputs


def plan_entry(module: ModuleOp, key: str) -> int:
    plan = module.attributes[PLAN_ATTR]
    assert isinstance(plan, DictionaryAttr)
    level = plan.data["L2"]
    assert isinstance(level, DictionaryAttr)
    value = level.data[key]
    assert isinstance(value, IntegerAttr)
    return value.value.data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipes(), st.booleans())
def test_pipeline_yields_verified_plans(recipe: Recipe, reorder: bool) -> None:
    module = build(recipe)
    run_backend_pipeline(module, BackendOptions(plan_time_limit=1.0, reorder=reorder))
    module.verify()
    fn = next(op for op in module.walk() if isinstance(op, func.FuncOp))
    assert not any(isinstance(op, g.GraphOp) for op in module.walk())
    assert fn.function_type.outputs.data == ()
    n_in, n_out = len(recipe[0]), len(recipe[2])
    written = {b for c in fn.walk() if isinstance(c, lmem.CallOp)
               for b in c.buffers[c.num_inputs.value.data:]}
    assert all(arg in written for arg in fn.body.block.args[n_in:n_in + n_out])
    allocs = [op for op in module.walk() if isinstance(op, lmem.AllocOp)]
    assert all(a.offset is not None for a in allocs)
    assert plan_entry(module, "peak") >= plan_entry(module, "lower_bound")


def test_bufferize_writes_outputs_in_place_and_copies_the_rest() -> None:
    # out0 = relu(concat(x, w)); out1 = x (an input: copied); out2 = out0 again (copied).
    module = build(([4], [("weight", (), 4), ("concat", (0, 1), 8), ("relu", (2,), 8)], [3, 0, 3]))
    BufferizePass().apply(compiler_context(), module)
    module.verify()
    fn = next(op for op in module.walk() if isinstance(op, func.FuncOp))
    x, out0, out1, out2 = fn.body.block.args
    assert [a.type for a in fn.body.block.args] == [lmem.MemRefType(i8, [n]) for n in (4, 8, 4, 8)]
    calls = [op for op in fn.walk() if isinstance(op, lmem.CallOp)]
    assert [(c.callee.root_reference.data, c.layer.data if c.layer else None) for c in calls] == [
        ("test_copy", "concat_0"), ("test_copy", "concat_0"), ("test_relu", "relu_1"),
        ("test_reshape", "copy_out1"), ("test_reshape", "copy_out2")]
    concat_buf = calls[0].buffers[1]
    assert calls[1].offsets.get_values() == (0, 4, 0)
    assert calls[2].buffers[2] is out0
    assert tuple(calls[3].buffers) == (x, out1) and tuple(calls[4].buffers) == (out0, out2)
    allocs = {a.res: a for a in fn.walk() if isinstance(a, lmem.AllocOp)}
    assert allocs[SSAValue.get(concat_buf)].live_range == (0, 2)
    shared = calls[0].buffers[2]
    assert calls[1].buffers[2] is shared and allocs[SSAValue.get(shared)].live_range == (0, 1)
    assert allocs[SSAValue.get(shared)].size == 8
    scratch = calls[2].buffers[3]
    assert allocs[SSAValue.get(scratch)].live_range == (2, 2)
    assert isinstance(calls[2].buffers[1].owner, lmem.NullOp)
    assert calls[2].num_inputs.value.data == 2


def test_reorder_lowers_the_bound_when_branches_interleave() -> None:
    # Two branches tensor -> output, imported breadth-first: both tensors live together,
    # whereas finishing one branch first frees its tensor into the output argument.
    recipe = ([64], [("concat", (0,), 64), ("concat", (0,), 64), ("neg", (1,), 64),
                     ("neg", (2,), 64)], [3, 4])
    bounds = []
    for reorder in (False, True):
        module = build(recipe)
        BufferizePass(reorder=reorder).apply(compiler_context(), module)
        PlanMemoryPass(time_limit=1).apply(compiler_context(), module)
        bounds.append(plan_entry(module, "lower_bound"))
    assert bounds == [128, 64]


def test_plan_over_capacity_names_level_capacity_and_bound() -> None:
    module = build(([64], [("relu", (0,), 64), ("neg", (1,), 64)], [2]))
    BufferizePass().apply(compiler_context(), module)
    with pytest.raises(DiagnosticException, match=r"level L2 needs at least 88 bytes but its "
                                                  r"capacity is 32 bytes"):
        PlanMemoryPass(capacity=32).apply(compiler_context(), module)


def planned() -> ModuleOp:
    module = build(([16], [("relu", (0,), 16), ("neg", (1,), 16), ("neg", (2,), 16)], [3]))
    BufferizePass().apply(compiler_context(), module)
    PlanMemoryPass().apply(compiler_context(), module)
    VerifyMemoryPlanPass().apply(compiler_context(), module)
    return module


def test_verifier_rejects_overlap_missing_offset_and_short_live_range() -> None:
    allocs = [op for op in planned().walk() if isinstance(op, lmem.AllocOp)]
    # relu's result (live 0..1) and its scratch (live 0) are live together at step 0.
    result, scratch = allocs[0], allocs[1]
    result.properties["offset"] = scratch.offset  # type: ignore[assignment]
    with pytest.raises(DiagnosticException, match="overlap"):
        VerifyMemoryPlanPass().apply(compiler_context(), result.get_toplevel_object())

    allocs = [op for op in planned().walk() if isinstance(op, lmem.AllocOp)]
    del allocs[0].properties["offset"]
    with pytest.raises(DiagnosticException, match="no offset"):
        VerifyMemoryPlanPass().apply(compiler_context(), allocs[0].get_toplevel_object())

    allocs = [op for op in planned().walk() if isinstance(op, lmem.AllocOp)]
    allocs[0].properties["live"] = lmem.DenseArrayBase.from_list(i64, [0, 0])
    with pytest.raises(DiagnosticException, match=r"live over \[0, 0\] but used by calls 0 to 1"):
        VerifyMemoryPlanPass().apply(compiler_context(), allocs[0].get_toplevel_object())


def test_cluster_offload_forks_per_layer_and_leaves_serial_calls() -> None:
    module = build(([4], [("concat", (0, 0), 8), ("neg", (1,), 8), ("relu", (2,), 8)], [3]))
    run_backend_pipeline(module, BackendOptions(cores=4, plan_time_limit=1.0, reorder=False))
    fn = next(op for op in module.walk() if isinstance(op, func.FuncOp))
    top = [op.name for op in fn.body.block.ops if not isinstance(op, lmem.AllocOp | lmem.NullOp)]
    assert top == ["cluster.fork", "lmem.call", "cluster.fork", "func.return"]
    forks = [op for op in fn.body.block.ops if isinstance(op, cluster.ForkOp)]
    assert [o.name for o in forks[0].body.block.ops] == ["lmem.call", "cluster.barrier",
                                                         "lmem.call"]
    assert forks[0].cores.value.data == 4


def test_select_kernels_annotates_and_reports_missing_kernels(
        monkeypatch: pytest.MonkeyPatch) -> None:
    module = build(([4], [("concat", (0, 0), 8), ("relu", (1,), 8)], [2]))
    SelectKernelsPass().apply(compiler_context(), module)
    concat, relu = [op for op in module.walk() if isinstance(op, g.ConcatOp | g.ReluOp)]
    assert str(concat.attributes["kernel"]) == '["test_copy", "test_copy"]'
    assert str(relu.attributes["kernel"]) == '"test_relu"'
    assert str(relu.attributes["engine"]) == '"cluster"'

    def refuse(op: g.GraphOp) -> list:
        raise NoKernelError(op, "only even lengths")

    monkeypatch.setitem(catalog.LOWERINGS, g.ReluOp, refuse)
    with pytest.raises(DiagnosticException, match=r"no kernel for 'graph.relu' on "
                                                  r"\(tensor<8xi8>\) -> \(tensor<8xi8>\): only"):
        SelectKernelsPass().apply(compiler_context(), module)

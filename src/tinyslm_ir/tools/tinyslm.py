"""`tinyslm`: the user-facing driver (compile, run, test-net, generate, demo)."""

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tinyslm_ir.tools.diagnostics import run_reporting_errors
from tinyslm_ir.tools.generation import add_parsers as add_generation_parsers


def _progress(start: float):
    """A progress callback that prints elapsed time and the step on stderr."""
    return lambda msg: print(f"[{time.perf_counter() - start:6.2f}s] {msg}", file=sys.stderr,
                             flush=True)


def _compile(args: argparse.Namespace) -> int:
    from tinyslm_ir.driver.compile import CompileOptions, compile_model
    from tinyslm_ir.frontend.input_shapes import parse_shape_map
    from tinyslm_ir.frontend.input_types import parse_type_map

    types = parse_type_map(args.input_types) if args.input_types else None
    shapes = parse_shape_map(args.input_shapes) if args.input_shapes else None
    options = CompileOptions(args.target, args.cores, l1=args.l1, l2=args.l2, input_types=types,
                             input_shapes=shapes, strict_l1=args.strict,
                             pack_weights=args.pack_weights)
    manifest = compile_model(args.model, args.output, options, _progress(time.perf_counter()))
    for kind, specs in (("input", manifest.inputs), ("output", manifest.outputs)):
        for s in specs:
            print(f"{kind:6} {s.name:10} {s.dtype:7} {'x'.join(map(str, s.shape)) or 'scalar':>14}"
                  f"  ({s.onnx_name})")
    strict = " (strict L1)" if manifest.strict_l1 else ""
    print(f"L2 peak {manifest.l2_peak} B, L1 peak {manifest.l1_peak} B; "
          f"{manifest.target} binary{strict} in {args.output}/{manifest.binary}")
    if args.plot:
        from tinyslm_ir.driver.plan_plot import plot_plan

        for png in plot_plan(args.output):
            print(f"memory plan picture: {png}")
    return 0


def _load_npz(path: str) -> list[np.ndarray]:
    with np.load(path) as npz:
        return [npz[k] for k in npz.files]


def _print_report(report: dict) -> None:
    layers = report["layers"]
    if report["cycles"] is None:
        return
    print(f"{report['cycles']} cycles on {report['cores']} cores")
    print(f"{'region':>6}  {'layer':32} {'cycles':>10} {'compute':>10} {'dma':>8} {'npu':>8} "
          f"{'overhead':>9} {'MACs':>10}")
    for row in [*layers, {"region": "", "layer": "all layers", **report["totals"]}]:
        if "cycles" in row:
            print(f"{row['region']:>6}  {row['layer'][:32]:32} {row['cycles']:>10} "
                  f"{row['compute']:>10} {row['dma_wait']:>8} {row['npu']:>8} "
                  f"{row['overhead']:>9} {row['macs']:>10}")


def _run(args: argparse.Namespace) -> int:
    from tinyslm_ir.driver.run import run_compiled

    outcome = run_compiled(args.directory, _load_npz(args.inputs))
    named = {f"output_{i}": a for i, a in enumerate(outcome.outputs)}
    if args.output:
        np.savez(args.output, **named)
    if args.json:
        print(json.dumps(outcome.report))
        return 0
    for name, a in named.items():
        print(f"{name}: {a.dtype} {a.shape}")
    _print_report(outcome.report)
    return 0


def _test_net(args: argparse.Namespace) -> int:
    from tinyslm_ir.evaluation.testnet import run_test_net

    result = run_test_net(args.testdir, target=args.target, l1=args.l1, cores=args.cores,
                          strict_l1=args.strict, progress=_progress(time.perf_counter()))
    if args.json:
        print(json.dumps(result))
    else:
        verdict = "MATCH" if result["match"] else "MISMATCH"
        cycles = f"  cycles={result['cycles']}" if result["cycles"] is not None else ""
        print(f"{verdict}  {result['test']}  target={result['target']}  "
              f"mismatches={result['mismatches']}  max_abs_err={result['max_abs_err']:g}  "
              f"compile={result['compile_s']:.3f}s{cycles}")
        for line in result["details"]:
            print(f"  {line}")
    return 0 if result["match"] else 1


def _cores(text: str) -> int:
    n = int(text)
    if not 1 <= n <= 8:
        raise argparse.ArgumentTypeError(f"{n} cores: the cluster has 1 to 8")
    return n


def _l1_and_strict_flags(p: argparse.ArgumentParser) -> None:
    from tinyslm_ir.targets.siracusa import memory_map

    p.add_argument("--l1", type=int, default=None, metavar="BYTES",
                   help=f"siracusa: L1 bytes to tile every layer into (default: all "
                        f"{memory_map.L1.size}, of which the runtime keeps "
                        f"{memory_map.L1_RESERVED_STRICT}); 0: untiled, cores compute on L2 "
                        "directly (for comparison benchmarks; not strict)")
    p.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                   help="build strict-L1: cores may touch only L1, all other data moves by DMA "
                        "(default: on exactly when tiled, i.e. on siracusa unless --l1 0); "
                        "--no-strict lets layers the tiler cannot tile run on L2")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinyslm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compile", help="compile an ONNX model to C and build it for a target")
    c.add_argument("model", type=Path)
    c.add_argument("--target", choices=("siracusa", "host"), default="siracusa")
    c.add_argument("--cores", type=_cores, default=8, help="cluster cores to use (1-8)")
    c.add_argument("--l2", type=int, default=None, metavar="BYTES",
                   help="L2 budget for activations (default: what weights and code leave)")
    c.add_argument("--input-types", default=None, metavar="NAME=TYPE,...",
                   help="element types of graph inputs, e.g. input=i8,x.9=ui8")
    c.add_argument("--input-shapes", default=None, metavar="NAME=DxD...,...",
                   help="static shapes of dynamic graph inputs, e.g. input_ids=1x16")
    _l1_and_strict_flags(c)
    c.add_argument("--pack-weights", action=argparse.BooleanOptionalAction, default=None,
                   help="siracusa: store int8 MatMul weights two K rows per 32-bit word, for "
                        "GEMV kernels that do two MACs per multiply, at twice the weight bytes "
                        "(default: when the weights' memory has room for that)")
    c.add_argument("--plot", action="store_true",
                   help="draw the memory plan of each level as DIR/plan_<level>.png")
    c.add_argument("-o", "--output", required=True, type=Path, metavar="DIR")
    c.set_defaults(func=_compile)

    r = sub.add_parser("run", help="run a compiled model on inputs")
    r.add_argument("directory", type=Path)
    r.add_argument("--inputs", required=True, metavar="X.npz",
                   help="arrays in graph-input order (Deeploy's inputs.npz convention)")
    r.add_argument("-o", "--output", default=None, metavar="OUT.npz",
                   help="write the outputs as output_0, output_1, ...")
    r.add_argument("--json", action="store_true", help="print the cycle report as JSON")
    r.set_defaults(func=_run)

    t = sub.add_parser("test-net", help="compile, run and check a Deeploy-format test folder")
    t.add_argument("testdir")
    t.add_argument("--target", choices=("reference", "host", "siracusa"), default="reference")
    t.add_argument("--cores", type=_cores, default=8, help="cluster cores to use (1-8)")
    _l1_and_strict_flags(t)
    t.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    t.set_defaults(func=_test_net)

    add_generation_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_reporting_errors("tinyslm", lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())

"""`tinyslm`: the user-facing driver (test-net, demo; compile/run arrive with the C backend)."""

import argparse
import json
import sys
from collections.abc import Sequence

from tinyslm_ir.tools.diagnostics import run_reporting_errors


def _test_net(args: argparse.Namespace) -> int:
    from tinyslm_ir.evaluation.testnet import run_test_net

    result = run_test_net(args.testdir, target=args.target, l1=args.l1)
    if args.json:
        print(json.dumps(result))
    else:
        verdict = "MATCH" if result["match"] else "MISMATCH"
        print(f"{verdict}  {result['test']}  target={result['target']}  "
              f"mismatches={result['mismatches']}  max_abs_err={result['max_abs_err']:g}  "
              f"compile={result['compile_s']:.3f}s")
        for line in result["details"]:
            print(f"  {line}")
    return 0 if result["match"] else 1


def _demo(args: argparse.Namespace) -> int:
    from tinyslm_ir.frontend.onnx_importer import import_onnx
    from tinyslm_ir.models.sample import build_sample_model, sample_input
    from tinyslm_ir.passes.pipeline import run_default_pipeline
    from tinyslm_ir.reference.interpreter import run_module

    print("tinyslm demo: the bundled sample model (an int8 QuantLib attention-score block).")
    print("The full TinyLLama-v0 demo on the simulated Siracusa arrives with the C backend.\n")
    imported = import_onnx(build_sample_model(), input_types=None)
    run_default_pipeline(imported.module)
    print(imported.module)
    (probs,) = run_module(imported.module, imported.weights, [sample_input()])
    print("\nreference output (uint8 attention probabilities, one row per query):")
    print(probs)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinyslm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("test-net", help="compile, run and check a Deeploy-format test folder")
    t.add_argument("testdir")
    t.add_argument("--target", choices=("reference", "host", "siracusa"), default="reference")
    t.add_argument("--l1", type=int, default=None, metavar="BYTES", help="L1 budget in bytes")
    t.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    t.set_defaults(func=_test_net)

    d = sub.add_parser("demo", help="the main job on the embedded default model")
    d.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_reporting_errors("tinyslm", lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())

"""`tinyslm-opt`: xDSL's opt driver with our dialects, passes, targets and an ONNX frontend.

It accepts `.mlir` and `.onnx` input and every xDSL opt flag; lit tests and pass authors use
it to run any prefix or subset of the pipeline. Importing ONNX writes the weight store beside
the output (`OUT.weights.npz`, or `--weights-out`), or into the user cache when printing to
stdout, and records its path in the module so that later tools can load it.
"""

import argparse
import hashlib
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.xdsl_opt_main import xDSLOptMain

from tinyslm_ir.tools.diagnostics import run_reporting_errors


def weight_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tinyslm" / "weights"


class TinySLMOptMain(xDSLOptMain):
    """xDSLOptMain plus `.onnx` input, input type and shape maps and a weight-store location."""

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument(
            "--input-types", default=None, metavar="NAME=TYPE,...",
            help="element types of ONNX graph inputs, e.g. 'input=i8,mask=ui8'",
        )
        arg_parser.add_argument(
            "--input-shapes", default=None, metavar="NAME=DxD...,...",
            help="static shapes of dynamic ONNX graph inputs, e.g. 'input_ids=1x16'",
        )
        arg_parser.add_argument(
            "--weights-out", default=None, metavar="FILE.npz",
            help="where to save the weight store of an imported ONNX model",
        )

    def register_all_frontends(self) -> None:
        super().register_all_frontends()
        self.available_frontends["onnx"] = self._parse_onnx

    def _parse_onnx(self, io: IO[bytes]) -> ModuleOp:
        import onnx

        from tinyslm_ir.frontend.input_shapes import parse_shape_map
        from tinyslm_ir.frontend.input_types import parse_type_map
        from tinyslm_ir.frontend.onnx_importer import OnnxImportError, import_onnx
        from tinyslm_ir.frontend.weights import attach_weights

        data = io.read()
        try:
            model = onnx.load_model_from_string(data)
        except Exception as e:  # protobuf raises several unrelated types for corrupt files
            raise OnnxImportError(None, None, f"cannot parse ONNX file: {e}") from e
        types = parse_type_map(self.args.input_types) if self.args.input_types else None
        shapes = parse_shape_map(self.args.input_shapes) if self.args.input_shapes else None
        imported = import_onnx(model, input_types=types, input_shapes=shapes)
        path = self._weights_path(data)
        path.parent.mkdir(parents=True, exist_ok=True)
        imported.weights.save(path)
        attach_weights(imported.module, self._recorded_path(path))
        return imported.module

    def _weights_path(self, data: bytes) -> Path:
        if self.args.weights_out:
            return Path(self.args.weights_out)
        if self.args.output_file:
            return Path(self.args.output_file).with_suffix(".weights.npz")
        return weight_cache_dir() / f"{hashlib.sha256(data).hexdigest()[:20]}.npz"

    def _recorded_path(self, path: Path) -> str:
        """Relative to the output file when there is one, so the pair can be moved together."""
        if self.args.output_file:
            out_dir = Path(self.args.output_file).resolve().parent
            return os.path.relpath(path.resolve(), out_dir)
        return str(path.resolve())


def main(args: Sequence[str] | None = None) -> int:
    warnings.filterwarnings("default", category=DeprecationWarning)

    def body() -> None:
        TinySLMOptMain(description="tinyslm-ir modular optimizer", args=args).run()

    return run_reporting_errors("tinyslm-opt", body)


if __name__ == "__main__":
    sys.exit(main())

"""The worked example in docs/extending.md runs as written, so the guide cannot go stale."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "extending.md"


def test_worked_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 2, "the worked example's python blocks are missing"
    namespace: dict = {"__name__": "docs_extending_example"}
    exec(compile("\n".join(blocks), str(DOC), "exec"), namespace)
    assert "FoldDoubleNegPass" in namespace

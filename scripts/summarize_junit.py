"""Print one closing line 'total: N passed, N failed, N skipped' over JUnit XML reports.

pytest and lit each print their own summary; CI and humans want one line for the whole
run. Exits non-zero when anything failed or when no test ran at all.
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def count(path: Path) -> tuple[int, int, int]:
    passed = failed = skipped = 0
    if not path.is_file():
        return 0, 1, 0  # a runner that wrote no report is a failure
    for case in ET.parse(path).iter("testcase"):
        kinds = {child.tag for child in case}
        if kinds & {"failure", "error"}:
            failed += 1
        elif "skipped" in kinds:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def main(paths: list[str]) -> int:
    totals = [sum(x) for x in zip(*(count(Path(p)) for p in paths), strict=True)]
    passed, failed, skipped = totals
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

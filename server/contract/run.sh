#!/usr/bin/env bash
# The API contract, checked from outside (issue 18): is the OpenAPI document
# the server publishes the truth about what it accepts and answers?
#
#   server/contract/run.sh [path/to/suikang-server]
#
# 1. makes a virtual environment with the pinned tools (requirements.txt;
#    kept under target/ and remade when the pins change);
# 2. creates an institution, an authority and a checkpoint account and
#    starts a server on 127.0.0.1 (face simulator on) with a throw-away data
#    folder;
# 3. generates a Python client from the served document
#    (openapi-python-client) and drives a story with it (story.py): a
#    resident signs in through the face simulator and applies, a guardian
#    applies for an elder, a stranger's application becomes a join request,
#    an authority and a checkpoint act — the story's tokens feed step 4;
# 4. runs schemathesis with every check, authenticated as a resident (with
#    a code and a dependent), an institution, an authority and a checkpoint
#    (schemathesis.toml), and fails on any failure it reports;
# 5. stops the server, whatever happened.
#
# Needs the toolchains only (Python 3 and PyPI). The server binary defaults
# to the debug build.
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir="${CARGO_TARGET_DIR:-target}"
server="${1:-$target_dir/debug/suikang-server}"
server="$(cd "$(dirname "$server")" && pwd)/$(basename "$server")"
here="$(pwd)/server/contract"
venv="$target_dir/contract-venv"
work="$(mktemp -d "${TMPDIR:-/tmp}/suikang-contract.XXXXXX")"
server_pid=""

cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== contract tools (pinned, $venv)"
stamp="$(sha256sum "$here/requirements.txt" | cut -c1-16)"
if [[ ! -x "$venv/bin/st" || "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    echo "$stamp" > "$venv/.stamp"
fi
venv="$(cd "$venv" && pwd)"

echo "== accounts and server"
data="$work/data"
token_of() { "$server" --data "$data" "$@" | tail -n 1; }
SUIKANG_INSTITUTION_TOKEN="$(token_of create-institution --kind residents_committee \
    --organisation "海珠区滨江街道居委会" --district 440105)"
SUIKANG_AUTHORITY_TOKEN="$(token_of create-authority --role community \
    --organisation "海珠区滨江街道社区" --district 440105)"
SUIKANG_CHECKPOINT_TOKEN="$(token_of create-checkpoint --organisation "广州塔地铁站闸机" --district 440105)"
export SUIKANG_INSTITUTION_TOKEN SUIKANG_AUTHORITY_TOKEN SUIKANG_CHECKPOINT_TOKEN
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
"$server" --data "$data" --listen "127.0.0.1:$port" --dev-face-simulator --dev-root-key > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('$base/healthz', timeout=1)" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.1
done

echo "== a client generated from the document, and a story driven with it"
(cd "$work" && PATH="$venv/bin:$PATH" openapi-python-client generate \
    --url "$base/v1/openapi.json" --config "$here/client-config.yaml" --output-path "$work/client" \
    > "$work/generate.log" 2>&1) || { cat "$work/generate.log"; exit 1; }
PYTHONPATH="$work/client" "$venv/bin/python" "$here/story.py" "$base" "$work/tokens.env"
# shellcheck disable=SC1091
source "$work/tokens.env"
export SUIKANG_RESIDENT_TOKEN SUIKANG_LOGOUT_TOKEN

echo "== schemathesis, every check, as each kind of caller"
fuzz() {
    (cd "$work" && PYTHONPATH="$here" "$venv/bin/st" --config-file "$here/schemathesis.toml" run \
        --url "$base" --checks all "$@" "$base/v1/openapi.json") || {
        echo "server log (last lines):"
        tail -n 20 "$work/server.log"
        exit 1
    }
}
# Signing out ends the session it is called with: it runs last, as a
# resident of its own, or every resident operation after it would see 401.
fuzz --exclude-operation-id session_logout
SUIKANG_RESIDENT_TOKEN="$SUIKANG_LOGOUT_TOKEN" fuzz --include-operation-id session_logout
echo "API contract: the document is the server's truth"

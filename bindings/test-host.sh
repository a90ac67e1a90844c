#!/usr/bin/env bash
# The bindings, tested on this machine as the apps use them:
#
#   bindings/test-host.sh
#
# 1. builds suikang-server and the host library, generates Kotlin, Swift and
#    Python (bindings/generate.sh);
# 2. checks that the Swift bindings generated (header, modulemap, sources);
# 3. starts a suikang-server on 127.0.0.1 with a throw-away data folder;
# 4. runs the Kotlin JUnit tests (android/host-tests, Maven) against it;
# 5. compiles every Kotlin file of the Android app (android/app) with the
#    Compose compiler and runs its screens under Robolectric against the
#    library and a server of their own (android/ui-tests, Maven);
# 6. runs the Python smoke test (standard library only);
# 7. checks the OpenAPI document from outside: schemathesis and a generated
#    client against a server of its own (server/contract/run.sh, pinned
#    tools from PyPI in a virtual environment);
# 8. stops the server, whatever happened.
#
# Needs only the toolchains: Rust, JDK 17+, Maven, Python 3.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
target_dir="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d "${TMPDIR:-/tmp}/suikang-host.XXXXXX")"
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

echo "== build and generate"
cargo build --locked -p suikang-server
bindings/generate.sh

echo "== Swift bindings"
for f in SuikangFFI.swift suikang_ffiFFI.h suikang_ffiFFI.modulemap; do
    test -s "bindings/generated/swift/$f" || { echo "missing bindings/generated/swift/$f"; exit 1; }
done
grep -q "open func login(" bindings/generated/swift/SuikangFFI.swift \
    && grep -q "public protocol FaceVerifier" bindings/generated/swift/SuikangFFI.swift \
    || { echo "the Swift bindings lack the App API"; exit 1; }
echo "Swift bindings generated"

echo "== start suikang-server"
server="$target_dir/debug/suikang-server"
# Absolute for the tests, whether CARGO_TARGET_DIR is relative or not.
[[ "$server" == /* ]] || server="$root/$server"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
url="http://127.0.0.1:$port"
# A throw-away server signs its own trust list (--dev-root-key): a real one
# serves the list signed offline (server/KEYS.md).
root_key="$("$server" --data "$work/server" --dev-root-key root-key)"
# The online check needs a checkpoint account (DESIGN §2): its token is the
# last line the admin command prints.
checkpoint_token="$("$server" --data "$work/server" create-checkpoint --organisation host-test-gate --district 440106 | tail -n 1)"
# Every test phone signs in from 127.0.0.1: the per-address login limit
# (30 at once by default, for production) is raised for this shared server.
"$server" --data "$work/server" --listen "127.0.0.1:$port" --dev-face-simulator --dev-root-key \
    --login-start-burst 1000 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then break; fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.1
done
echo "server on $url"

echo "== Kotlin on the host JVM (android/host-tests)"
timeout 1200 mvn -B -q -f android/host-tests/pom.xml test \
    -Dsuikang.server.url="$url" -Dsuikang.root.key="$root_key" \
    -Dsuikang.checkpoint.token="$checkpoint_token" \
    -Dsuikang.server.bin="$server"
# Surefire's summary, for the reader and for CI's counters.
python3 - android/host-tests/target/surefire-reports <<'PY'
import glob, sys, xml.etree.ElementTree as ET
tests = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/TEST-*.xml"):
    suite = ET.parse(path).getroot()
    tests += int(suite.get("tests")); skipped += int(suite.get("skipped"))
    failed += int(suite.get("failures")) + int(suite.get("errors"))
print(f"Kotlin: Tests run: {tests}, Failures: {failed}, Skipped: {skipped}")
sys.exit(1 if failed or not tests else 0)
PY

echo "== The Android app's screens on the JVM (android/ui-tests)"
# Screenshots land in android/ui-tests/target/screenshots/.
timeout 1200 mvn -B -q -f android/ui-tests/pom.xml test -Dsuikang.server.bin="$server"
python3 - android/ui-tests/target/surefire-reports <<'PY'
import glob, sys, xml.etree.ElementTree as ET
tests = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/TEST-*.xml"):
    suite = ET.parse(path).getroot()
    tests += int(suite.get("tests")); skipped += int(suite.get("skipped"))
    failed += int(suite.get("failures")) + int(suite.get("errors"))
print(f"Android screens: Tests run: {tests}, Failures: {failed}, Skipped: {skipped}")
sys.exit(1 if failed or not tests else 0)
PY

echo "== Python smoke test"
# Standard library only: no pip, no venv needed.
python3 bindings/tests/python/smoke_test.py "$url" "$root_key"

echo "== The API contract, checked from outside (server/contract)"
server/contract/run.sh "$server"

echo "== all host binding tests passed"

#!/usr/bin/env bash
# Builds the host library of suikang-ffi and generates its bindings:
#
#   bindings/generate.sh            # debug build
#   bindings/generate.sh --release  # release build (still unstripped)
#
# Out (ignored by git, never committed):
#   bindings/generated/kotlin/cn/suikang/ffi/suikang.kt
#   bindings/generated/swift/{SuikangFFI.swift, suikang_ffiFFI.h, suikang_ffiFFI.modulemap}
#   bindings/generated/python/{suikang.py, libsuikang_ffi.so|dylib}
#   bindings/generated/lib/libsuikang_ffi.so|dylib   (for jna.library.path)
#
# Names (Kotlin package, Swift module) come from bindings/uniffi.toml, which
# uniffi-bindgen finds beside the crate's Cargo.toml.
# The bindings are generated from the unstripped library (uniffi reads its
# metadata symbols); strip only what ships. The Kotlin is for the host JVM
# (no `android = true`); the Android build generates its own copy.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
cargo_flags=()
if [[ "${1:-}" == "--release" ]]; then
    profile=release
    cargo_flags+=(--release)
fi
target_dir="${CARGO_TARGET_DIR:-target}"
case "$(uname -s)" in
    Darwin) lib_name=libsuikang_ffi.dylib ;;
    *) lib_name=libsuikang_ffi.so ;;
esac

cargo build --locked -p suikang-ffi "${cargo_flags[@]}"
# The generator in its own crate: the library build never compiles the CLI.
cargo build --locked -p uniffi-bindgen
bindgen="$target_dir/debug/uniffi-bindgen"
library="$target_dir/$profile/$lib_name"

out=bindings/generated
rm -rf "$out"
mkdir -p "$out/lib"
cp "$library" "$out/lib/"
for language in kotlin swift python; do
    "$bindgen" generate --library "$library" --language "$language" \
        --out-dir "$out/$language" --no-format
done
# uniffi's Python module loads the library from its own folder.
cp "$library" "$out/python/"
echo "generated into $out from $library"

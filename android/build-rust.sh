#!/usr/bin/env bash
# The Rust side of the Android app, called by Gradle (task :app:buildRust)
# or by hand:
#
#   android/build-rust.sh [debug|release]
#
# 1. libsuikang_ffi.so for arm64-v8a, armeabi-v7a and x86_64 with cargo-ndk,
#    without the page renderers (`render`: the app prints the core's SVG)
#    into app/build/rustJniLibs/<abi>/ (release: the size-tuned `mobile`
#    profile, stripped);
# 2. the Kotlin bindings with Android's cleaner, generated from the
#    unstripped host library, into app/build/generated/uniffi/kotlin.
#
# Needs: ANDROID_NDK_HOME (or the SDK's ndk/), cargo-ndk, the three Rust targets.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
mode="${1:-debug}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

# The `mobile` profile (Cargo.toml): size-tuned, whole-program LTO, stripped.
if [[ "$mode" == release ]]; then
    profile_args=(--profile mobile)
else
    profile_args=()
fi

cargo ndk --platform 24 -t arm64-v8a -t armeabi-v7a -t x86_64 \
    -o "$here/app/build/rustJniLibs" \
    build --locked -p suikang-ffi --no-default-features "${profile_args[@]}"

cargo build --locked -p suikang-ffi -p uniffi-bindgen
case "$(uname -s)" in Darwin) host_lib=libsuikang_ffi.dylib ;; *) host_lib=libsuikang_ffi.so ;; esac
out="$here/app/build/generated/uniffi/kotlin"
rm -rf "$out"
"$target_dir/debug/uniffi-bindgen" generate --library "$target_dir/debug/$host_lib" \
    --language kotlin --config "$here/uniffi-android.toml" --out-dir "$out" --no-format
echo "jniLibs in $here/app/build/rustJniLibs, bindings in $out"

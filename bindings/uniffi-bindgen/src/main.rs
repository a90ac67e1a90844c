//! `uniffi-bindgen`: generates the Kotlin, Swift and Python bindings of
//! `suikang-ffi` from the built (unstripped) library. Its own crate so that
//! building the library never compiles the CLI. See `bindings/generate.sh`.

fn main() {
    uniffi::uniffi_bindgen_main()
}

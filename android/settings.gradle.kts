// The Android app. Build on a machine with the Android SDK and NDK, Rust and
// cargo-ndk (`cargo install cargo-ndk`; `rustup target add aarch64-linux-android
// armv7-linux-androideabi x86_64-linux-android`):
//
//   cd android && gradle :app:assembleDebug      (or ./gradlew after `gradle wrapper`)
//
// The host-JVM tests of the same Kotlin live in host-tests/ (Maven), run by
// bindings/test-host.sh.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "suikang"
include(":app")

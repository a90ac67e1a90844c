package cn.suikang.app

/**
 * Stands in for the BuildConfig the Android Gradle Plugin generates from
 * android/app/build.gradle.kts (buildConfigField): the UI tests construct the
 * view model themselves and never read these.
 */
object BuildConfig {
    const val DEBUG = true
    const val SERVER_URL = "http://127.0.0.1"
    const val TRUST_ROOTS = ""
}

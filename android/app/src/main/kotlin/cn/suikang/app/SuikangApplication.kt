package cn.suikang.app

import android.app.Application
import cn.suikang.app.face.VendorFaceVerifier
import cn.suikang.app.face.faceCapture
import cn.suikang.app.keystore.AndroidKeystoreSecretStore
import cn.suikang.app.presentation.CoreThreads
import cn.suikang.ffi.App
import cn.suikang.ffi.AppConfig

/** Opens the core once per process: no network, the cached codes show at once. */
class SuikangApplication : Application() {
    val faceVerifier by lazy { VendorFaceVerifier() }

    /** Debug: the server's face simulator; release: the vendor SDK only (src/debug, src/release). */
    val faceCapture by lazy { faceCapture(BuildConfig.SERVER_URL) }

    val app: App by lazy {
        // The core's threads stay attached to the VM between callbacks (CoreThreads).
        CoreThreads.keepAttached()
        App(
            AppConfig(
                dataDir = noBackupFilesDir.resolve("suikang").path,
                serverUrl = BuildConfig.SERVER_URL,
                trustRoots = BuildConfig.TRUST_ROOTS.split(',').map { it.trim() }.filter { it.isNotEmpty() },
                keystoreService = packageName,
            ),
            faceVerifier,
            AndroidKeystoreSecretStore(this),
        )
    }
}

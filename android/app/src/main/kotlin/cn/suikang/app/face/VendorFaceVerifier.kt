package cn.suikang.app.face

import cn.suikang.ffi.FaceChallenge
import cn.suikang.ffi.FaceVerifier
import cn.suikang.ffi.SignedFaceResult
import cn.suikang.ffi.SuikangException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow

/**
 * The face check (人脸识别, 问题四) handed to the face vendor's SDK.
 *
 * The core calls [verify] with the server's challenge during login; the
 * login screen sees it in [pending], runs the vendor's capture, and answers
 * with [complete], [cancel] or [fail]. The core never sees a face, and
 * neither does this class: only the vendor's signed verdict passes through.
 */
class VendorFaceVerifier : FaceVerifier {
    class Capture(val challenge: FaceChallenge, internal val answer: CompletableDeferred<SignedFaceResult>)

    private val current = MutableStateFlow<Capture?>(null)

    /** The capture the login screen must show now, if any. */
    val pending: StateFlow<Capture?> = current

    /*
     * The core calls this on its own thread. The dialog's state changes on
     * the main thread only: closing the face dialog from the core's thread
     * had Compose dispose it there ("removeObserver must be called on the
     * main thread", a flake of the screen tests).
     */
    override suspend fun verify(challenge: FaceChallenge): SignedFaceResult {
        val capture = Capture(challenge, CompletableDeferred())
        withContext(Dispatchers.Main) { current.value = capture }
        try {
            return capture.answer.await()
        } finally {
            withContext(NonCancellable + Dispatchers.Main) { current.compareAndSet(capture, null) }
        }
    }

    /*
     * ======================= VENDOR SDK PLUGS IN HERE =======================
     * From the activity, start the vendor's liveness capture with
     * `capture.challenge` (challengeId, nonce, vendor, vendorPublicKey,
     * livenessActions) and, in its result callback, map the vendor's signed
     * verdict field by field into a SignedFaceResult and call complete().
     * The signature is the vendor's own over the challenge's nonce; this app
     * adds nothing to it and keeps no image.
     * =========================================================================
     */
    fun complete(capture: Capture, vendorResult: SignedFaceResult) {
        capture.answer.complete(vendorResult)
    }

    /** The person backed out of the vendor's screen. */
    fun cancel(capture: Capture) {
        capture.answer.completeExceptionally(SuikangException.FaceCheckCancelled())
    }

    /** The vendor's SDK could not run (no camera, SDK error). No personal data in [reason]. */
    fun fail(capture: Capture, reason: String) {
        fail(capture, SuikangException.FaceCheckFailed(reason))
    }

    /** The capture ended in one of the core's face errors (cancelled, failed). */
    fun fail(capture: Capture, error: SuikangException) {
        capture.answer.completeExceptionally(error)
    }
}

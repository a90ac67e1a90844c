package cn.suikang.app.face

import cn.suikang.ffi.FaceChallenge
import cn.suikang.ffi.SignedFaceResult

/**
 * What runs when the person taps "Start" in the face dialog: the vendor's
 * liveness capture for the server's challenge, answering with the vendor's
 * signed verdict. Each build type brings its own ([faceCapture]): a debug
 * build drives the reference server's face simulator, a release build has
 * only the vendor SDK's adapter.
 */
fun interface FaceCapture {
    suspend fun capture(challenge: FaceChallenge): SignedFaceResult
}

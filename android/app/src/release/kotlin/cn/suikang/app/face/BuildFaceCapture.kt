package cn.suikang.app.face

import cn.suikang.ffi.SuikangException

/**
 * Release builds: only the vendor's SDK may answer a challenge. Until its
 * adapter is plugged in (see VendorFaceVerifier), the face check fails
 * with a reason and the person cannot sign in.
 */
@Suppress("UNUSED_PARAMETER")
fun faceCapture(serverUrl: String): FaceCapture = FaceCapture {
    throw SuikangException.FaceCheckFailed("no face vendor SDK in this build")
}

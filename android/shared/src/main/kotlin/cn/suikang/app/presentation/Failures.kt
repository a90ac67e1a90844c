package cn.suikang.app.presentation

import cn.suikang.ffi.SuikangException

/**
 * What a screen says for each error, so the Android and host tests share one
 * mapping. The messages are the UI's; the kinds are the core's.
 */
enum class FailureKind {
    FIX_INPUT, // a typo in the name or document number
    TRY_FACE_AGAIN, // mismatch, liveness, cancelled, expired
    WAIT, // locked out after repeated failures
    SIGN_IN_AGAIN, // session ended, signed in elsewhere, not signed in
    OFFLINE, // network down or server struggling: the code still shows
    REFUSED, // the server said no for a reason of its own
    PHONE, // keystore, cache, trust list, printing
}

fun SuikangException.kind(): FailureKind = when (this) {
    is SuikangException.InvalidDocumentNumber, is SuikangException.InvalidName,
    is SuikangException.InvalidArgument, is SuikangException.UnknownDistrict -> FailureKind.FIX_INPUT
    is SuikangException.FaceMismatch, is SuikangException.LivenessFailed,
    is SuikangException.FaceCheckCancelled, is SuikangException.FaceCheckFailed,
    is SuikangException.ChallengeExpired -> FailureKind.TRY_FACE_AGAIN
    is SuikangException.LockedOut -> FailureKind.WAIT
    is SuikangException.NotSignedIn, is SuikangException.SignedInElsewhere,
    is SuikangException.SessionEnded -> FailureKind.SIGN_IN_AGAIN
    is SuikangException.NetworkUnavailable, is SuikangException.ServerUnavailable,
    is SuikangException.BadServerResponse -> FailureKind.OFFLINE
    is SuikangException.Refused, is SuikangException.CodeNotFound,
    is SuikangException.NoCodeYet -> FailureKind.REFUSED
    else -> FailureKind.PHONE
}

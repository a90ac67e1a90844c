import Foundation
import Suikang

/// The face check (人脸识别, 问题四) handed to the vendor's SDK. The core
/// calls `verify` during login; the login view shows `pending` and answers.
final class VendorFaceVerifier: FaceVerifier, ObservableObject, @unchecked Sendable {
    struct Capture: Identifiable {
        let id = UUID()
        let challenge: FaceChallenge
        fileprivate let answer: CheckedContinuation<SignedFaceResult, Error>
    }

    @MainActor @Published var pending: Capture?

    func verify(challenge: FaceChallenge) async throws -> SignedFaceResult {
        try await withCheckedThrowingContinuation { continuation in
            Task { @MainActor in self.pending = Capture(challenge: challenge, answer: continuation) }
        }
    }

    // ======================= VENDOR SDK PLUGS IN HERE =======================
    // Present the vendor's liveness capture with `capture.challenge` (nonce,
    // vendor parameters, liveness actions) and, in its completion, map the
    // vendor's signed verdict into a SignedFaceResult and call complete().
    // =========================================================================
    @MainActor func complete(_ capture: Capture, with result: SignedFaceResult) {
        pending = nil
        capture.answer.resume(returning: result)
    }

    @MainActor func cancel(_ capture: Capture) {
        pending = nil
        capture.answer.resume(throwing: SuikangError.FaceCheckCancelled)
    }

    @MainActor func fail(_ capture: Capture, reason: String) {
        pending = nil
        capture.answer.resume(throwing: SuikangError.FaceCheckFailed(reason: reason))
    }
}

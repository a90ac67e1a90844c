#if DEBUG
import Foundation
import Suikang

/// Debug builds: the reference server's face simulator stands in for the
/// vendor, so a developer signs in against a local server started with
/// `--dev-face-simulator` (ios/README.md). Its verdicts are signed with the
/// simulator's key of that start, which no production server trusts.
/// Mirrors android `app/src/debug/…/BuildFaceCapture.kt`.
enum SimulatorFaceCapture {
    static func capture(_ challenge: FaceChallenge, serverUrl: String) async throws -> SignedFaceResult {
        guard let url = URL(string: serverUrl + "/v1/face-simulator/capture") else {
            throw SuikangError.FaceCheckFailed(reason: "the server address is not a URL")
        }
        let iso = ISO8601DateFormatter()
        let body: [String: Any] = [
            "challenge": [
                "challenge_id": challenge.challengeId,
                "nonce": challenge.nonce,
                "expires_at": iso.string(from: challenge.expiresAt),
                "vendor": [
                    "vendor": challenge.vendor,
                    "vendor_public_key": challenge.vendorPublicKey,
                    "liveness_actions": challenge.livenessActions,
                    "subject": challenge.subject,
                ],
            ],
            // The simulated camera sees the person who signs in.
            "capture": "match",
        ]
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw SuikangError.FaceCheckFailed(reason: "the face simulator is not reachable")
        }
        guard (response as? HTTPURLResponse)?.statusCode == 200,
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let vendor = json["vendor"] as? String,
              let challengeId = json["challenge_id"] as? String,
              let nonce = json["nonce"] as? String,
              let outcome = json["outcome"] as? String,
              let signature = json["signature"] as? String
        else {
            throw SuikangError.FaceCheckFailed(reason: "the face simulator's answer could not be read")
        }
        return SignedFaceResult(
            vendor: vendor, challengeId: challengeId, nonce: nonce,
            outcome: outcome == "match" ? .match : outcome == "mismatch" ? .mismatch : .livenessFailed,
            signature: signature)
    }
}
#endif

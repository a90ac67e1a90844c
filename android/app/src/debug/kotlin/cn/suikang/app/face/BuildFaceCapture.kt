package cn.suikang.app.face

import cn.suikang.ffi.FaceChallenge
import cn.suikang.ffi.FaceOutcome
import cn.suikang.ffi.SignedFaceResult
import cn.suikang.ffi.SuikangException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.json.JSONArray
import org.json.JSONObject
import java.io.IOException
import java.net.HttpURLConnection
import java.net.URL

/**
 * Debug builds: the reference server's face simulator stands in for the
 * vendor so a developer signs in against a local server started with
 * `--dev-face-simulator`. Its verdicts are signed with the simulator's key
 * of that start, which no production server trusts.
 */
fun faceCapture(serverUrl: String): FaceCapture = SimulatorFaceCapture(serverUrl)

class SimulatorFaceCapture(private val serverUrl: String) : FaceCapture {
    override suspend fun capture(challenge: FaceChallenge): SignedFaceResult = withContext(Dispatchers.IO) {
        val body = JSONObject()
            .put("challenge", challengeJson(challenge))
            // The simulated camera sees the person who signs in.
            .put("capture", "match")
        val connection = URL("$serverUrl/v1/face-simulator/capture").openConnection() as HttpURLConnection
        try {
            connection.requestMethod = "POST"
            connection.connectTimeout = TIMEOUT_MS
            connection.readTimeout = TIMEOUT_MS
            connection.doOutput = true
            connection.setRequestProperty("content-type", "application/json")
            connection.outputStream.use { it.write(body.toString().toByteArray()) }
            if (connection.responseCode != 200) {
                throw SuikangException.FaceCheckFailed("the face simulator answered HTTP ${connection.responseCode}")
            }
            val json = JSONObject(connection.inputStream.bufferedReader().readText())
            SignedFaceResult(
                vendor = json.getString("vendor"),
                challengeId = json.getString("challenge_id"),
                nonce = json.getString("nonce"),
                outcome = when (json.getString("outcome")) {
                    "match" -> FaceOutcome.MATCH
                    "mismatch" -> FaceOutcome.MISMATCH
                    else -> FaceOutcome.LIVENESS_FAILED
                },
                signature = json.getString("signature"),
            )
        } catch (e: IOException) {
            throw SuikangException.FaceCheckFailed("the face simulator is not reachable")
        } finally {
            connection.disconnect()
        }
    }

    private fun challengeJson(c: FaceChallenge): JSONObject = JSONObject()
        .put("challenge_id", c.challengeId)
        .put("nonce", c.nonce)
        .put("expires_at", c.expiresAt.toString())
        .put(
            "vendor",
            JSONObject()
                .put("vendor", c.vendor)
                .put("vendor_public_key", c.vendorPublicKey)
                .put("liveness_actions", JSONArray(c.livenessActions))
                .put("subject", c.subject),
        )

    private companion object {
        const val TIMEOUT_MS = 10_000
    }
}

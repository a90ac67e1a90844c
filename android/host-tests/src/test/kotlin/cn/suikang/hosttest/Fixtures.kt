package cn.suikang.hosttest

import cn.suikang.app.presentation.CoreThreads
import cn.suikang.ffi.App
import cn.suikang.ffi.AppConfig
import cn.suikang.ffi.FaceChallenge
import cn.suikang.ffi.FaceOutcome
import cn.suikang.ffi.FaceVerifier
import cn.suikang.ffi.NetworkPolicy
import cn.suikang.ffi.SecretStore
import cn.suikang.ffi.SignedFaceResult
import cn.suikang.ffi.SuikangException
import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.delay
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.random.Random

/** The server bindings/test-host.sh started, and its root key. */
object TestServer {
    val url: String = property("suikang.server.url")
    val rootKey: String = property("suikang.root.key")
    /** A checkpoint account's token (`suikang-server create-checkpoint`): the online check needs one. */
    val checkpointToken: String = property("suikang.checkpoint.token")

    private fun property(name: String): String = System.getProperty(name)
        ?.takeIf { it.isNotBlank() }
        ?: error("-D$name is not set: run the tests through bindings/test-host.sh")
}

/** What the simulated camera sees next; `null` means the person cancels. */
enum class Capture(val wire: String) { MATCH("match"), MISMATCH("mismatch"), SPOOF("spoof") }

/**
 * The app's FaceVerifier as a vendor SDK adapter would be, with the
 * server's face simulator standing in for the vendor: the challenge goes to
 * `POST /v1/face-simulator/capture`, the signed result comes back.
 */
class SimulatorFace(private val serverUrl: String, @Volatile var next: Capture? = Capture.MATCH) :
    FaceVerifier {
    @Volatile var calls = 0
        private set
    var throwUnexpected = false

    /**
     * The person dawdles: the vendor's result comes back only once the
     * challenge has expired. Challenges longer than [MAX_DAWDLE] are not
     * waited out (the result then comes back at once).
     */
    @Volatile var outlastChallenge = false

    override suspend fun verify(challenge: FaceChallenge): SignedFaceResult {
        calls++
        if (throwUnexpected) throw IllegalStateException("the camera driver crashed")
        val capture = next ?: throw SuikangException.FaceCheckCancelled()
        val body = """{"challenge":${challengeJson(challenge)},"capture":"${capture.wire}"}"""
        val request = HttpRequest.newBuilder(URI("$serverUrl/v1/face-simulator/capture"))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        if (response.statusCode() != 200) {
            throw SuikangException.FaceCheckFailed("the vendor answered HTTP ${response.statusCode()}")
        }
        val json = response.body()
        if (outlastChallenge) {
            val untilExpired = Duration.between(Instant.now(), challenge.expiresAt).plusMillis(50)
            if (untilExpired <= MAX_DAWDLE) delay(untilExpired.toMillis())
        }
        return SignedFaceResult(
            vendor = field(json, "vendor"),
            challengeId = field(json, "challenge_id"),
            nonce = field(json, "nonce"),
            outcome = when (field(json, "outcome")) {
                "match" -> FaceOutcome.MATCH
                "mismatch" -> FaceOutcome.MISMATCH
                else -> FaceOutcome.LIVENESS_FAILED
            },
            signature = field(json, "signature"),
        )
    }

    private fun challengeJson(c: FaceChallenge): String {
        val actions = c.livenessActions.joinToString(",") { "\"$it\"" }
        return """{"challenge_id":"${c.challengeId}","nonce":"${c.nonce}","expires_at":"${c.expiresAt}",""" +
            """"vendor":{"vendor":"${c.vendor}","vendor_public_key":"${c.vendorPublicKey}","liveness_actions":[$actions],"subject":"${c.subject}"}}"""
    }

    private fun field(json: String, name: String): String =
        Regex("\"$name\"\\s*:\\s*\"([^\"]*)\"").find(json)?.groupValues?.get(1)
            ?: throw SuikangException.FaceCheckFailed("the vendor's answer has no $name")

    companion object {
        val MAX_DAWDLE: Duration = Duration.ofSeconds(5)
        private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
    }
}

/** A keystore the app keeps itself (as an Android Keystore-backed store would). */
class MemorySecretStore : SecretStore {
    val secrets = ConcurrentHashMap<String, ByteArray>()
    @Volatile var broken = false

    override fun load(name: String): ByteArray? {
        if (broken) throw SuikangException.Keystore("the keystore is locked")
        return secrets[name]?.copyOf()
    }

    override fun save(name: String, secret: ByteArray) {
        if (broken) throw SuikangException.Keystore("the keystore is locked")
        secrets[name] = secret.copyOf()
    }

    override fun delete(name: String) {
        if (broken) throw SuikangException.Keystore("the keystore is locked")
        secrets.remove(name)
    }
}

/** Short timeouts, so a stopped server is noticed in a second or two. */
val fastNetwork = NetworkPolicy(
    maxAttempts = 2u,
    baseDelay = Duration.ofMillis(50),
    maxDelay = Duration.ofMillis(200),
    maxRetryAfter = Duration.ofSeconds(2),
    requestTimeout = Duration.ofSeconds(5),
    connectTimeout = Duration.ofSeconds(1),
)

/** A phone: its data folder, camera and keystore. */
class Phone(
    val dir: Path,
    val serverUrl: String = TestServer.url,
    val rootKey: String = TestServer.rootKey,
    val secrets: SecretStore? = MemorySecretStore(),
) {
    val face = SimulatorFace(serverUrl)

    /** Opens the app, as a launch does. */
    fun open(): App = CoreThreads.keepAttached().let { App(
        AppConfig(
            dataDir = dir.toString(),
            serverUrl = serverUrl,
            trustRoots = listOf(rootKey),
            network = fastNetwork,
        ),
        face,
        secrets,
    ) }
}

/** People with valid, unique resident ID numbers (GB 11643, MOD 11-2). */
object People {
    private val weights = intArrayOf(7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    private const val CHECK = "10X98765432"

    /**
     * Each number once per run: the tests share one server, and two tests
     * drawing the same number would be one person (one code, 一人一码).
     */
    private val sequence = java.util.concurrent.atomic.AtomicInteger(Random.nextInt(0, 1000))

    fun residentId(birth: String): String {
        val body = "440104$birth" + "%03d".format(sequence.getAndIncrement() % 1000)
        val sum = body.mapIndexed { i, c -> (c - '0') * weights[i] }.sum()
        return body + CHECK[sum % 11]
    }

    fun adult() = Person("张三明", residentId("19850612"))
    fun grandmother() = Person("李秀英", residentId("19400308"))
    fun child() = Person("王小明", residentId("20150601"))
}

data class Person(val name: String, val id: String)

/** A server of the test's own, to stop and start (the offline scenario). */
class ServerProcess(private val data: Path, private vararg val options: String) : AutoCloseable {
    private val bin: String = System.getProperty("suikang.server.bin")
        ?: error("-Dsuikang.server.bin is not set")
    val port: Int = ServerSocket(0).use { it.localPort }
    val url = "http://127.0.0.1:$port"
    val rootKey: String = run {
        val p = ProcessBuilder(bin, "--data", data.toString(), "--dev-root-key", "root-key").redirectErrorStream(false).start()
        check(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) { "suikang-server root-key failed" }
        p.inputStream.bufferedReader().readText().trim()
    }
    private var process: Process? = null

    fun start(): ServerProcess {
        val log = Files.createTempFile("suikang-server", ".log").toFile()
        // The reference server's face simulator stands in for the vendor, and
        // it signs its own trust list (development flags); every test phone
        // signs in from 127.0.0.1, so the per-address login limit is raised.
        process = ProcessBuilder(
            bin, "--data", data.toString(), "--listen", "127.0.0.1:$port", "--dev-face-simulator", "--dev-root-key",
            "--login-start-burst", "1000", *options,
        )
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start()
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20)
        while (System.nanoTime() < deadline) {
            if (runCatching { Socket("127.0.0.1", port).close() }.isSuccess) return this
            Thread.sleep(100)
        }
        close()
        error("suikang-server did not start on $url")
    }

    fun stop() {
        process?.let {
            it.destroy()
            if (!it.waitFor(10, TimeUnit.SECONDS)) it.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
        }
        process = null
    }

    override fun close() = stop()
}

/**
 * What stands between the phone and the server (a load balancer, the
 * station's Wi-Fi): passes requests through to [upstream] until the test
 * makes it answer 503, or a captive portal's login page with 200.
 */
class FrontDoor(private val upstream: String) : AutoCloseable {
    enum class Mode { PASS, DOWN, PORTAL }

    @Volatile var mode = Mode.PASS

    private val pool = Executors.newFixedThreadPool(4)
    private val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0).apply {
        createContext("/") { exchange ->
            try {
                answer(exchange)
            } finally {
                exchange.close()
            }
        }
        executor = pool
        start()
    }
    val url = "http://127.0.0.1:${server.address.port}"

    private fun answer(exchange: HttpExchange) {
        when (mode) {
            Mode.DOWN -> exchange.reply(503, "text/plain", "Service Unavailable".toByteArray())
            Mode.PORTAL -> exchange.reply(
                200,
                "text/html; charset=utf-8",
                "<html><body>Sign in to the station Wi-Fi to continue</body></html>".toByteArray(),
            )
            Mode.PASS -> passThrough(exchange)
        }
    }

    private fun passThrough(exchange: HttpExchange) {
        val body = exchange.requestBody.readBytes()
        val request = HttpRequest.newBuilder(URI(upstream + exchange.requestURI))
            .timeout(Duration.ofSeconds(10))
            .method(
                exchange.requestMethod,
                if (body.isEmpty()) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofByteArray(body),
            )
        exchange.requestHeaders.forEach { (name, values) ->
            if (name.lowercase() !in hopByHop) values.forEach { request.header(name, it) }
        }
        val response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray())
        response.headers().map().forEach { (name, values) ->
            if (name.lowercase() !in hopByHop && !name.startsWith(":")) exchange.responseHeaders[name] = values
        }
        val bytes = response.body()
        exchange.sendResponseHeaders(response.statusCode(), if (bytes.isEmpty()) -1 else bytes.size.toLong())
        if (bytes.isNotEmpty()) exchange.responseBody.write(bytes)
    }

    private fun HttpExchange.reply(status: Int, contentType: String, body: ByteArray) {
        responseHeaders["content-type"] = listOf(contentType)
        sendResponseHeaders(status, body.size.toLong())
        responseBody.write(body)
    }

    override fun close() {
        server.stop(0)
        pool.shutdownNow()
    }

    private companion object {
        val hopByHop = setOf("connection", "content-length", "expect", "host", "upgrade", "keep-alive", "transfer-encoding")
        val client: HttpClient = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build()
    }
}

/**
 * A second server, for the classes of the guardian's flows that sign in many
 * people: the reference server lets one client address start 30 sign-ins at
 * once, then one every 2 s (its login rate limit), and every test comes from
 * 127.0.0.1. Started on first use, stopped when the test JVM ends.
 */
object GuardianServer {
    private val data: Path = Files.createTempDirectory("suikang-guardian-server")
    private val process: ServerProcess by lazy {
        ServerProcess(data).start().also { server ->
            Runtime.getRuntime().addShutdownHook(Thread {
                server.close()
                data.toFile().deleteRecursively()
            })
        }
    }

    /** A phone on this server. */
    fun phone(dir: Path) = Phone(dir, process.url, process.rootKey)
}

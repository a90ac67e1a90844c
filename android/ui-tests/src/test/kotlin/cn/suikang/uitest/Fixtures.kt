package cn.suikang.uitest

import cn.suikang.app.presentation.CoreThreads
import cn.suikang.ffi.App
import cn.suikang.ffi.AppConfig
import cn.suikang.ffi.FaceVerifier
import cn.suikang.ffi.NetworkPolicy
import cn.suikang.ffi.SecretStore
import cn.suikang.ffi.SuikangException
import java.net.ServerSocket
import java.net.Socket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit
import kotlin.random.Random

/**
 * A suikang-server of the tests' own on loopback (started with its face
 * simulator), with a medical institution's account to impose controls.
 * Stopped and started by the offline scenario.
 */
class ServerProcess : AutoCloseable {
    private val bin: String = System.getProperty("suikang.server.bin")?.takeIf { it.isNotBlank() }
        ?: error("-Dsuikang.server.bin is not set: run the tests through bindings/test-host.sh")
    private val data: Path = Files.createTempDirectory("suikang-ui-server")
    val port: Int = ServerSocket(0).use { it.localPort }
    val url = "http://127.0.0.1:$port"
    val rootKey: String = run("--dev-root-key", "root-key").trim()

    /** 医疗机构: may impose a suspected-case control on anyone (问题十). */
    val hospitalToken: String = run(
        "create-authority", "--role", "medical_institution", "--organisation", "yuexiu-hospital", "--district", "440104",
    ).trim().lines().last()
    private var process: Process? = null

    private fun run(vararg args: String): String {
        val p = ProcessBuilder(bin, "--data", data.toString(), *args).redirectErrorStream(false).start()
        val out = p.inputStream.bufferedReader().readText()
        check(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) { "suikang-server ${args.first()} failed" }
        return out
    }

    fun start(): ServerProcess {
        val log = Files.createTempFile("suikang-ui-server", ".log").toFile()
        process = ProcessBuilder(
            bin, "--data", data.toString(), "--listen", "127.0.0.1:$port", "--dev-face-simulator", "--dev-root-key",
            // Every test phone signs in from 127.0.0.1: the per-address login limit raised for the tests.
            "--login-start-burst", "1000",
        )
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start()
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
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

    /** The authority's API, as the hospital's own system would call it. */
    fun imposeSuspectedCase(person: Person) {
        val body = """{"document":{"kind":"resident_id","number":"${person.id}"},"reason":"suspected_case"}"""
        val request = HttpRequest.newBuilder(URI("$url/v1/authority/controls/impose"))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .header("authorization", "Bearer $hospitalToken")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build()
        val response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() == 200) { "impose answered HTTP ${response.statusCode()}" }
    }

    override fun close() = stop()
}

/** A keystore the app keeps itself (the Android Keystore is not on the JVM). */
class MemorySecretStore : SecretStore {
    private val secrets = ConcurrentHashMap<String, ByteArray>()
    override fun load(name: String): ByteArray? = secrets[name]?.copyOf()
    override fun save(name: String, secret: ByteArray) {
        secrets[name] = secret.copyOf()
    }

    override fun delete(name: String) {
        secrets.remove(name)
    }
}

/** Short timeouts, so a stopped server shows as offline in a second or two. */
val fastNetwork = NetworkPolicy(
    maxAttempts = 2u,
    baseDelay = Duration.ofMillis(50),
    maxDelay = Duration.ofMillis(200),
    maxRetryAfter = Duration.ofSeconds(2),
    requestTimeout = Duration.ofSeconds(5),
    connectTimeout = Duration.ofSeconds(1),
)

/** The core the app opens, with its own data folder, on [server]. */
fun openApp(server: ServerProcess, face: FaceVerifier): App = CoreThreads.keepAttached().let { App(
    AppConfig(
        dataDir = Files.createTempDirectory("suikang-ui-phone").toString(),
        serverUrl = server.url,
        trustRoots = listOf(server.rootKey),
        network = fastNetwork,
    ),
    face,
    MemorySecretStore(),
) }

/** People with valid, unique resident ID numbers (GB 11643, MOD 11-2). */
object People {
    private val weights = intArrayOf(7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    private const val CHECK = "10X98765432"

    /** Each number once per run: the tests share one server (一人一码). */
    private val sequence = java.util.concurrent.atomic.AtomicInteger(Random.nextInt(0, 1000))

    fun residentId(birth: String): String {
        val body = "440104$birth" + "%03d".format(sequence.getAndIncrement() % 1000)
        val sum = body.mapIndexed { i, c -> (c - '0') * weights[i] }.sum()
        return body + CHECK[sum % 11]
    }

    fun adult() = Person("张三明", residentId("19850612"))
    fun grandmother() = Person("李秀英", residentId("19400308"))
}

data class Person(val name: String, val id: String)

/** Fails the test with the core's error kind rather than a bare stack. */
fun SuikangException.describe(): String = "${javaClass.simpleName}: $message"

package cn.suikang.app.presentation

import cn.suikang.ffi.uniffiRustFutureContinuationCallbackImpl
import com.sun.jna.CallbackThreadInitializer
import com.sun.jna.Native
import java.util.concurrent.atomic.AtomicBoolean

/**
 * The core does its work on its own threads, off the caller's (issue 15),
 * and hands each answer back through a JNA callback from that thread — as
 * it calls the app's `SecretStore` from there. JNA's default attaches such a
 * native thread to the JVM for the one callback and detaches it after: a new
 * `java.lang.Thread` each time, most of the FFI round trip of `screen()`.
 * Kept attached instead (as daemons, named `suikang-core`); JNA detaches a
 * thread when the core's runtime ends it. Once per process, before the first
 * call; the app and the host tests both do it.
 */
object CoreThreads {
    private val done = AtomicBoolean(false)

    fun keepAttached() {
        if (!done.compareAndSet(false, true)) return
        // Every async call of the bindings ends in this callback, on the
        // thread that finished the work; attached once, the thread stays so
        // for the SecretStore and screen-listener callbacks after it too.
        Native.setCallbackThreadInitializer(
            uniffiRustFutureContinuationCallbackImpl,
            CallbackThreadInitializer(true, false, "suikang-core"),
        )
    }
}

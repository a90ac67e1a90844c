package cn.suikang.app.presentation

import cn.suikang.ffi.AppInterface
import cn.suikang.ffi.Screen
import cn.suikang.ffi.ScreenListener
import cn.suikang.ffi.SuikangException
import cn.suikang.ffi.clockText
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.flow.flow
import java.time.Instant

/**
 * The code screen as a Flow: the core's subscription (screen now, then on
 * every sync, arrow and ~30 s renewal) for as long as it is collected.
 * Collection ending cancels the Rust task. Errors (a cache that failed to
 * read) go to [onError]; the core keeps trying and the flow keeps going.
 */
fun AppInterface.screens(onError: (SuikangException) -> Unit = {}): Flow<Screen> = callbackFlow {
    val handle = subscribe(object : ScreenListener {
        override fun onScreen(screen: Screen) {
            trySend(screen)
        }

        override fun onError(error: SuikangException) {
            onError(error)
        }
    })
    awaitClose {
        handle.cancel()
        handle.close()
    }
}.conflate()

/**
 * The live clock people check at gates: the core's text for each second.
 * The core formats it (Beijing time); this only ticks.
 */
fun liveClock(now: () -> Instant = Instant::now): Flow<String> = flow {
    while (true) {
        val t = now()
        emit(clockText(t))
        delay(1000L - (t.toEpochMilli() % 1000L))
    }
}

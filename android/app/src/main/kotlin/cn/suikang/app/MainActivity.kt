package cn.suikang.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.runtime.getValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.suikang.app.presentation.HomeState
import cn.suikang.app.ui.AppViewModel
import cn.suikang.app.ui.HomeScreen
import cn.suikang.app.ui.LoginScreen

/** One activity: the login screen while signed out, else the code screen. */
class MainActivity : ComponentActivity() {
    private val model: AppViewModel by viewModels { AppViewModel.factory(application as SuikangApplication) }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContent {
            MaterialTheme {
                Surface {
                    val home by model.home.collectAsStateWithLifecycle()
                    when (val state = home) {
                        is HomeState.SignedOut -> LoginScreen(model, state.banner)
                        else -> HomeScreen(model, state)
                    }
                }
            }
        }
    }

    override fun onStart() {
        super.onStart()
        model.syncQuietly()
    }
}

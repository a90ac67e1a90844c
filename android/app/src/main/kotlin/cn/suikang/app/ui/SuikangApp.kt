package cn.suikang.app.ui

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.suikang.app.presentation.HomeState

/** The whole app's content: login while signed out, else the code screen or a form. */
@Composable
fun SuikangApp(model: AppViewModel) {
    MaterialTheme {
        Surface {
            // Full brightness and the screen kept on while a code card shows.
            CodeScreenLightEffect(model)
            val home by model.home.collectAsStateWithLifecycle()
            val page by model.page.collectAsStateWithLifecycle()
            when (val state = home) {
                is HomeState.SignedOut -> LoginScreen(model, state.banner)
                else -> when (page) {
                    Page.HOME -> HomeScreen(model, state)
                    Page.APPLY_PROXY -> ProxyApplicationScreen(model)
                    Page.DECLARE -> DeclarationScreen(model)
                    Page.DEPENDENTS -> DependentsScreen(model)
                    Page.JOIN_REQUESTS -> JoinRequestsScreen(model)
                }
            }
        }
    }
}

package cn.suikang.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import cn.suikang.app.ui.AppViewModel
import cn.suikang.app.ui.SuikangApp

/** One activity: the login screen while signed out, else the code screen and its forms. */
class MainActivity : ComponentActivity() {
    private val model: AppViewModel by viewModels { AppViewModel.factory(application as SuikangApplication) }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContent { SuikangApp(model) }
    }

    override fun onStart() {
        super.onStart()
        model.syncQuietly()
    }
}

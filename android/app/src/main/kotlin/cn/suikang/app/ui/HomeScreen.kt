package cn.suikang.app.ui

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.KeyboardArrowLeft
import androidx.compose.material.icons.automirrored.filled.KeyboardArrowRight
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.suikang.ffi.UiText
import cn.suikang.app.presentation.text
import cn.suikang.app.presentation.BannerState
import cn.suikang.app.presentation.HomeState
import cn.suikang.app.presentation.Language
import cn.suikang.app.presentation.ownName
import cn.suikang.app.print.PagePrinter
import cn.suikang.ffi.Arrow
import cn.suikang.ffi.PageFormat
import cn.suikang.ffi.arrowLabel

@Composable
fun Banner(banner: BannerState?) {
    if (banner == null) return
    Text(
        banner.text,
        Modifier.fillMaxWidth().background(Color(0xFFFFF3CD)).padding(12.dp),
        color = Color(0xFF664D03),
    )
}

/** My code first, dependents behind the arrows (问题五). */
@Composable
fun HomeScreen(model: AppViewModel, state: HomeState) {
    val clock by model.clock.collectAsStateWithLifecycle()
    // The arrows' spoken labels in the language on screen (TalkBack reads them).
    val language by model.language.collectAsStateWithLifecycle()
    val context = LocalContext.current
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        LanguageSwitch(model)
        when (state) {
            is HomeState.NoCode -> {
                Banner(state.banner)
                Text(language.text(UiText.NO_CODE_YET))
                Button(onClick = model::applySelf) { Text(language.text(UiText.APPLY_FOR_OWN_CODE)) }
                OutlinedButton(onClick = model::openProxyApplication) { Text(language.text(UiText.APPLY_FOR_DEPENDENT)) }
            }
            is HomeState.Code -> {
                val card = state.card
                Banner(card.banner)
                Row(verticalAlignment = Alignment.CenterVertically) {
                    IconButton(onClick = model::previous, enabled = card.showPrevious) {
                        Icon(Icons.AutoMirrored.Filled.KeyboardArrowLeft, contentDescription = arrowLabel(Arrow.PREVIOUS, language.core))
                    }
                    CodeCard(card, clock, Modifier.weight(1f))
                    IconButton(onClick = model::next, enabled = card.showNext) {
                        Icon(Icons.AutoMirrored.Filled.KeyboardArrowRight, contentDescription = arrowLabel(Arrow.NEXT, language.core))
                    }
                }
                card.position?.let { Text(it) }
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    if (card.canPrint) {
                        // The print dialog also saves the page as a PDF to share.
                        OutlinedButton(onClick = {
                            model.printedPage(card.codeId, PageFormat.SVG) { svg -> PagePrinter.print(context, svg, language.text(UiText.PRINTED_CODE_TITLE)) }
                        }) { Text(language.text(UiText.PRINT)) }
                    }
                    if (card.canRemove) {
                        // Leaving a dependent's guardians is asked once more, on the dependents list.
                        OutlinedButton(onClick = { model.openDependents(removing = card.codeId) }) { Text(language.text(UiText.REMOVE)) }
                    }
                }
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    if (card.canDeclare) {
                        // Own code: no code id; a dependent's: theirs (the core says which is which).
                        val codeId = card.codeId.takeIf { card.canRemove }
                        Button(onClick = { model.openDeclaration(codeId) }) { Text(language.text(UiText.HEALTH_DECLARATION)) }
                    }
                    OutlinedButton(onClick = model::openProxyApplication) { Text(language.text(UiText.APPLY_FOR_DEPENDENT)) }
                }
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    OutlinedButton(onClick = { model.openDependents() }) { Text(language.text(UiText.DEPENDENTS)) }
                    OutlinedButton(onClick = model::openJoinRequests) { Text(language.text(UiText.JOIN_REQUESTS)) }
                }
            }
            is HomeState.SignedOut -> Unit
        }
    }
}

/** 简 / 繁 / EN: the core's texts in the language the person reads. */
@Composable
fun LanguageSwitch(model: AppViewModel) {
    val current by model.language.collectAsStateWithLifecycle()
    Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
        for (language in Language.entries) {
            TextButton(onClick = { model.switchLanguage(language) }, enabled = language != current) { Text(language.ownName) }
        }
    }
}

package cn.suikang.app.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import cn.suikang.app.presentation.Argb
import cn.suikang.app.presentation.CodeCardState
import cn.suikang.app.presentation.QrModules

fun Argb.compose() = Color(value)

/** The card as tests and screenshots find it. */
const val CODE_CARD_TAG = "code-card"

/** The QR on the card, as tests find it. */
const val QR_TAG = "code-card-qr"

/** From this font scale on, the card draws the QR first: large text must never push it off the screen. */
const val LARGE_TEXT_SCALE = 1.3f

/** The card in the code's colour, the QR on its light panel, the identity. */
@Composable
fun CodeCard(card: CodeCardState, clock: String?, modifier: Modifier = Modifier) {
    Column(
        modifier
            .fillMaxWidth()
            .testTag(CODE_CARD_TAG)
            .background(card.cardColor.compose(), RoundedCornerShape(16.dp))
            .padding(20.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        val onCard = card.onCardColor.compose()
        val qrFirst = LocalDensity.current.fontScale >= LARGE_TEXT_SCALE
        val qr = @Composable {
            QrCode(card.qr, card.qrDark.compose(), card.qrLight.compose(), Modifier.fillMaxWidth(0.8f).testTag(QR_TAG))
        }
        if (qrFirst) qr()
        Text(card.title, color = onCard, style = MaterialTheme.typography.titleLarge)
        // The live clock people check at gates, ticking each second.
        Text(clock ?: card.clock, color = onCard, style = MaterialTheme.typography.headlineSmall, fontWeight = FontWeight.Bold)
        if (!qrFirst) qr()
        Text(card.status, color = onCard, style = MaterialTheme.typography.titleMedium)
        card.reasons.forEach { Text(it, color = onCard) }
        Text("${card.maskedName}  ${card.maskedDocument}", color = onCard)
        Text(card.issuerName, color = onCard, style = MaterialTheme.typography.labelMedium)
        card.lastSynced?.let { Text("⟳ $it", color = onCard, style = MaterialTheme.typography.labelSmall) }
        // Until when the code works offline and, a dependent's, when the printed page ends: the core's words.
        listOfNotNull(card.offlineValidity, card.printedValidity).forEach { line ->
            Text(
                line.text,
                color = onCard,
                style = MaterialTheme.typography.labelMedium,
                fontWeight = if (line.ended) FontWeight.Bold else FontWeight.Normal,
            )
        }
    }
}

/** Draws the matrix module by module (runs of dark modules as one rectangle). */
@Composable
fun QrCode(qr: QrModules, dark: Color, light: Color, modifier: Modifier = Modifier) {
    val runs = remember(qr) { qr.darkRuns() }
    Canvas(modifier.aspectRatio(1f).background(light)) {
        val module = size.width / qr.sideWithQuietZone
        val origin = qr.quietZone * module
        for (run in runs) {
            drawRect(
                color = dark,
                topLeft = Offset(origin + run.column * module, origin + run.row * module),
                // A hair wider so neighbouring runs leave no seams.
                size = Size(run.length * module + 0.5f, module + 0.5f),
            )
        }
    }
}

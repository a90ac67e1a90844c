package cn.suikang.app.keystore

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import cn.suikang.ffi.SecretStore
import cn.suikang.ffi.SuikangException
import java.io.File
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The core's secrets (device key, session tokens, cache data key) sealed
 * with an AES-256-GCM key that never leaves the Android Keystore (hardware
 * backed where the phone has it). Each secret is a file in the app's
 * no-backup folder: IV ‖ ciphertext, the secret's name bound as AAD.
 *
 * Passed to the core as its `SecretStore`, so the core's own Android
 * keyring backend (which needs the JNI context set up first) is not used.
 */
class AndroidKeystoreSecretStore(context: Context) : SecretStore {
    private val dir = File(context.noBackupFilesDir, "suikang-secrets").apply { mkdirs() }

    private fun key(): SecretKey {
        val keyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        (keyStore.getKey(ALIAS, null) as SecretKey?)?.let { return it }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }

    private fun file(name: String): File {
        if (name.isEmpty() || !name.all { it.isLetterOrDigit() || it == '-' }) {
            throw SuikangException.Keystore("a secret's name is letters, digits and '-'")
        }
        return File(dir, name)
    }

    private inline fun <T> keystore(block: () -> T): T = try {
        block()
    } catch (e: SuikangException) {
        throw e
    } catch (e: Exception) {
        // The class says what failed; the message is not ours to pass on.
        throw SuikangException.Keystore("Android Keystore: ${e.javaClass.simpleName}")
    }

    override fun load(name: String): ByteArray? = keystore {
        val f = file(name)
        if (!f.exists()) return@keystore null
        val sealed = f.readBytes()
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key(), GCMParameterSpec(128, sealed, 0, IV_BYTES))
        cipher.updateAAD(name.toByteArray())
        cipher.doFinal(sealed, IV_BYTES, sealed.size - IV_BYTES)
    }

    override fun save(name: String, secret: ByteArray) = keystore {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, key())
        cipher.updateAAD(name.toByteArray())
        val sealed = cipher.iv + cipher.doFinal(secret)
        val tmp = File(dir, "$name.tmp")
        tmp.writeBytes(sealed)
        if (!tmp.renameTo(file(name))) throw SuikangException.Keystore("could not replace a secret")
    }

    override fun delete(name: String) = keystore {
        file(name).delete()
        Unit
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "suikang-secrets"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
    }
}

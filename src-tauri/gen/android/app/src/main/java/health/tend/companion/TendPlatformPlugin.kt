// Tend's Android side of the `tend-platform` plugin (src-tauri/src/platform/mobile.rs): Bluetooth
// permissions and the "Alarms & reminders" setting. Hand-written, not generated: `tauri android
// init` keeps files it finds, but deleting src-tauri/gen/android to make it again loses this one.

package health.tend.companion

import android.Manifest
import android.app.Activity
import android.app.AlarmManager
import android.content.ActivityNotFoundException
import android.content.Intent
import android.net.Uri
import android.os.Build
import android.provider.Settings
import app.tauri.PermissionState
import app.tauri.annotation.Command
import app.tauri.annotation.Permission
import app.tauri.annotation.PermissionCallback
import app.tauri.annotation.TauriPlugin
import app.tauri.plugin.Invoke
import app.tauri.plugin.JSObject
import app.tauri.plugin.Plugin

// One alias for each Android generation. Tauri asks for every string of an alias and counts it
// granted only when all are, and a string the phone cannot grant (BLUETOOTH_SCAN before
// Android 12, fine location from 12 on, where the manifest caps it at API 30) would keep the
// answer "no" for good.
private const val NEARBY_DEVICES = "nearbyDevices"
private const val LOCATION = "location"

@TauriPlugin(
  permissions = [
    Permission(
      strings = [Manifest.permission.BLUETOOTH_SCAN, Manifest.permission.BLUETOOTH_CONNECT],
      alias = NEARBY_DEVICES
    ),
    Permission(strings = [Manifest.permission.ACCESS_FINE_LOCATION], alias = LOCATION)
  ]
)
class TendPlatformPlugin(private val activity: Activity) : Plugin(activity) {
  // Every call here has a Rust thread blocked on it (`run_mobile_plugin`), so each must be
  // answered. Tauri keeps the callback of the latest permission request only, so a second
  // request while the dialog is up waits for the first one's answer instead of asking again.
  // Commands and answers all run on the main thread, hence no lock.
  private val waitingForBluetooth = mutableListOf<Invoke>()

  /** Resolves `{ granted }`, asking the patient first when Android still lets Tend ask. */
  @Command
  fun requestBluetooth(invoke: Invoke) {
    val alias = bluetoothAlias()
    if (getPermissionState(alias) == PermissionState.GRANTED) {
      invoke.resolve(granted(true))
      return
    }
    // Checked first: with manifest lines missing, Tauri rejects the request and never calls
    // back, which would leave every later call waiting for good.
    if (!isPermissionDeclared(alias)) {
      invoke.reject("Bluetooth permissions are missing from AndroidManifest.xml (docs/mobile.md)")
      return
    }
    waitingForBluetooth.add(invoke)
    if (waitingForBluetooth.size > 1) return
    // Asked even after a refusal: Android shows its dialog only while it still may, and
    // otherwise answers "no" at once. Tauri's saved "denied" is not trusted, because it is also
    // written when the patient merely closed the dialog.
    try {
      requestPermissionForAlias(alias, invoke, "bluetoothAnswered")
    } catch (e: RuntimeException) {
      // No activity to show the dialog from: not the patient's answer, so an error.
      for (waiting in takeWaitingForBluetooth()) {
        waiting.reject("the Bluetooth permission could not be asked: ${e.message}")
      }
    }
  }

  /** Resolves `{ granted }`: whether reminders may ring at the exact minute. */
  @Command
  fun exactAlarms(invoke: Invoke) {
    val allowed = if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
      activity.getSystemService(AlarmManager::class.java)?.canScheduleExactAlarms() ?: false
    } else {
      // Before Android 12 exact alarms need no permission.
      true
    }
    invoke.resolve(granted(allowed))
  }

  /** Opens "Alarms & reminders" for Tend (Android 12+). Resolves at once, not on return. */
  @Command
  fun openExactAlarmSettings(invoke: Invoke) {
    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
      // packageName, not the identifier: a debug build has its own (`.debug`).
      val intent = Intent(
        Settings.ACTION_REQUEST_SCHEDULE_EXACT_ALARM,
        Uri.parse("package:${activity.packageName}")
      )
      try {
        activity.startActivity(intent)
      } catch (e: ActivityNotFoundException) {
        invoke.reject("this phone has no \"Alarms & reminders\" page")
        return
      }
    }
    invoke.resolve(JSObject())
  }

  // `invoke` is the first of `waitingForBluetooth`, answered with the others.
  @Suppress("UNUSED_PARAMETER")
  @PermissionCallback
  private fun bluetoothAnswered(invoke: Invoke) {
    val answer = granted(getPermissionState(bluetoothAlias()) == PermissionState.GRANTED)
    for (waiting in takeWaitingForBluetooth()) waiting.resolve(answer)
  }

  private fun takeWaitingForBluetooth(): List<Invoke> {
    val waiting = waitingForBluetooth.toList()
    waitingForBluetooth.clear()
    return waiting
  }

  private fun bluetoothAlias(): String =
    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) NEARBY_DEVICES else LOCATION

  private fun granted(isGranted: Boolean): JSObject {
    val answer = JSObject()
    answer.put("granted", isGranted)
    return answer
  }
}

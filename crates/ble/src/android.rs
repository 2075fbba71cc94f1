//! Android: btleplug's backend reaches Android's Bluetooth through JNI and Java classes of its
//! own (`com.nonpolynomial.btleplug.android.impl`, which the Android project must include:
//! docs/mobile.md). It must be initialised once with a JNI environment before the first
//! `Manager::new()`; this does that from the Java VM and activity that the Tauri runtime puts in
//! `ndk-context` when the app starts.
//!
//! The one place in Tend with `unsafe`: turning ndk-context's raw pointers into jni's types.

use std::sync::OnceLock;

use jni::{jni_sig, jni_str, objects::JObject, JValue, JavaVM};

use crate::{Error, Result};

/// Initialises btleplug's Android backend, once; a failure is kept and reported again.
pub(crate) fn init() -> Result<()> {
    static DONE: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    DONE.get_or_init(init_once)
        .clone()
        .map_err(Error::Unavailable)
}

#[allow(unsafe_code)]
fn init_once() -> std::result::Result<(), String> {
    let context = ndk_context::android_context();
    if context.vm().is_null() || context.context().is_null() {
        return Err("the Android context is not set up yet".into());
    }
    // SAFETY: ndk-context holds the process's one JavaVM pointer (set by the Tauri runtime when
    // the activity is created), valid for the life of the process.
    let vm = unsafe { JavaVM::from_raw(context.vm().cast()) };
    // jni wants the closure's error to come from its own; btleplug's comes back inside.
    let initialised =
        vm.attach_current_thread(|env| -> jni::errors::Result<btleplug::Result<()>> {
            // SAFETY: ndk-context's context is a global reference to the activity, valid for the
            // life of the process; this wrapper owns nothing and deletes nothing.
            let activity = unsafe { JObject::from_raw(env, context.context().cast()) };
            // A thread attached from native code sees only the system class loader: give it the
            // app's, so btleplug finds its Java classes from here.
            let loader = env
                .call_method(
                    &activity,
                    jni_str!("getClassLoader"),
                    jni_sig!("()Ljava/lang/ClassLoader;"),
                    &[],
                )
                .and_then(|v| v.l())?;
            let thread = env
                .call_static_method(
                    jni_str!("java/lang/Thread"),
                    jni_str!("currentThread"),
                    jni_sig!("()Ljava/lang/Thread;"),
                    &[],
                )
                .and_then(|v| v.l())?;
            env.call_method(
                &thread,
                jni_str!("setContextClassLoader"),
                jni_sig!("(Ljava/lang/ClassLoader;)V"),
                &[JValue::Object(&loader)],
            )?;
            Ok(btleplug::platform::init(env))
        });
    initialised
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

// The app runs with `freezePrototype` on (tauri.conf.json); tests run the same way so a library
// that writes to Object.prototype fails here, not in the patient's webview.
Object.freeze(Object.prototype);

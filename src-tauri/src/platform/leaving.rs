//! Locking when the patient leaves the machine: the desktop session locks (logind's `Lock`, or a
//! screen saver's `ActiveChanged(true)`) or the machine goes to sleep (logind's
//! `PrepareForSleep(true)`). Linux says so on D-Bus; on other desktops and on phones this waits
//! for nothing yet (macOS and Windows have their own notifications, to be added here).

use tend_core::IdleLock;

/// Why Tend locked without waiting for the idle time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaving {
    /// The desktop session (the screen) was locked.
    SessionLocked,
    /// The machine is about to sleep.
    Sleeping,
}

/// Locks `sessions` whenever the system says the patient left, and tells `locked` (when Tend was
/// open). Runs until no bus answers at all.
pub async fn lock_when_leaving(sessions: &IdleLock, locked: impl Fn(Leaving)) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watching = watch(move |why| {
        let _ = tx.send(why);
    });
    let locking = async {
        while let Some(why) = rx.recv().await {
            let was_open = sessions.is_unlocked().await;
            match sessions.lock_now().await {
                Ok(()) if was_open => locked(why),
                Ok(()) => {}
                Err(e) => tracing::warn!(code = ?e.code(), "locking as the patient left failed"),
            }
        }
    };
    tokio::join!(watching, locking);
}

#[cfg(target_os = "linux")]
async fn watch(leaving: impl Fn(Leaving) + Send + Sync + 'static) {
    let leaving = std::sync::Arc::new(leaving);
    let (from_logind, from_screen_saver) = tokio::join!(
        linux::logind(std::sync::Arc::clone(&leaving)),
        linux::screen_saver(leaving),
    );
    for (bus, result) in [("logind", from_logind), ("screen saver", from_screen_saver)] {
        if let Err(e) = result {
            tracing::info!("not locking on {bus} events: {e}");
        }
    }
}

#[cfg(not(target_os = "linux"))]
async fn watch(_leaving: impl Fn(Leaving) + Send + Sync + 'static) {}

#[cfg(target_os = "linux")]
mod linux {
    use std::sync::Arc;

    use futures::StreamExt;
    use zbus::{zvariant::OwnedObjectPath, Connection, Proxy};

    use super::Leaving;

    const LOGIND: &str = "org.freedesktop.login1";

    /// logind on the system bus: sleep, and the lock of this process's own session.
    pub async fn logind(leaving: Arc<impl Fn(Leaving)>) -> zbus::Result<()> {
        let bus = Connection::system().await?;
        let manager = Proxy::new(
            &bus,
            LOGIND,
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
        )
        .await?;
        let sleeping = manager
            .receive_signal("PrepareForSleep")
            .await?
            .filter_map(|m| std::future::ready(m.body().deserialize::<bool>().ok()))
            .filter(|starting| std::future::ready(*starting))
            .map(|_| Leaving::Sleeping);
        // A process outside any login session (a service, a test) has no session to lock.
        let session: Option<OwnedObjectPath> = manager
            .call("GetSessionByPID", &(std::process::id()))
            .await
            .ok();
        let locking = match session {
            Some(path) => {
                let session =
                    Proxy::new(&bus, LOGIND, path, "org.freedesktop.login1.Session").await?;
                Some(
                    session
                        .receive_signal("Lock")
                        .await?
                        .map(|_| Leaving::SessionLocked),
                )
            }
            None => None,
        };
        let mut events = futures::stream::select(
            sleeping.boxed(),
            futures::stream::iter(locking).flatten().boxed(),
        );
        while let Some(why) = events.next().await {
            leaving(why);
        }
        Ok(())
    }

    /// The desktop's screen saver on the session bus (freedesktop's, and GNOME's own).
    pub async fn screen_saver(leaving: Arc<impl Fn(Leaving)>) -> zbus::Result<()> {
        let bus = Connection::session().await?;
        let mut streams = Vec::new();
        for (name, path) in [
            (
                "org.freedesktop.ScreenSaver",
                "/org/freedesktop/ScreenSaver",
            ),
            ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
        ] {
            let proxy = Proxy::new(&bus, name, path, name).await?;
            streams.push(proxy.receive_signal("ActiveChanged").await?);
        }
        let mut events = futures::stream::select_all(streams)
            .filter_map(|m| std::future::ready(m.body().deserialize::<bool>().ok()))
            .filter(|active| std::future::ready(*active));
        while events.next().await.is_some() {
            leaving(Leaving::SessionLocked);
        }
        Ok(())
    }
}

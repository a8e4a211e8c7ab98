//! The xdg-desktop-portal GlobalShortcuts interface, played by the test on a private
//! session bus (the desktops on this machine, GNOME 43 and sway, do not offer it; KDE
//! Plasma and newer GNOME do): `CreateSession` and `BindShortcuts` answer through a
//! `org.freedesktop.portal.Request` `Response` signal on the path the spec derives from the
//! caller's name and handle token, the bound shortcuts and their preferred triggers are
//! recorded, and [`ShortcutsPortal::activate`] presses one, as the desktop does when the
//! user types it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};

use crate::dbus::runtime;

const DESKTOP_PATH: &str = "/org/freedesktop/portal/desktop";

/// A shortcut a client bound: its id and preferred trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub session: String,
    pub id: String,
    pub preferred_trigger: Option<String>,
}

#[derive(Default)]
struct Portal {
    bound: Arc<Mutex<Vec<Bound>>>,
}

/// `/org/freedesktop/portal/desktop/<kind>/<sender without ':' and with '.' as '_'>/<token>`.
fn handle_path(kind: &str, sender: &str, token: &str) -> String {
    let sender = sender.trim_start_matches(':').replace('.', "_");
    format!("{DESKTOP_PATH}/{kind}/{sender}/{token}")
}

fn token(options: &HashMap<String, OwnedValue>, key: &str) -> String {
    options
        .get(key)
        .and_then(|v| <&str>::try_from(&**v).ok())
        .unwrap_or("t")
        .to_owned()
}

/// The caller's name and the path of the `Request` its call answers on.
fn request_of(
    header: &zbus::message::Header<'_>,
    options: &HashMap<String, OwnedValue>,
) -> (String, String) {
    let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
    let request = handle_path("request", &sender, &token(options, "handle_token"));
    (sender, request)
}

async fn respond(
    connection: &zbus::Connection,
    sender: &str,
    request: &str,
    results: HashMap<&str, Value<'_>>,
) -> zbus::fdo::Result<()> {
    connection
        .emit_signal(
            Some(sender),
            request,
            "org.freedesktop.portal.Request",
            "Response",
            &(0u32, results),
        )
        .await
        .map_err(|e| zbus::fdo::Error::Failed(e.to_string()))
}

#[zbus::interface(name = "org.freedesktop.portal.GlobalShortcuts")]
impl Portal {
    #[zbus(property)]
    fn version(&self) -> u32 {
        1
    }

    async fn create_session(
        &self,
        options: HashMap<String, OwnedValue>,
        #[zbus(header)] header: zbus::message::Header<'_>,
        #[zbus(connection)] connection: &zbus::Connection,
    ) -> zbus::fdo::Result<OwnedObjectPath> {
        let (sender, request) = request_of(&header, &options);
        let session = handle_path("session", &sender, &token(&options, "session_handle_token"));
        let mut results = HashMap::new();
        results.insert("session_handle", Value::from(session.as_str()));
        respond(connection, &sender, &request, results).await?;
        OwnedObjectPath::try_from(request).map_err(|e| zbus::fdo::Error::Failed(e.to_string()))
    }

    async fn bind_shortcuts(
        &self,
        session: ObjectPath<'_>,
        shortcuts: Vec<(String, HashMap<String, OwnedValue>)>,
        _parent_window: String,
        options: HashMap<String, OwnedValue>,
        #[zbus(header)] header: zbus::message::Header<'_>,
        #[zbus(connection)] connection: &zbus::Connection,
    ) -> zbus::fdo::Result<OwnedObjectPath> {
        let (sender, request) = request_of(&header, &options);
        let mut answered = Vec::new();
        {
            let mut bound = self.bound.lock().unwrap();
            bound.retain(|b| b.session != session.as_str());
            for (id, info) in &shortcuts {
                let trigger = info
                    .get("preferred_trigger")
                    .and_then(|v| <&str>::try_from(&**v).ok())
                    .map(str::to_owned);
                let description = info
                    .get("description")
                    .and_then(|v| <&str>::try_from(&**v).ok())
                    .unwrap_or_default()
                    .to_owned();
                bound.push(Bound {
                    session: session.to_string(),
                    id: id.clone(),
                    preferred_trigger: trigger.clone(),
                });
                let mut info: HashMap<String, OwnedValue> = HashMap::new();
                info.insert(
                    "description".into(),
                    Value::from(description).try_into().unwrap(),
                );
                let shown = trigger.unwrap_or_default();
                info.insert(
                    "trigger_description".into(),
                    Value::from(shown).try_into().unwrap(),
                );
                answered.push((id.clone(), info));
            }
        }
        let mut results = HashMap::new();
        results.insert("shortcuts", Value::from(answered));
        respond(connection, &sender, &request, results).await?;
        OwnedObjectPath::try_from(request).map_err(|e| zbus::fdo::Error::Failed(e.to_string()))
    }
}

/// The portal on a bus; stops with the value.
pub struct ShortcutsPortal {
    runtime: tokio::runtime::Runtime,
    connection: zbus::Connection,
    bound: Arc<Mutex<Vec<Bound>>>,
}

impl ShortcutsPortal {
    /// Owns `org.freedesktop.portal.Desktop` on the bus at `address`.
    pub fn start(address: &str) -> anyhow::Result<ShortcutsPortal> {
        let runtime = runtime()?;
        let portal = Portal::default();
        let bound = portal.bound.clone();
        let connection = runtime.block_on(async {
            let c = zbus::connection::Builder::address(address)?
                .serve_at(DESKTOP_PATH, portal)?
                .name("org.freedesktop.portal.Desktop")?
                .build()
                .await?;
            anyhow::Ok(c)
        })?;
        Ok(ShortcutsPortal {
            runtime,
            connection,
            bound,
        })
    }

    /// What clients bound so far.
    pub fn bound(&self) -> Vec<Bound> {
        self.bound.lock().unwrap().clone()
    }

    /// The user types the shortcut `id` of the session that bound it last.
    pub fn activate(&self, id: &str) -> anyhow::Result<()> {
        let session = self
            .bound()
            .into_iter()
            .rev()
            .find(|b| b.id == id)
            .map(|b| b.session)
            .ok_or_else(|| anyhow::anyhow!("nobody bound {id}"))?;
        self.runtime.block_on(async {
            let session = ObjectPath::try_from(session.as_str())?;
            let options: HashMap<&str, Value<'_>> = HashMap::new();
            self.connection
                .emit_signal(
                    None::<&str>,
                    DESKTOP_PATH,
                    "org.freedesktop.portal.GlobalShortcuts",
                    "Activated",
                    &(session, id, 0u64, options),
                )
                .await?;
            anyhow::Ok(())
        })
    }
}

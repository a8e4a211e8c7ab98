//! The desktop's D-Bus services, played by the test on a desktop's private session bus: a
//! tray host (the `org.kde.StatusNotifierWatcher` a panel owns) that reads an item's
//! properties and its dbusmenu layout and clicks items, and a notification server
//! (`org.freedesktop.Notifications`) that records what is shown and invokes actions, as a
//! user clicking a button does. Each runs on a small tokio runtime of its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedValue, Value};

use crate::wait_until;

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?)
}

async fn connect(bus: &str) -> anyhow::Result<zbus::Connection> {
    Ok(zbus::connection::Builder::address(bus)?.build().await?)
}

#[derive(Default)]
struct Watcher {
    items: Arc<Mutex<Vec<(String, String)>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    async fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: zbus::message::Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        // The spec allows an object path instead of a name: then the sender is the service.
        let (bus_name, path) = if service.starts_with('/') {
            (sender, service.to_owned())
        } else {
            (service.to_owned(), "/StatusNotifierItem".to_owned())
        };
        self.items.lock().unwrap().push((bus_name.clone(), path));
        let _ = Self::status_notifier_item_registered(&emitter, &bus_name).await;
    }

    async fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    async fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items
            .lock()
            .unwrap()
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }

    #[zbus(property)]
    async fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    async fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(signal)]
    async fn status_notifier_item_registered(
        emitter: &SignalEmitter<'_>,
        service: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn status_notifier_host_registered(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

/// One line of a tray menu as the host reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuEntry {
    pub id: i32,
    /// Empty for a separator.
    pub label: String,
    pub enabled: bool,
    pub visible: bool,
    pub separator: bool,
}

/// A tray host on a desktop's session bus.
pub struct TrayHost {
    runtime: tokio::runtime::Runtime,
    connection: zbus::Connection,
    items: Arc<Mutex<Vec<(String, String)>>>,
}

fn menu_entry(node: &Value<'_>) -> Option<(MenuEntry, Vec<OwnedValue>)> {
    let Value::Structure(s) = node else {
        return None;
    };
    let fields = s.fields();
    let id = i32::try_from(fields.first()?).ok()?;
    let props: HashMap<String, OwnedValue> = fields.get(1)?.try_clone().ok()?.try_into().ok()?;
    let children: Vec<OwnedValue> = fields.get(2)?.try_clone().ok()?.try_into().ok()?;
    let text = |k: &str| {
        props
            .get(k)
            .and_then(|v| String::try_from(v.try_clone().ok()?).ok())
    };
    let flag = |k: &str, default: bool| {
        props
            .get(k)
            .and_then(|v| bool::try_from(&**v).ok())
            .unwrap_or(default)
    };
    Some((
        MenuEntry {
            id,
            label: text("label").unwrap_or_default(),
            enabled: flag("enabled", true),
            visible: flag("visible", true),
            separator: text("type").as_deref() == Some("separator"),
        },
        children,
    ))
}

impl TrayHost {
    /// Owns `org.kde.StatusNotifierWatcher` on the bus at `address`, so a tray item can
    /// register, as a desktop panel's host does.
    pub fn start(address: &str) -> anyhow::Result<TrayHost> {
        let runtime = runtime()?;
        let watcher = Watcher::default();
        let items = watcher.items.clone();
        let connection = runtime.block_on(async {
            let c = zbus::connection::Builder::address(address)?
                .serve_at("/StatusNotifierWatcher", watcher)?
                .name("org.kde.StatusNotifierWatcher")?
                .build()
                .await?;
            anyhow::Ok(c)
        })?;
        Ok(TrayHost {
            runtime,
            connection,
            items,
        })
    }

    /// The first item that registered: (bus name, object path).
    pub fn wait_for_item(&self, timeout: Duration) -> anyhow::Result<(String, String)> {
        wait_until(timeout, "a tray item to register", || {
            self.items.lock().unwrap().first().cloned()
        })
    }

    /// Whether an item registered.
    pub fn has_item(&self) -> bool {
        !self.items.lock().unwrap().is_empty()
    }

    async fn item_property(&self, name: &str) -> anyhow::Result<OwnedValue> {
        let (service, path) = self
            .items
            .lock()
            .unwrap()
            .first()
            .cloned()
            .context("no tray item")?;
        let proxy = zbus::fdo::PropertiesProxy::builder(&self.connection)
            .destination(service)?
            .path(path)?
            .build()
            .await?;
        let interface = zbus::names::InterfaceName::try_from("org.kde.StatusNotifierItem")?;
        Ok(proxy.get(interface, name).await?)
    }

    /// A string property of the item (`Title`, `Id`, `Status`…).
    pub fn text(&self, property: &str) -> anyhow::Result<String> {
        let value = self.runtime.block_on(self.item_property(property))?;
        Ok(String::try_from(value)?)
    }

    /// The item's icon pixmaps: (width, height, bytes of ARGB32 data).
    pub fn icons(&self) -> anyhow::Result<Vec<(i32, i32, Vec<u8>)>> {
        let value = self.runtime.block_on(self.item_property("IconPixmap"))?;
        Ok(Vec::<(i32, i32, Vec<u8>)>::try_from(value)?)
    }

    async fn menu_proxy(&self) -> anyhow::Result<zbus::Proxy<'static>> {
        let (service, _) = self
            .items
            .lock()
            .unwrap()
            .first()
            .cloned()
            .context("no tray item")?;
        let path: zbus::zvariant::OwnedObjectPath = self.item_property("Menu").await?.try_into()?;
        Ok(zbus::Proxy::new(&self.connection, service, path, "com.canonical.dbusmenu").await?)
    }

    /// The menu's entries, top to bottom (its first level).
    pub fn menu(&self) -> anyhow::Result<Vec<MenuEntry>> {
        type Node = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        self.runtime.block_on(async {
            let proxy = self.menu_proxy().await?;
            let (_revision, (_id, _props, children)): (u32, Node) = proxy
                .call("GetLayout", &(0i32, -1i32, Vec::<String>::new()))
                .await?;
            Ok(children
                .iter()
                .filter_map(|child| {
                    let node: &Value<'_> = child;
                    let node = match node {
                        Value::Value(inner) => inner,
                        other => other,
                    };
                    menu_entry(node).map(|(entry, _)| entry)
                })
                .collect())
        })
    }

    /// Clicks the visible entry whose label starts with `label`.
    pub fn click(&self, label: &str) -> anyhow::Result<()> {
        let entry = self
            .menu()?
            .into_iter()
            .find(|e| e.visible && e.label.starts_with(label))
            .with_context(|| format!("no menu entry {label:?}"))?;
        anyhow::ensure!(entry.enabled, "the menu entry {label:?} is disabled");
        self.runtime.block_on(async {
            let proxy = self.menu_proxy().await?;
            let data = Value::I32(0);
            proxy
                .call_method("Event", &(entry.id, "clicked", data, 0u32))
                .await?;
            anyhow::Ok(())
        })
    }

    /// A left click on the icon itself.
    pub fn activate(&self) -> anyhow::Result<()> {
        let (service, path) = self
            .items
            .lock()
            .unwrap()
            .first()
            .cloned()
            .context("no tray item")?;
        self.runtime.block_on(async {
            let proxy = zbus::Proxy::new(
                &self.connection,
                service,
                path,
                "org.kde.StatusNotifierItem",
            )
            .await?;
            proxy.call_method("Activate", &(0i32, 0i32)).await?;
            anyhow::Ok(())
        })
    }
}

/// A notification as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub id: u32,
    pub summary: String,
    pub body: String,
    /// Action keys and labels, in pairs.
    pub actions: Vec<(String, String)>,
    pub urgency: Option<u8>,
    pub closed: bool,
}

#[derive(Default)]
struct Server {
    shown: Arc<Mutex<Vec<Shown>>>,
    with_actions: bool,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    async fn get_capabilities(&self) -> Vec<String> {
        let mut caps = vec!["body".to_owned(), "persistence".to_owned()];
        if self.with_actions {
            caps.push("actions".into());
        }
        caps
    }

    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        _app_name: String,
        replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self.shown.lock().unwrap();
        let id = if replaces_id != 0 {
            replaces_id
        } else {
            u32::try_from(shown.len()).unwrap_or(u32::MAX) + 1
        };
        let notification = Shown {
            id,
            summary,
            body,
            actions: actions
                .chunks(2)
                .map(|p| (p[0].clone(), p.get(1).cloned().unwrap_or_default()))
                .collect(),
            urgency: hints.get("urgency").and_then(|v| u8::try_from(&**v).ok()),
            closed: false,
        };
        match shown.iter_mut().find(|n| n.id == id) {
            Some(old) => *old = notification,
            None => shown.push(notification),
        }
        id
    }

    async fn close_notification(&self, id: u32) {
        for n in self.shown.lock().unwrap().iter_mut().filter(|n| n.id == id) {
            n.closed = true;
        }
    }

    async fn get_server_information(&self) -> (String, String, String, String) {
        (
            "stint-test".into(),
            "stint".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    #[zbus(signal)]
    async fn action_invoked(emitter: &SignalEmitter<'_>, id: u32, key: &str) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn notification_closed(
        emitter: &SignalEmitter<'_>,
        id: u32,
        reason: u32,
    ) -> zbus::Result<()>;
}

/// A notification server on a desktop's session bus.
pub struct NotificationServer {
    runtime: tokio::runtime::Runtime,
    connection: zbus::Connection,
    shown: Arc<Mutex<Vec<Shown>>>,
}

const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";

impl NotificationServer {
    /// Owns `org.freedesktop.Notifications` on the bus at `address`; `with_actions` says
    /// whether it offers action buttons.
    pub fn start(address: &str, with_actions: bool) -> anyhow::Result<NotificationServer> {
        let runtime = runtime()?;
        let server = Server {
            with_actions,
            ..Server::default()
        };
        let shown = server.shown.clone();
        let connection = runtime.block_on(async {
            let c = zbus::connection::Builder::address(address)?
                .serve_at(NOTIFICATIONS_PATH, server)?
                .name("org.freedesktop.Notifications")?
                .build()
                .await?;
            anyhow::Ok(c)
        })?;
        Ok(NotificationServer {
            runtime,
            connection,
            shown,
        })
    }

    /// Every notification so far.
    pub fn shown(&self) -> Vec<Shown> {
        self.shown.lock().unwrap().clone()
    }

    /// Waits for a notification that `matches`.
    pub fn wait_for(
        &self,
        timeout: Duration,
        what: &str,
        matches: impl Fn(&Shown) -> bool,
    ) -> anyhow::Result<Shown> {
        wait_until(timeout, what, || {
            self.shown
                .lock()
                .unwrap()
                .iter()
                .find(|n| matches(n))
                .cloned()
        })
    }

    /// The user clicks the action `key` of notification `id`.
    pub fn invoke(&self, id: u32, key: &str) -> anyhow::Result<()> {
        self.runtime.block_on(async {
            let iface = self
                .connection
                .object_server()
                .interface::<_, Server>(NOTIFICATIONS_PATH)
                .await?;
            Server::action_invoked(iface.signal_emitter(), id, key).await?;
            anyhow::Ok(())
        })
    }
}

/// Connects to the bus at `address` (for tests that call services themselves).
pub fn bus(address: &str) -> anyhow::Result<(tokio::runtime::Runtime, zbus::Connection)> {
    let runtime = runtime()?;
    let connection = runtime.block_on(connect(address))?;
    Ok((runtime, connection))
}

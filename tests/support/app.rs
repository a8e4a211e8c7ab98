//! The app in its own desktop, signed in to the real server through a recording proxy,
//! with the given settings file: shared by the window tests that watch what is sent. The
//! window is launched over WebDriver; it starts the agent, which signs in from the
//! environment it inherits.

use std::path::PathBuf;
use std::time::Duration;

use stint_testkit::{Desktop, FaultProxy, TauriDriver, TestServer, WebDriver};

use crate::AgentReaper;

pub struct SignedInApp {
    // Field order is drop order: the window goes before the driver and the agent, then the
    // desktop and the server; the directories last.
    pub wd: WebDriver,
    _driver: TauriDriver,
    _agent: AgentReaper,
    _tray: stint_testkit::dbus::TrayHost,
    pub desktop: Desktop,
    pub proxy: FaultProxy,
    _server: TestServer,
    pub data: PathBuf,
    _root: tempfile::TempDir,
}

impl SignedInApp {
    /// Starts everything and waits until the window is ready and synced.
    pub fn start(email: &str, settings_json: &str, wait: Duration) -> anyhow::Result<SignedInApp> {
        Self::start_seeded(email, settings_json, wait, |_| Ok(()))
    }

    /// The same, with `seed` writing into the data directory before the app starts (what
    /// an earlier session left there).
    pub fn start_seeded(
        email: &str,
        settings_json: &str,
        wait: Duration,
        seed: impl FnOnce(&std::path::Path) -> anyhow::Result<()>,
    ) -> anyhow::Result<SignedInApp> {
        let server = TestServer::start()?;
        let key = server.add_user("Acme", email, "regular")?;
        let proxy = FaultProxy::recording(server.address())?;
        let desktop = Desktop::start("1280x800x24")?;
        // A desktop with a tray, as users have: closing the window keeps Stint running.
        let tray = stint_testkit::dbus::TrayHost::start(&desktop.dbus_address)?;
        let root = tempfile::tempdir()?;
        let (data, config) = (root.path().join("data"), root.path().join("config"));
        std::fs::create_dir_all(&config)?;
        std::fs::write(config.join("settings.json"), settings_json)?;
        std::fs::create_dir_all(&data)?;
        seed(&data)?;
        let driver = TauriDriver::start(
            &desktop,
            [
                ("STINT_DATA_DIR", data.clone().into_os_string()),
                ("STINT_CONFIG_DIR", config.into_os_string()),
                ("STINT_SIGN_IN_SERVER", proxy.url.clone().into()),
                ("STINT_SIGN_IN_KEY", key.into()),
            ],
        )?;
        let agent = AgentReaper(data.clone());
        let wd = WebDriver::launch(&driver, &crate::window_bin(), &[])?;
        wd.wait_for("body[data-ready='true']", wait)?;
        wd.wait_for_text("#sync", wait, |t| t.contains("Synced"))?;
        Ok(SignedInApp {
            wd,
            _driver: driver,
            _agent: agent,
            _tray: tray,
            desktop,
            proxy,
            _server: server,
            data,
            _root: root,
        })
    }

    /// Ends the WebDriver session (the app quits), then stops everything else.
    pub fn quit(self) -> anyhow::Result<()> {
        self.wd.quit()
    }
}

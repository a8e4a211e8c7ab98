//! The Debian packages (issue 18), as an operator and an employee get them: built by
//! `scripts/package.sh` (from the debug binaries the tests already have, so the build is
//! not done twice), inspected with `dpkg-deb`, installed on this machine with `dpkg -i`,
//! the installed server started as its unit says and the installed app on an Xvfb desktop,
//! both asked something, then purged: nothing is left but the users' data.
//!
//! Needs root (or `sudo` without a password): it installs into `/usr`, `/etc` and `/var`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{ensure, Context};
use stint_testkit::{wait_until, Desktop};

/// What `dpkg-deb` and the other tools print, or why they failed.
fn run(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    ensure!(
        out.status.success(),
        "{cmd:?} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A command run as root: directly when this test is root, else through `sudo -n`.
fn root(program: &str) -> anyhow::Result<Command> {
    if rustix::process::geteuid().is_root() {
        return Ok(Command::new(program));
    }
    let sudo = Command::new("sudo").args(["-n", "true"]).status();
    ensure!(
        sudo.is_ok_and(|s| s.success()),
        "installing the packages needs root or sudo without a password; run the test command as root"
    );
    let mut cmd = Command::new("sudo");
    cmd.args(["-n", program]);
    Ok(cmd)
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// One line of `dpkg-deb --contents`: mode, owner and path (`./usr/bin/stint`).
#[derive(Debug)]
struct Member {
    mode: String,
    owner: String,
}

fn contents(deb: &Path) -> anyhow::Result<BTreeMap<String, Member>> {
    let listing = run(Command::new("dpkg-deb").arg("--contents").arg(deb))?;
    let mut members = BTreeMap::new();
    for line in listing.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        ensure!(fields.len() >= 6, "an odd line in the listing: {line:?}");
        let path = fields[5].trim_start_matches('.').trim_end_matches('/');
        members.insert(
            path.to_owned(),
            Member {
                mode: fields[0].to_owned(),
                owner: fields[1].to_owned(),
            },
        );
    }
    Ok(members)
}

/// A control field of the package (`Depends`), empty when absent.
fn field(deb: &Path, name: &str) -> anyhow::Result<String> {
    Ok(
        run(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name))?
            .trim()
            .to_owned(),
    )
}

/// A control file of the package (`postinst`, `conffiles`), empty when absent.
fn control_file(deb: &Path, name: &str) -> String {
    run(Command::new("dpkg-deb").arg("--info").arg(deb).arg(name)).unwrap_or_default()
}

/// Purges both packages when the test ends, however it ends.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        if let Ok(mut purge) = root("dpkg") {
            let _ = purge
                .args(["--purge", "stint", "stint-server"])
                .stdout(Stdio::null())
                .status();
        }
    }
}

fn find_deb(dir: &Path, package: &str) -> anyhow::Result<PathBuf> {
    let prefix = format!("{package}_");
    std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb"))
        })
        .with_context(|| format!("no {package}_*.deb in {}", dir.display()))
}

#[test]
fn both_packages_install_answer_and_purge_clean() -> anyhow::Result<()> {
    for package in ["stint", "stint-server"] {
        let status = Command::new("dpkg-query")
            .args(["-W", "-f=${db:Status-Abbrev}", package])
            .output()?;
        ensure!(
            !String::from_utf8_lossy(&status.stdout).starts_with("ii"),
            "{package} is installed on this machine: the test would replace and purge it"
        );
    }
    // An earlier run's (or an operator's) server data is left as it is.
    let had_server_data = Path::new("/var/lib/stint-server").exists();
    let work = tempfile::tempdir()?;
    let debs = work.path().join("debs");
    let script = repo_root().join("scripts/package.sh");
    run(Command::new("bash")
        .arg(&script)
        .arg("--dev-build")
        .arg(&debs))
    .context("scripts/package.sh --dev-build")?;
    let app = find_deb(&debs, "stint")?;
    let server = find_deb(&debs, "stint-server")?;

    // The desktop app: its programs, entries and icons, owned by root, nothing writable.
    let files = contents(&app)?;
    for (path, mode) in [
        ("/usr/bin/stint", "-rwxr-xr-x"),
        ("/usr/bin/stint-window", "-rwxr-xr-x"),
        ("/usr/bin/stint-cli", "-rwxr-xr-x"),
        ("/usr/share/applications/stint.desktop", "-rw-r--r--"),
        ("/etc/xdg/autostart/stint.desktop", "-rw-r--r--"),
        (
            "/usr/share/icons/hicolor/32x32/apps/stint.png",
            "-rw-r--r--",
        ),
        (
            "/usr/share/icons/hicolor/256x256/apps/stint.png",
            "-rw-r--r--",
        ),
    ] {
        let member = files
            .get(path)
            .with_context(|| format!("{path} is not in the app's package: {files:#?}"))?;
        assert_eq!(member.mode, mode, "{path}");
    }
    for (path, member) in &files {
        assert!(
            ["root/root", "0/0"].contains(&member.owner.as_str()),
            "{path} belongs to {}",
            member.owner
        );
        assert!(!member.mode.ends_with('w'), "{path} is writable by all");
    }
    for deb in [&app, &server] {
        // One line under 80 characters that does not start with the package's name
        // (Debian policy 3.4.1; lintian's description-starts-with-package-name).
        let synopsis = field(deb, "Description")?;
        let synopsis = synopsis.lines().next().unwrap_or_default();
        assert!(
            synopsis.len() < 80 && !synopsis.to_lowercase().starts_with("stint"),
            "{synopsis}"
        );
    }
    assert!(
        files.contains_key("/usr/share/doc/stint/changelog.Debian.gz"),
        "{files:#?}"
    );
    let depends = field(&app, "Depends")?;
    for library in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libc6"] {
        assert!(depends.contains(library), "Depends: {depends}");
    }
    let recommends = field(&app, "Recommends")?;
    assert!(
        recommends.contains("notification-daemon"),
        "Recommends: {recommends}"
    );
    assert!(
        control_file(&app, "conffiles").contains("/etc/xdg/autostart/stint.desktop"),
        "the autostart entry is a conffile"
    );

    // The server: its program, unit and settings; a user made before it is configured.
    let files = contents(&server)?;
    let unit_path = ["/lib/systemd/system", "/usr/lib/systemd/system"]
        .iter()
        .map(|dir| format!("{dir}/stint-server.service"))
        .find(|p| files.contains_key(p))
        .with_context(|| format!("no systemd unit in the server's package: {files:#?}"))?;
    for path in ["/usr/bin/stint-server", "/etc/stint-server/config.toml"] {
        assert!(files.contains_key(path), "{path} is missing: {files:#?}");
    }
    assert!(control_file(&server, "conffiles").contains("/etc/stint-server/config.toml"));
    let postinst = control_file(&server, "postinst");
    assert!(
        postinst.contains("adduser --system"),
        "postinst: {postinst}"
    );
    assert!(
        postinst.contains("deb-systemd-helper"),
        "postinst: {postinst}"
    );
    assert!(field(&server, "Depends")?.contains("adduser"));

    // Desktop files as the specification wants them.
    let unpacked = work.path().join("unpacked");
    run(Command::new("dpkg-deb").arg("-x").arg(&app).arg(&unpacked))?;
    let validate = stint_testkit::require_tool(
        "desktop-file-validate",
        "the Debian package desktop-file-utils",
    )?;
    for file in [
        "usr/share/applications/stint.desktop",
        "etc/xdg/autostart/stint.desktop",
    ] {
        let out = run(Command::new(&validate).arg(unpacked.join(file)))?;
        assert!(out.trim().is_empty(), "{file}: {out}");
    }

    // Installed on this machine.
    let installed = Installed;
    run(root("dpkg")?.arg("-i").arg(&app).arg(&server)).context("dpkg -i")?;
    let passwd = run(Command::new("getent").args(["passwd", "stint-server"]))?;
    assert!(passwd.contains(":/var/lib/stint-server:"), "{passwd}");
    let data = run(Command::new("stat").args(["-c", "%a %U %G", "/var/lib/stint-server"]))?;
    assert_eq!(data.trim(), "700 stint-server stint-server");
    let config =
        run(Command::new("stat").args(["-c", "%a %U %G", "/etc/stint-server/config.toml"]))?;
    assert_eq!(config.trim(), "640 root stint-server");

    server_answers_as_its_unit_says(&unit_path)?;
    let desktop = app_answers_on_a_desktop()?;

    // Purged: the packages' files are gone, the users' data stays.
    drop(installed);
    for path in [
        "/usr/bin/stint",
        "/usr/bin/stint-window",
        "/usr/bin/stint-server",
        "/etc/xdg/autostart/stint.desktop",
        "/etc/stint-server",
        unit_path.as_str(),
        "/usr/share/applications/stint.desktop",
    ] {
        assert!(!Path::new(path).exists(), "{path} is left after purge");
    }
    let status = run(Command::new("dpkg-query").args(["-W", "-f=${db:Status-Abbrev}\n", "stint"]))
        .unwrap_or_default();
    assert!(
        status.trim().is_empty() || status.starts_with("un"),
        "dpkg still knows stint: {status}"
    );
    assert!(
        Path::new("/var/lib/stint-server/stint-server.db").is_file(),
        "the server's data stays after purge"
    );
    let user_data = desktop.home.path().join("data/stint/stint.db");
    assert!(user_data.is_file(), "the employee's data stays");
    // The test's own server data goes (not the package's doing: an operator's choice).
    if !had_server_data {
        run(root("rm")?.args(["-rf", "/var/lib/stint-server"]))?;
    }
    Ok(())
}

/// Runs `ExecStart=` of the installed unit as its `User=`, the way systemd would (this
/// machine may not run systemd), adds a user with the installed binary, and asks the API.
fn server_answers_as_its_unit_says(unit_path: &str) -> anyhow::Result<()> {
    let unit = std::fs::read_to_string(unit_path)?;
    let key = |name: &str| {
        unit.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(str::to_owned)
            .with_context(|| format!("{name}= is missing from {unit_path}"))
    };
    let (user, exec) = (key("User")?, key("ExecStart")?);
    let argv: Vec<&str> = exec.split_whitespace().collect();
    // One address per run: an earlier run's data may still be there.
    let email = format!("admin-{}@example.com", std::process::id());
    let added = run(root("runuser")?
        .args(["-u", &user, "--", "/usr/bin/stint-server", "user", "add"])
        .args([
            "--data-dir",
            "/var/lib/stint-server",
            "--workspace",
            "Packaged",
        ])
        .args(["--email", &email, "--name", "Admin", "--role", "admin"]))?;
    let api_key = added
        .lines()
        .last()
        .context("user add printed no key")?
        .trim()
        .to_owned();

    let mut server = root("runuser")?
        .args(["-u", &user, "--"])
        .args(&argv)
        // Any free port: flags and variables win over the config file, as --help says.
        .env("STINT_SERVER_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting the installed server")?;
    let mut stdout = std::io::BufReader::new(server.stdout.take().context("stdout")?);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line)?;
    let result = (|| -> anyhow::Result<()> {
        let address = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("the server said {line:?}"))?;
        let agent = ureq::Agent::new_with_defaults();
        let answer = agent
            .get(format!("{address}/api/v1/user"))
            .header("X-Api-Key", &api_key)
            .call()
            .context("GET /api/v1/user")?
            .into_body()
            .read_to_string()?;
        assert!(answer.contains(&email), "{answer}");
        Ok(())
    })();
    // runuser passes the signal on to the server, which ends its work and exits.
    let _ = run(root("kill")?.args(["-TERM", &server.id().to_string()]));
    let exited = wait_until(Duration::from_secs(15), "the server to stop", || {
        server.try_wait().ok().flatten()
    });
    if exited.is_err() {
        let _ = server.kill();
    }
    result
}

/// Starts the installed agent on an Xvfb desktop, starts and stops a timer through the
/// installed stint-cli, and opens the installed window by launching `stint` again (as the
/// menu entry does). Answers the desktop, whose home holds the employee's data.
fn app_answers_on_a_desktop() -> anyhow::Result<Desktop> {
    let desktop = Desktop::start("1280x800x24")?;
    let _tray = stint_testkit::dbus::TrayHost::start(&desktop.dbus_address)?;
    let mut agent = desktop
        .command("/usr/bin/stint")
        .arg("--no-window")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting /usr/bin/stint")?;
    let data_home = format!(
        "XDG_DATA_HOME={}",
        desktop.home.path().join("data").display()
    );
    let result = (|| -> anyhow::Result<()> {
        wait_until(Duration::from_secs(20), "the installed agent", || {
            stint_testkit::find_process(Path::new("/usr/bin/stint"), &data_home)
                .filter(|_| desktop.run("/usr/bin/stint-cli", &["status"]).is_ok())
        })?;
        desktop.run(
            "/usr/bin/stint-cli",
            &["start", "Installed from the package"],
        )?;
        let status = desktop.run("/usr/bin/stint-cli", &["status"])?;
        assert!(
            status.contains("Installed from the package"),
            "status: {status}"
        );
        desktop.run("/usr/bin/stint-cli", &["stop"])?;
        let opened = desktop.command("/usr/bin/stint").status()?;
        ensure!(
            opened.success(),
            "a second stint did not hand over: {opened}"
        );
        wait_until(Duration::from_secs(30), "the installed window", || {
            Some(()).filter(|()| !desktop.windows_named("Stint").is_empty())
        })?;
        ensure!(
            stint_testkit::find_process(Path::new("/usr/bin/stint-window"), &data_home).is_some(),
            "the window is not the installed stint-window"
        );
        Ok(())
    })();
    // The agent ends its window with itself (as Quit in the tray does).
    if let Some(pid) = rustix::process::Pid::from_raw(agent.id() as i32) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    let ended = wait_until(Duration::from_secs(10), "the agent to end", || {
        agent.try_wait().ok().flatten()
    });
    if ended.is_err() {
        let _ = agent.kill();
    }
    result?;
    Ok(desktop)
}

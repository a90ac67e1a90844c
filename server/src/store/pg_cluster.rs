//! A throw-away PostgreSQL cluster for tests and the load generator: made
//! with Debian's `initdb`/`pg_ctl` in a temporary directory, on a free
//! loopback port, removed when the process that started it ends.
//!
//! `cargo test --workspace` must pass on a fresh machine with nothing but
//! the toolchains, so when the PostgreSQL binaries are missing and we are
//! root with `apt-get`, the `postgresql` package is installed here (`.ci/run`
//! does it up front too); otherwise starting fails with a message saying
//! what to install. It never quietly skips.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Why no cluster could be had.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "PostgreSQL's server binaries (initdb, pg_ctl) are not installed and could not be \
         installed here: install Debian's `postgresql` package (apt-get install postgresql), \
         or put its bin directory on PATH ({0})"
    )]
    NotInstalled(String),
    #[error("starting the throw-away PostgreSQL cluster failed at {step}: {detail}")]
    Start { step: &'static str, detail: String },
}

/// A running throw-away cluster (user `postgres`, trust auth on 127.0.0.1).
#[derive(Debug)]
pub struct ThrowawayCluster {
    pub port: u16,
    dir: PathBuf,
    databases: AtomicU32,
}

impl ThrowawayCluster {
    /// The one cluster of this process, started on first use.
    pub fn shared() -> Result<&'static ThrowawayCluster, ClusterError> {
        static CLUSTER: OnceLock<Result<ThrowawayCluster, String>> = OnceLock::new();
        CLUSTER
            .get_or_init(|| ThrowawayCluster::start().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| ClusterError::Start {
                step: "the first start in this process",
                detail: e.clone(),
            })
    }

    /// URL of the cluster's `postgres` database (for creating others).
    pub fn admin_url(&self) -> String {
        self.url_of("postgres")
    }

    pub fn url_of(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a new empty database and returns its URL: one per test.
    pub async fn fresh_database(&self) -> Result<String, ClusterError> {
        let n = self.databases.fetch_add(1, Ordering::SeqCst);
        let name = format!("suikang_{}_{n}", std::process::id());
        let fail = |detail: String| ClusterError::Start {
            step: "CREATE DATABASE",
            detail,
        };
        let (client, connection) =
            tokio_postgres::connect(&self.admin_url(), tokio_postgres::NoTls)
                .await
                .map_err(|e| fail(e.to_string()))?;
        let conn = tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .map_err(|e| fail(e.to_string()))?;
        drop(client);
        let _ = conn.await;
        Ok(self.url_of(&name))
    }

    fn start() -> Result<ThrowawayCluster, ClusterError> {
        let bin = postgres_bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("suikang-pg-")
            .tempdir()
            .map_err(|e| step("making a temporary directory", e))?
            .keep();
        let as_root = is_root();
        let data = dir.join("data");
        if as_root {
            // initdb refuses to run as root: the cluster belongs to `postgres`.
            run(
                Command::new("chown").arg("-R").arg("postgres").arg(&dir),
                "chown of the cluster directory to postgres",
            )?;
        }
        let as_owner = |program: &Path| {
            if as_root {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(program);
                c
            } else {
                Command::new(program)
            }
        };
        run(
            as_owner(&bin.join("initdb")).arg("-D").arg(&data).args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
            ]),
            "initdb",
        )?;
        let port = free_port()?;
        // Durability is not wanted from a cluster that is deleted at exit.
        let options = format!(
            "-p {port} -h 127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=400 -c shared_buffers=128MB",
            dir.display()
        );
        run(
            as_owner(&bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("log"))
                .args(["-o", &options, "-w", "-t", "60", "start"]),
            "pg_ctl start",
        )?;
        reap_when_gone(&bin, &dir, as_root);
        Ok(ThrowawayCluster {
            port,
            dir,
            databases: AtomicU32::new(0),
        })
    }

    /// The cluster's directory (data and log), removed with it.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn step(step: &'static str, e: impl std::fmt::Display) -> ClusterError {
    ClusterError::Start {
        step,
        detail: e.to_string(),
    }
}

fn run(cmd: &mut Command, what: &'static str) -> Result<(), ClusterError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| step(what, e))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(step(
            what,
            format!(
                "{}: {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn free_port() -> Result<u16, ClusterError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| step("finding a free port", e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| step("finding a free port", e))
}

/// Where `initdb` and `pg_ctl` are: Debian's versioned directory, or PATH.
/// Installs the package when it can.
fn postgres_bin_dir() -> Result<PathBuf, ClusterError> {
    if let Some(dir) = find_bin_dir() {
        return Ok(dir);
    }
    if is_root() && Path::new("/usr/bin/apt-get").exists() {
        let quiet = |c: &mut Command| {
            c.env("DEBIAN_FRONTEND", "noninteractive")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let installed = quiet(Command::new("apt-get").args(["update", "-qq"]))
            && quiet(Command::new("apt-get").args(["install", "-y", "-qq", "postgresql"]));
        if let Some(dir) = find_bin_dir() {
            return Ok(dir);
        }
        return Err(ClusterError::NotInstalled(format!(
            "apt-get install postgresql {}",
            if installed {
                "ran but left no initdb"
            } else {
                "failed"
            }
        )));
    }
    Err(ClusterError::NotInstalled(
        "no initdb under /usr/lib/postgresql/*/bin or on PATH".into(),
    ))
}

fn find_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
    })
}

/// A watchdog outside this process stops the cluster and deletes its
/// directory once this process is gone, however it ends (statics are never
/// dropped, and a killed test binary runs no destructor).
fn reap_when_gone(bin: &Path, dir: &Path, as_root: bool) {
    let pg_ctl = bin.join("pg_ctl");
    let stop = format!(
        "{} {} -D {} stop -m immediate",
        if as_root {
            "runuser -u postgres --"
        } else {
            ""
        },
        pg_ctl.display(),
        dir.join("data").display()
    );
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        dir = dir.display()
    );
    let _ = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

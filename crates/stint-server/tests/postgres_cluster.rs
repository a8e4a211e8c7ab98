//! Issue 17's groundwork: the test command's throwaway PostgreSQL cluster starts (initdb in
//! a temporary directory, a Unix socket only), is 15 or newer, takes SQL, and is gone when
//! dropped. The server's storage on PostgreSQL will be tested on it.

use stint_testkit::Postgres;

#[test]
fn a_throwaway_cluster_starts_takes_sql_and_stops() {
    let pg = Postgres::start().unwrap();
    assert!(pg.version >= 15, "PostgreSQL {}", pg.version);
    let version: u32 = pg
        .psql("postgres", "SHOW server_version_num")
        .unwrap()
        .parse()
        .unwrap();
    assert!(version >= 150_000, "{version}");
    pg.psql("postgres", "CREATE DATABASE stint").unwrap();
    pg.psql(
        "stint",
        "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL)",
    )
    .unwrap();
    pg.psql("stint", "INSERT INTO t VALUES (1, 'Zoë')").unwrap();
    assert_eq!(
        pg.psql("stint", "SELECT name FROM t WHERE id = 1").unwrap(),
        "Zoë"
    );
    // No TCP: only the socket in the cluster's own directory.
    assert_eq!(pg.psql("postgres", "SHOW listen_addresses").unwrap(), "");
    assert!(pg.url("stint").starts_with("postgres:///stint?host="));
    let socket_dir = pg.socket_dir.clone();
    drop(pg);
    assert!(!socket_dir.exists(), "the cluster's directory is removed");
}

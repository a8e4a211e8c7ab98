//! Issue 17: screenshots in an S3-compatible bucket (a real S3 server process, moto):
//! uploads land in the bucket under the prefix and nowhere on the server's disk, come
//! back byte for byte, and leave the bucket with their rows (a deletion, the retention
//! job); the orphan sweep lists the bucket.

mod shots;

use shots::*;
use stint_testkit::http::Server;
use stint_testkit::S3Server;

#[test]
fn screenshots_live_in_the_bucket_and_leave_it_with_their_rows() {
    let s3 = S3Server::start().unwrap();
    s3.create_bucket("pics").unwrap();
    // Each test runs in a process of its own: the server started below inherits these.
    for (key, value) in s3.env() {
        std::env::set_var(key, value);
    }
    let s = Server::start_with(&["--blob-store", "s3://pics/stint"]);
    let m = &s.member;
    let e = entry(&s, m, at(0), Some(at(30)));
    let pictures = vec![jpeg(10), jpeg(200)];
    let set = new_set(&e, at(3), &pictures);
    let (status, body) = send(&s, m, &set, &pictures, "k1");
    assert_eq!(status, 201, "{body}");
    let keys = s3.keys("pics", "stint/").unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    for key in &keys {
        let parts: Vec<&str> = key.split('/').collect();
        assert_eq!(parts.len(), 3, "PREFIX/shard/key: {key}");
        assert!(parts[2].starts_with(parts[1]), "{key}");
    }
    assert_eq!(blob_files(&s), 0, "nothing on the server's disk");
    // Served by the server from the bucket, byte for byte, to its owner only.
    let (_, own) = list(&s, m, None);
    let path = own[0]["screenshots"][1]["imagePath"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(image(&s, m, &path), (200, pictures[1].clone()));
    assert_eq!(image(&s, &s.outsider, &path).0, 404);

    // Deleted with the set.
    let (status, answer) = delete_set(&s, m, &set.id);
    assert_eq!(status, 200, "{answer}");
    assert!(s3.keys("pics", "stint/").unwrap().is_empty());

    // The retention job, run by hand on the same bucket, deletes what expired.
    // (The member's deletion cut the first entry: a new one.)
    let later = entry(&s, m, at(40), Some(at(70)));
    upload(&s, m, &later, at(45), 1);
    assert_eq!(s3.keys("pics", "stint/").unwrap().len(), 1);
    // A picture no row names (a crash between the bucket and the database) is swept.
    s3.put_object("pics", "stint/zz/zz0000orphan", b"not a picture")
        .unwrap();
    // Something else's object, off the store's layout, is not the server's to sweep.
    s3.put_object("pics", "stint/deep/or/orphan4", b"someone else's")
        .unwrap();
    assert_eq!(s3.keys("pics", "stint/").unwrap().len(), 3);
    let far = (at(0) + chrono::Duration::days(400)).to_rfc3339();
    let out = s
        .process
        .cli(&[
            "retention",
            "--blob-store",
            "s3://pics/stint",
            "--now",
            &far,
        ])
        .unwrap();
    assert!(out.contains("deleted 1 screenshots"), "{out}");
    assert_eq!(
        s3.keys("pics", "stint/").unwrap(),
        ["stint/deep/or/orphan4"]
    );

    // Deleting the member deletes their pictures from the bucket too.
    let third = entry(&s, m, at(80), Some(at(110)));
    upload(&s, m, &third, at(85), 2);
    assert_eq!(s3.keys("pics", "stint/").unwrap().len(), 3);
    let out = s
        .process
        .cli(&[
            "user",
            "delete",
            "--blob-store",
            "s3://pics/stint",
            "--workspace",
            "Acme",
            "--email",
            "bo@acme.test",
        ])
        .unwrap();
    assert!(out.contains("with 2 screenshots"), "{out}");
    assert_eq!(
        s3.keys("pics", "stint/").unwrap(),
        ["stint/deep/or/orphan4"]
    );
}

/// A store that cannot be listed (here a file name that is not UTF-8) does not keep
/// expired screenshots from going: the sweep is best effort.
#[test]
fn retention_expires_screenshots_even_when_the_sweep_fails() {
    use std::os::unix::ffi::OsStrExt;
    let s = Server::start();
    let m = &s.member;
    let e = entry(&s, m, at(0), Some(at(30)));
    upload(&s, m, &e, at(5), 1);
    let odd = s.process.data_dir.path().join("screenshots/zz");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::write(odd.join(std::ffi::OsStr::from_bytes(b"bad\xff")), b"x").unwrap();
    let far = (at(0) + chrono::Duration::days(400)).to_rfc3339();
    let out = s.process.cli(&["retention", "--now", &far]).unwrap();
    assert!(out.contains("deleted 1 screenshots"), "{out}");
}

/// A bucket the server cannot use makes an upload fail with a sentence, and nothing is
/// half kept: the set is not listed.
#[test]
fn an_unusable_bucket_refuses_the_upload_and_keeps_nothing() {
    let s3 = S3Server::start().unwrap();
    for (key, value) in s3.env() {
        std::env::set_var(key, value);
    }
    let s = Server::start_with(&["--blob-store", "s3://no-such-bucket/stint"]);
    let m = &s.member;
    let e = entry(&s, m, at(0), Some(at(30)));
    let pictures = vec![jpeg(10)];
    let set = new_set(&e, at(3), &pictures);
    let (status, body) = send(&s, m, &set, &pictures, "k1");
    assert!(status >= 500, "{status}: {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("storing a screenshot"),
        "{body}"
    );
    let (_, own) = list(&s, m, None);
    assert_eq!(own.as_array().unwrap().len(), 0, "{own}");
}

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
    assert_eq!(s3.keys("pics", "stint/").unwrap().len(), 2);
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
    assert!(s3.keys("pics", "stint/").unwrap().is_empty());
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

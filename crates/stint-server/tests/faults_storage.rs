//! Issue 11, security items 1, 3 and 4 over HTTP against the real server: every refused
//! upload leaves the blob store byte for byte as it was (a byte-level listing before and
//! after each), blob names are the server's, another workspace's ids are as free as unused
//! ones, pictures are decoded before anything is kept, and what a crash leaves is swept.

mod shots;

use serde_json::json;
use sha2::{Digest, Sha256};
use shots::*;
use stint_testkit::http::{send_bytes, Server};

/// The JPEG with its frame header's height and width replaced.
fn with_declared_size(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let sof = out
        .windows(2)
        .position(|w| w[0] == 0xFF && (0xC0..=0xC2).contains(&w[1]))
        .expect("a frame header");
    out[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    out
}

fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn every_refused_upload_leaves_storage_byte_for_byte_as_it_was() {
    let s = Server::start();
    let mine = entry(&s, &s.member, at(0), Some(at(30)));
    let original = vec![jpeg(50)];
    let set = new_set(&mine, at(2), &original);
    assert_eq!(send(&s, &s.member, &set, &original, "first").0, 201);
    let before = blob_listing(&s);
    assert_eq!(before.len(), 1);
    // The file is named by the server, not by the client's picture id.
    let name = before.keys().next().unwrap();
    assert!(!name.contains(&set.screenshots[0].id), "{name}");

    let other_bytes = vec![jpeg(200)];
    let admins = entry(&s, &s.admin, at(0), Some(at(30)));
    let real = jpeg(90);
    let mut refusals: Vec<(&str, u16, shots::Upload)> = Vec::new();
    // Another member reuses the set id (and so the picture id) with other bytes.
    let mut reused = new_set(&admins, at(3), &other_bytes);
    reused.id = set.id.clone();
    reused.screenshots[0].id = set.screenshots[0].id.clone();
    refusals.push((
        "another member's set id",
        409,
        (s.admin.clone(), reused, other_bytes.clone()),
    ));
    // The owner reuses their set id with other content.
    let mut changed = new_set(&mine, at(4), &other_bytes);
    changed.id = set.id.clone();
    changed.screenshots[0].id = set.screenshots[0].id.clone();
    refusals.push((
        "same set id, other content",
        409,
        (s.member.clone(), changed, other_bytes.clone()),
    ));
    // A new set that reuses a picture id of this workspace.
    let mut picture_reused = new_set(&admins, at(5), &other_bytes);
    picture_reused.screenshots[0].id = set.screenshots[0].id.clone();
    refusals.push((
        "a taken picture id",
        409,
        (s.admin.clone(), picture_reused, other_bytes.clone()),
    ));
    // Pictures that are no whole JPEG of the declared size (item 4).
    let huge = with_declared_size(&real, 65_500, 65_500);
    let cut = real[..real.len() / 2].to_vec();
    let mut cut_with_end = cut.clone();
    cut_with_end.extend_from_slice(&[0xFF, 0xD9]);
    let mut magic_noise = vec![0xFF, 0xD8, 0xFF];
    magic_noise.extend(noise(4000, 7));
    magic_noise.extend_from_slice(&[0xFF, 0xD9]);
    let wrong_size = with_declared_size(&real, 640, 480);
    let png = b"\x89PNG\r\n\x1a\n0000IHDR".to_vec();
    for (what, bytes) in [
        ("a 65,500 x 65,500 header", huge),
        ("a truncated JPEG", cut),
        ("a truncated JPEG with an end marker", cut_with_end),
        ("JPEG magic and noise", magic_noise),
        ("a size other than the metadata's", wrong_size),
        ("a PNG", png),
    ] {
        let pictures = vec![bytes];
        let bad = new_set(&mine, at(6), &pictures);
        refusals.push((what, 400, (s.member.clone(), bad, pictures)));
    }
    // Truncated at many points: never accepted.
    for cut_at in (3..real.len() - 2).step_by(real.len() / 9) {
        let pictures = vec![real[..cut_at].to_vec()];
        let bad = new_set(&mine, at(6), &pictures);
        refusals.push(("truncated anywhere", 400, (s.member.clone(), bad, pictures)));
    }
    // Somebody else's entry, a wrong hash, a capture outside the entry.
    refusals.push((
        "another member's entry",
        404,
        (
            s.member.clone(),
            new_set(&admins, at(2), &other_bytes),
            other_bytes.clone(),
        ),
    ));
    let mut wrong_hash = new_set(&mine, at(7), &other_bytes);
    wrong_hash.screenshots[0].sha256 = "0".repeat(64);
    refusals.push((
        "a wrong hash",
        400,
        (s.member.clone(), wrong_hash, other_bytes.clone()),
    ));
    refusals.push((
        "outside its entry",
        400,
        (
            s.member.clone(),
            new_set(&mine, at(90), &other_bytes),
            other_bytes.clone(),
        ),
    ));

    for (i, (what, status, (who, set, pictures))) in refusals.iter().enumerate() {
        let (got, body) = send(&s, who, set, pictures, &format!("refused-{i}"));
        assert_eq!(got, *status, "{what}: {body}");
        assert!(body["message"].is_string(), "{what}: {body}");
        assert_eq!(blob_listing(&s), before, "{what} changed the blob store");
    }
    // A wrong key, a key of another workspace, and garbage: nothing either.
    for (key, body) in [
        ("stint_0000000000000000_nope".to_owned(), b"x".to_vec()),
        (s.outsider.key.clone(), b"--x\r\n".to_vec()),
        (s.member.key.clone(), b"nonsense".to_vec()),
    ] {
        let (status, _, _) = send_bytes(
            &s.base,
            "POST",
            &format!("/workspaces/{}/screenshots", s.member.workspace),
            Some(&key),
            Some(("multipart/form-data; boundary=x", body)),
            &[("Idempotency-Key", "garbage")],
        );
        assert!((400..500).contains(&status), "{status}");
        assert_eq!(blob_listing(&s), before);
    }
    // The owner still gets their own picture, byte for byte.
    let (_, listed) = list(&s, &s.member, None);
    let path = listed[0]["screenshots"][0]["imagePath"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(image(&s, &s.member, &path), (200, original[0].clone()));

    // Item 3: in another workspace the same ids are free, and nothing of ours changes.
    let theirs = entry(&s, &s.outsider, at(0), Some(at(30)));
    let mut same_ids = new_set(&theirs, at(2), &other_bytes);
    same_ids.id = set.id.clone();
    same_ids.screenshots[0].id = set.screenshots[0].id.clone();
    let (status, body) = send(&s, &s.outsider, &same_ids, &other_bytes, "theirs");
    assert_eq!(status, 201, "{body}");
    let after = blob_listing(&s);
    assert_eq!(after.len(), 2);
    assert!(before.iter().all(|(k, v)| after.get(k) == Some(v)));
    assert_eq!(image(&s, &s.member, &path), (200, original[0].clone()));
    let (_, listed) = list(&s, &s.outsider, None);
    let theirs_path = listed[0]["screenshots"][0]["imagePath"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        image(&s, &s.outsider, &theirs_path),
        (200, other_bytes[0].clone())
    );
    // Our picture's id, asked in their workspace, is theirs; in ours, they get 404.
    assert_eq!(image(&s, &s.outsider, &path).0, 404);
}

#[test]
fn another_workspaces_entry_ids_are_as_free_as_unused_ones() {
    let s = Server::start();
    let entries =
        |who: &stint_testkit::http::Account| format!("/workspaces/{}/time-entries", who.workspace);
    let body =
        |d: &str| json!({"id": "shared-id-1", "start": at(0), "end": at(10), "description": d});
    assert_eq!(
        s.call(&s.member, "POST", &entries(&s.member), Some(body("ours")))
            .0,
        201
    );
    // The other workspace creates its own entry with that id, as with any unused id.
    let (status, theirs) = s.call(
        &s.outsider,
        "POST",
        &entries(&s.outsider),
        Some(body("theirs")),
    );
    assert_eq!(status, 201, "{theirs}");
    assert_eq!(theirs["workspaceId"], json!(s.outsider.workspace));
    // Each side sees its own; reads, edits and deletes across answer as for an unused id.
    let (_, ours) = s.call(
        &s.member,
        "GET",
        &format!("{}/shared-id-1", entries(&s.member)),
        None,
    );
    assert_eq!(ours["description"], "ours");
    for id in ["shared-id-1", "never-used-id"] {
        let path = format!("{}/{id}", entries(&s.member));
        for method in ["GET", "PUT", "DELETE"] {
            let payload = (method == "PUT").then(|| body("hijack"));
            let (status, answer) = s.call(&s.outsider, method, &path, payload);
            assert_eq!(status, 404, "{method} {id}: {answer}");
        }
    }
    let (_, ours) = s.call(
        &s.member,
        "GET",
        &format!("{}/shared-id-1", entries(&s.member)),
        None,
    );
    assert_eq!(ours["description"], "ours");
}

#[test]
fn what_a_crash_leaves_behind_is_swept() {
    let s = Server::start();
    let mine = entry(&s, &s.member, at(0), Some(at(30)));
    upload(&s, &s.member, &mine, at(2), 1);
    let kept = blob_listing(&s);
    let dir = s.process.data_dir.path().join("screenshots");
    // A picture no row names, a partial write, and an upload reserved but never finished,
    // all from two hours ago; and an orphan written just now (an upload under way).
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    let old_file = |path: std::path::PathBuf| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"left over").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
        path
    };
    let orphan = old_file(dir.join("ab/abcdef0123456789abcdef01"));
    let partial = old_file(dir.join("ab/.partial-x1y2z3"));
    let unfinished = old_file(dir.join("cd/cdef0123456789abcdef0123"));
    let fresh = dir.join("ef/ef0123456789abcdef012345");
    std::fs::create_dir_all(fresh.parent().unwrap()).unwrap();
    std::fs::write(&fresh, b"being written").unwrap();
    let db = rusqlite::Connection::open(s.process.data_dir.path().join("stint-server.db")).unwrap();
    db.execute(
        "INSERT INTO capture_sets (id, workspace_id, user_id, entry_id, captured_utc, stored, created_utc)
         VALUES ('crashed', ?1, ?2, ?3, ?4, 0, ?5)",
        rusqlite::params![
            s.member.workspace,
            s.member.id,
            mine,
            at(3).to_rfc3339(),
            (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339()
        ],
    )
    .unwrap();
    db.execute(
        "INSERT INTO screenshots VALUES (?1, 'crashed-0', 'crashed', 0, 'DP-0', 0, 0, 1, 1, 64, 48, 9, ?2, 'cdef0123456789abcdef0123', 0)",
        rusqlite::params![s.member.workspace, hex(&Sha256::digest(b"left over"))],
    )
    .unwrap();
    drop(db);
    s.process.retention(None).unwrap();
    for gone in [&orphan, &partial, &unfinished] {
        assert!(!gone.exists(), "{} was not swept", gone.display());
    }
    assert!(fresh.exists(), "an upload under way was swept");
    let after = blob_listing(&s);
    assert!(
        kept.iter().all(|(k, v)| after.get(k) == Some(v)),
        "a kept picture went"
    );
    assert_eq!(list(&s, &s.member, None).1.as_array().unwrap().len(), 1);
}

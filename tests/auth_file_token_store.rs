//! `auth::FileTokenStore` shared by several stores, clients and threads at once: no lost
//! entries, no fixed temporary file, one token request for clients that share the file,
//! owner-only files, and a bounded read.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use support::{api_accepting, refresh_client, token_reply, TestServer};
use zoho_crm_access::auth::{FileTokenStore, StoredToken, TokenStore};

/// A fresh, empty directory for one test; removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "zoho-crm-access-store-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self) -> PathBuf {
        self.0.join("tokens.json")
    }

    /// The names of the files in the directory, sorted.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn token(n: usize) -> StoredToken {
    StoredToken::new(format!("1000.token-{n}"))
        .with_expires_at(SystemTime::now() + Duration::from_secs(3600))
}

/// Eight threads, each with its own runtime and its own store on the same file (as eight
/// processes would have), save 25 keys each at once: every key is in the file afterwards.
#[test]
fn concurrent_saves_from_separate_stores_keep_every_entry() {
    let dir = TempDir::new("concurrent");
    let path = dir.file();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    let store = FileTokenStore::new(&path);
                    let mut failures = Vec::new();
                    for i in 0..25 {
                        let n = t * 100 + i;
                        if let Err(e) = store.save(&format!("key-{n}"), &token(n)).await {
                            failures.push(e.to_string());
                        }
                    }
                    failures
                })
            })
        })
        .collect();
    let failures: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(failures.is_empty(), "saves failed: {failures:?}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = FileTokenStore::new(&path);
    let mut missing = Vec::new();
    for t in 0..8 {
        for i in 0..25 {
            let n = t * 100 + i;
            let loaded = rt.block_on(store.load(&format!("key-{n}"))).unwrap();
            match loaded {
                Some(tok) => {
                    use secrecy::ExposeSecret;
                    assert_eq!(tok.access_token.expose_secret(), format!("1000.token-{n}"));
                }
                None => missing.push(n),
            }
        }
    }
    assert!(missing.is_empty(), "entries lost: {missing:?}");
    // No temporary file is left behind.
    for name in dir.names() {
        assert!(
            name == "tokens.json" || name.starts_with("tokens.json.") && name.ends_with(".lock"),
            "stray file {name}: {:?}",
            dir.names()
        );
    }
}

/// A leftover at the old fixed temporary path (a crashed writer, or something another user
/// planted there) does not stop the store from saving.
#[tokio::test]
async fn a_leftover_at_the_old_temporary_path_does_not_block_saving() {
    let dir = TempDir::new("leftover");
    let path = dir.file();
    std::fs::create_dir(dir.0.join("tokens.json.tmp")).unwrap();
    let store = FileTokenStore::new(&path);
    store.save("k", &token(1)).await.unwrap();
    assert!(store.load("k").await.unwrap().is_some());
}

/// Two clients in one process, each with its own store on the same file (as two CLI runs
/// have), start at once while the accounts server is slow: one token request in total, and
/// both use that token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_a_token_file_mint_one_token() {
    let api = api_accepting("tok-1").await;
    let api_url = api.url.clone();
    let accounts = TestServer::start(move |r| {
        token_reply(&format!("tok-{}", r.nth + 1), &api_url, 3600).delay(Duration::from_millis(400))
    })
    .await;
    let dir = TempDir::new("two-clients");
    let path = dir.file();
    let a = refresh_client(&api, &accounts)
        .token_store(FileTokenStore::new(&path))
        .build()
        .unwrap();
    let b = refresh_client(&api, &accounts)
        .token_store(FileTokenStore::new(&path))
        .build()
        .unwrap();
    let (ra, rb) = tokio::join!(
        a.record_locking("Deals").get(),
        b.record_locking("Deals").get()
    );
    ra.unwrap();
    rb.unwrap();
    assert_eq!(accounts.total(), 1, "one token request for both clients");
}

/// The token file, its lock files and any directory the store creates are its owner's only.
#[cfg(unix)]
#[tokio::test]
async fn files_and_directories_the_store_creates_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("modes");
    let nested = dir.0.join("a").join("b").join("tokens.json");
    let store = FileTokenStore::new(&nested);
    store.save("k", &token(1)).await.unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&nested), 0o600);
    assert_eq!(mode(&dir.0.join("a")), 0o700);
    assert_eq!(mode(&dir.0.join("a").join("b")), 0o700);
    for entry in std::fs::read_dir(dir.0.join("a").join("b")).unwrap() {
        let p = entry.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }

    // A file that was readable by others is tightened when the store replaces it.
    let loose = dir.file();
    std::fs::write(&loose, b"{\"tokens\":{}}").unwrap();
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    FileTokenStore::new(&loose)
        .save("k", &token(2))
        .await
        .unwrap();
    assert_eq!(mode(&loose), 0o600);
}

/// A token file far larger than any the store writes is refused by its size, not read whole:
/// loading names the limit, and a client with that store mints a token and replaces the file.
#[tokio::test]
async fn an_oversized_token_file_is_refused_by_its_size() {
    let dir = TempDir::new("oversized");
    let path = dir.file();
    // 4 GiB, sparse: reading it whole would take 4 GiB of memory.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(4 << 30)
        .unwrap();
    let store = FileTokenStore::new(&path);
    let err = store.load("k").await.unwrap_err().to_string();
    assert!(err.contains("larger than"), "{err}");
    assert!(
        err.contains(&FileTokenStore::MAX_FILE_SIZE.to_string()),
        "{err}"
    );

    let api = api_accepting("tok-1").await;
    let accounts = support::accounts_for(&api, 3600).await;
    let client = refresh_client(&api, &accounts)
        .token_store(FileTokenStore::new(&path))
        .build()
        .unwrap();
    client.record_locking("Deals").get().await.unwrap();
    assert_eq!(accounts.total(), 1);
    assert!(std::fs::metadata(&path).unwrap().len() < 4096);
    assert!(store
        .load(&support::key_of(&accounts))
        .await
        .unwrap()
        .is_some());
}

/// A token path that exists but cannot be opened (here a Unix socket: `open` fails with
/// ENXIO even for root) is an error naming the file, not an empty store: treating it as
/// empty would mint a token on every run and never say why the cache does not work.
#[cfg(unix)]
#[tokio::test]
async fn a_token_file_that_cannot_be_opened_is_an_error_not_an_empty_store() {
    let dir = TempDir::new("unopenable");
    let path = dir.file();
    let _socket = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let err = FileTokenStore::new(&path).load("k").await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("cannot read"), "{text}");
    assert!(text.contains("tokens.json"), "{text}");
}

/// `RefreshLock`'s `Debug` says whether it holds a lock: the file store's does, the memory
/// store's (and `RefreshLock::none()`) do not.
#[tokio::test]
async fn a_refresh_lock_says_whether_it_holds_a_lock() {
    use zoho_crm_access::auth::{MemoryTokenStore, RefreshLock};
    let dir = TempDir::new("lock-debug");
    let held = FileTokenStore::new(dir.file())
        .refresh_lock("k")
        .await
        .unwrap();
    assert_eq!(format!("{held:?}"), "RefreshLock(held)");
    let none = MemoryTokenStore::new().refresh_lock("k").await.unwrap();
    assert_eq!(format!("{none:?}"), "RefreshLock(none)");
    assert_eq!(format!("{:?}", RefreshLock::none()), "RefreshLock(none)");
}

/// The size limit is inclusive: a token file of exactly `MAX_FILE_SIZE` bytes is read whole
/// (its JSON ends on the last byte, so a read cut short would break it), one byte more is
/// refused by its size.
#[tokio::test]
async fn a_token_file_of_exactly_the_size_limit_is_read_and_one_byte_more_is_not() {
    use secrecy::ExposeSecret;
    let dir = TempDir::new("exact-limit");
    let path = dir.file();
    let json = br#"{"tokens":{"k":{"access_token":"tok-exact"}}}"#;
    let limit = FileTokenStore::MAX_FILE_SIZE as usize;
    for len in [limit, limit + 1] {
        let mut bytes = vec![b' '; len - json.len()];
        bytes.extend_from_slice(json);
        std::fs::write(&path, &bytes).unwrap();
        let loaded = FileTokenStore::new(&path).load("k").await;
        if len == limit {
            let token = loaded.unwrap().expect("the entry under k");
            assert_eq!(token.access_token.expose_secret(), "tok-exact");
        } else {
            let err = loaded.unwrap_err().to_string();
            assert!(err.contains("larger than"), "{err}");
        }
    }
}

/// Holds the lock file `<token file><suffix>` exclusively, as another process would.
fn hold_lock(path: &Path, suffix: &str) -> std::fs::File {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(PathBuf::from(name))
        .unwrap();
    fs4::FileExt::try_lock(&file).unwrap();
    file
}

/// A load or save waits while another process holds the file's lock, and goes on once it
/// is released; held longer than `LOCK_WAIT` (10 s), both fail naming the wait.
#[tokio::test]
async fn a_held_lock_is_waited_for_and_a_lock_held_too_long_is_an_error() {
    let dir = TempDir::new("held-lock");
    let path = dir.file();
    let store = FileTokenStore::new(&path);
    store.save("k", &token(1)).await.unwrap();

    // Released after a moment: the load waits, then reads.
    let held = hold_lock(&path, ".lock");
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
    });
    assert!(store.load("k").await.unwrap().is_some());
    release.join().unwrap();

    // Never released: both fail after the wait (a bound far past it catches a wait
    // without end).
    let _held = hold_lock(&path, ".lock");
    let (loaded, saved) = tokio::time::timeout(
        FileTokenStore::LOCK_WAIT * 3,
        futures::future::join(store.load("k"), store.save("k", &token(2))),
    )
    .await
    .expect("gave up on the lock");
    for err in [loaded.unwrap_err(), saved.unwrap_err()] {
        let text = err.to_string();
        assert!(text.contains("held the lock"), "{text}");
        assert!(text.contains("10s"), "{text}");
    }
}

/// `refresh_lock` waits up to `REFRESH_LOCK_WAIT` (60 s, here on Tokio's paused clock) for
/// another process's token request, then fails naming the wait; released earlier, it is
/// taken.
#[tokio::test(start_paused = true)]
async fn the_refresh_lock_is_waited_for_up_to_its_limit() {
    let dir = TempDir::new("refresh-lock");
    let path = dir.file();
    let store = FileTokenStore::new(&path);
    let held = hold_lock(&path, ".refresh.lock");

    let started = tokio::time::Instant::now();
    let err = tokio::time::timeout(
        FileTokenStore::REFRESH_LOCK_WAIT * 2,
        store.refresh_lock("k"),
    )
    .await
    .expect("gave up on the refresh lock")
    .unwrap_err();
    let waited = started.elapsed();
    assert!(waited >= FileTokenStore::REFRESH_LOCK_WAIT, "{waited:?}");
    let text = err.to_string();
    assert!(text.contains("held the lock"), "{text}");
    assert!(text.contains("60s"), "{text}");

    // Released while a client waits: it gets the lock.
    let waiting = store.refresh_lock("k");
    let release = async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(held);
    };
    let (lock, ()) = futures::future::join(waiting, release).await;
    assert_eq!(format!("{:?}", lock.unwrap()), "RefreshLock(held)");
}

/// A bare file name (no directory part) is a file in the working directory: its temporary
/// file and its locks go there too. (Every other test of this file uses absolute paths, so
/// changing the working directory here affects none of them.)
#[tokio::test]
async fn a_bare_file_name_is_a_file_in_the_working_directory() {
    let dir = TempDir::new("bare-name");
    let before = std::env::current_dir().unwrap();
    std::env::set_current_dir(&dir.0).unwrap();
    let store = FileTokenStore::new("tokens.json");
    let saved = store.save("k", &token(3)).await;
    let loaded = store.load("k").await;
    std::env::set_current_dir(before).unwrap();
    saved.unwrap();
    assert!(loaded.unwrap().is_some());
    assert_eq!(dir.names(), ["tokens.json", "tokens.json.lock"]);
}

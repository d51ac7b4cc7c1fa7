//! Password policy and argon2id hashing on a bounded blocking pool.

use argon2::{Algorithm, Argon2, Params, PasswordVerifier as _, Version};
use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use std::sync::Arc;
use tokio::sync::Semaphore;

use crate::UserError;

/// Passwords people pick first; refused outright (compared case-insensitively).
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "password1234",
    "12345678",
    "123456789",
    "1234567890",
    "12345678910",
    "123123123",
    "11111111",
    "00000000",
    "88888888",
    "qwerty123",
    "qwertyuiop",
    "qwerty1234",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1qaz2wsx",
    "zaq12wsx",
    "asdf1234",
    "asdfghjkl",
    "abcd1234",
    "abc12345",
    "iloveyou",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "letmein1",
    "admin123",
    "administrator",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "qwer1234",
    "a1234567",
    "aa123456",
    "q1w2e3r4",
    "q1w2e3r4t5",
    "dragon123",
    "monkey123",
    "superman",
    "trustno1",
    "computer",
    "starwars",
    "whatever",
    "michael1",
    "charlie1",
    "shadow12",
    "master12",
    "jennifer",
    "changeme",
    "cercat123",
];

/// Checks length (8–64 characters) and refuses common passwords and the email's local part.
pub fn check_policy(password: &str, email: &str) -> Result<(), UserError> {
    let len = password.chars().count();
    if !(8..=64).contains(&len) {
        return Err(UserError::WeakPassword("use 8 to 64 characters".into()));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err(UserError::WeakPassword("it is one of the most common passwords".into()));
    }
    let local = email.split('@').next().unwrap_or_default();
    if !local.is_empty() && lower == local.to_lowercase() {
        return Err(UserError::WeakPassword("it must not be your email name".into()));
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(' ')) {
        return Err(UserError::WeakPassword("it must not repeat one character".into()));
    }
    Ok(())
}

/// argon2id with m = 19 MiB, t = 2, p = 1 (OWASP's recommendation), computed on a dedicated
/// pool of `concurrency` OS threads. Requests wait asynchronously for a free worker, so a login
/// flood queues here instead of starving request handling, and memory stays bounded at about
/// `concurrency` × 19 MiB (tokio's blocking pool would spread hashes over many threads, each
/// keeping its own allocator arena). The working buffers are reused from hash to hash and
/// dropped when no hash was asked for [`IDLE_RELEASE`], so an idle process holds none.
#[derive(Clone)]
pub struct PasswordHasher {
    jobs: std::sync::mpsc::SyncSender<HashJob>,
    permits: Arc<Semaphore>,
    dummy: Arc<tokio::sync::OnceCell<String>>,
    spares: Arc<Spares>,
}

/// 33 MiB of argon2 blocks (1 KiB each).
const OWN_MAPPING_BLOCKS: usize = 33 * 1024;

/// How long the working buffers outlive the last hash.
pub const IDLE_RELEASE: std::time::Duration = std::time::Duration::from_secs(10);

type HashJob = Box<dyn FnOnce(&mut Worker) + Send>;

/// Working buffers not in use, shared by the workers (so the one that notices the pool idle
/// drops them all).
#[derive(Default)]
struct Spares(std::sync::Mutex<Vec<Vec<argon2::Block>>>);

impl Spares {
    fn count(&self) -> usize {
        self.0.lock().map(|s| s.len()).unwrap_or(0)
    }
}

/// A hashing thread's tools: the argon2 instance, and a working buffer while it hashes.
struct Worker {
    argon2: Argon2<'static>,
    spares: Arc<Spares>,
}

const SALT_LEN: usize = 16;
const OUTPUT_LEN: usize = 32;

impl Worker {
    fn new(params: &Params, spares: Arc<Spares>) -> Self {
        Self { argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()), spares }
    }

    /// Runs argon2 into `out` with a spare buffer (or a new one), then puts the buffer back.
    fn compute(&self, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
        let spare = self.spares.0.lock().ok().and_then(|mut s| s.pop());
        let mut memory = spare.unwrap_or_else(|| {
            // Reserved above glibc's largest mmap threshold (32 MiB on 64-bit, mallopt(3)), so
            // the buffer is always its own mapping and dropping it unmaps it: a buffer of
            // exactly 19 MiB raises the threshold when freed, and the next one would be carved
            // from the heap and stay resident after it is dropped. Only the blocks argon2 uses
            // are written, so only those are resident.
            let blocks = self.argon2.params().block_count();
            let mut memory = Vec::with_capacity(blocks.max(OWN_MAPPING_BLOCKS));
            memory.resize(blocks, argon2::Block::default());
            memory
        });
        let result = self.argon2.hash_password_into_with_memory(password, salt, out, &mut memory);
        if let Ok(mut s) = self.spares.0.lock() {
            s.push(memory);
        }
        result
    }

    /// `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>` (PHC, unpadded standard base64).
    fn hash(&self, password: &[u8]) -> Result<String, String> {
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&uuid::Uuid::new_v4().as_bytes()[..SALT_LEN]);
        let mut out = [0u8; OUTPUT_LEN];
        self.compute(password, &salt, &mut out).map_err(|e| e.to_string())?;
        let p = self.argon2_params();
        Ok(format!(
            "$argon2id$v=19$m={},t={},p={}${}${}",
            p.m_cost(),
            p.t_cost(),
            p.p_cost(),
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(out)
        ))
    }

    fn argon2_params(&self) -> Params {
        self.argon2.params().clone()
    }

    /// Whether `password` matches a PHC string made with these parameters. Strings made
    /// with other parameters (older settings) are checked by argon2's own verifier.
    fn verify(&self, password: &[u8], phc: &str) -> bool {
        let p = self.argon2_params();
        let prefix = format!("$argon2id$v=19$m={},t={},p={}$", p.m_cost(), p.t_cost(), p.p_cost());
        let Some(rest) = phc.strip_prefix(&prefix) else {
            return self.argon2.verify_password(password, phc).is_ok();
        };
        let Some((salt, hash)) = rest.split_once('$') else { return false };
        let (Ok(salt), Ok(expected)) = (STANDARD_NO_PAD.decode(salt), STANDARD_NO_PAD.decode(hash)) else {
            return false;
        };
        if expected.len() != OUTPUT_LEN || salt.len() < 8 {
            return false;
        }
        let mut out = [0u8; OUTPUT_LEN];
        if self.compute(password, &salt, &mut out).is_err() {
            return false;
        }
        // Constant time: every byte is compared.
        out.iter().zip(expected.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("free_workers", &self.permits.available_permits())
            .field("spare_buffers", &self.spares.count())
            .finish()
    }
}

/// Memory cost in KiB (19 MiB).
pub const M_COST_KIB: u32 = 19 * 1024;
/// Passes over memory (argon2's time cost); with [`M_COST_KIB`], OWASP's argon2id minimum.
pub const T_COST: u32 = 2;

impl PasswordHasher {
    /// A hasher with `concurrency` worker threads (at least 1). The workers stop when the
    /// last clone of the hasher is dropped.
    pub fn new(concurrency: usize) -> Self {
        Self::with_idle_release(concurrency, IDLE_RELEASE)
    }

    /// A hasher whose buffers are dropped after `idle` without a hash.
    pub fn with_idle_release(concurrency: usize, idle: std::time::Duration) -> Self {
        // These constants are valid argon2 parameters; the fallback is never taken.
        let params = Params::new(M_COST_KIB, T_COST, 1, None).unwrap_or_default();
        let workers = concurrency.max(1);
        let (jobs, queue) = std::sync::mpsc::sync_channel::<HashJob>(workers);
        let queue = Arc::new(std::sync::Mutex::new(queue));
        let spares = Arc::new(Spares::default());
        for i in 0..workers {
            let queue = Arc::clone(&queue);
            let params = params.clone();
            let spares = Arc::clone(&spares);
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || {
                let mut worker = Worker::new(&params, Arc::clone(&spares));
                loop {
                    let job = match queue.lock() {
                        Ok(rx) => rx.recv_timeout(idle),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(&mut worker),
                        // Nobody asked for a hash for a while: give the buffers back.
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                            if let Ok(mut s) = spares.0.lock() {
                                s.clear();
                                s.shrink_to_fit();
                            }
                        }
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
            });
            if let Err(err) = spawned {
                tracing::error!(%err, "could not start a password-hashing thread");
            }
        }
        Self { jobs, permits: Arc::new(Semaphore::new(workers)), dummy: Arc::default(), spares }
    }

    async fn bounded<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Worker) -> T + Send + 'static,
    ) -> Result<T, UserError> {
        let unavailable = |detail: &str| UserError::Store(cercat_common::PortError::unavailable("hasher", detail));
        // One permit per worker: a job is only queued when a worker is free to take it.
        let _permit = self.permits.acquire().await.map_err(|_| unavailable("closed"))?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: HashJob = Box::new(move |worker| {
            let _ = reply.send(work(worker));
        });
        self.jobs.send(job).map_err(|_| unavailable("no hashing threads"))?;
        answer.await.map_err(|_| unavailable("a hashing thread stopped"))
    }

    /// Hashes `password` into a PHC string.
    pub async fn hash(&self, password: &str) -> Result<String, UserError> {
        let password = password.to_owned();
        self.bounded(move |worker| worker.hash(password.as_bytes()))
            .await?
            .map_err(|e| UserError::Store(cercat_common::PortError::Corrupt(format!("hashing failed: {e}"))))
    }

    /// Whether `password` matches `phc`. A malformed stored hash never matches.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, UserError> {
        let (password, phc) = (password.to_owned(), phc.to_owned());
        self.bounded(move |worker| worker.verify(password.as_bytes(), &phc)).await
    }

    /// Burns the time of one verification, so unknown emails answer as slowly as known ones.
    pub async fn verify_dummy(&self, password: &str) -> Result<(), UserError> {
        let dummy = self.dummy.get_or_try_init(|| self.hash("no account has this password")).await?;
        self.verify(password, dummy).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_problem() {
        assert!(check_policy("short", "a@b.co").is_err());
        assert!(check_policy(&"x".repeat(65), "a@b.co").is_err());
        assert!(check_policy("Password123", "a@b.co").is_err());
        assert!(check_policy("kimcheolsu", "kimcheolsu@b.co").is_err());
        assert!(check_policy("aaaaaaaaaa", "a@b.co").is_err());
        assert!(check_policy("초록색-고양이-2025", "a@b.co").is_ok());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_required_cost_and_verify() {
        let hasher = PasswordHasher::new(2);
        let phc = hasher.hash("correct horse battery").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(hasher.verify("correct horse battery", &phc).await.unwrap());
        assert!(!hasher.verify("wrong horse battery", &phc).await.unwrap());
        assert!(!hasher.verify("x", "not a hash").await.unwrap());
        hasher.verify_dummy("anything").await.unwrap();
    }

    #[tokio::test]
    async fn the_working_buffers_are_reused_then_dropped_when_idle() {
        let hasher = PasswordHasher::with_idle_release(2, std::time::Duration::from_millis(200));
        assert_eq!(hasher.spares.count(), 0, "nothing is allocated before the first hash");
        let phc = hasher.hash("correct horse battery").await.unwrap();
        let (a, b) = tokio::join!(hasher.verify("correct horse battery", &phc), hasher.verify("x", &phc));
        assert!(a.unwrap() && !b.unwrap());
        let kept = hasher.spares.count();
        assert!((1..=2).contains(&kept), "at most one buffer per worker: {kept}");
        // Idle: both workers time out and the buffers go.
        for _ in 0..50 {
            if hasher.spares.count() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(hasher.spares.count(), 0, "dropped after the idle bound");
        assert!(hasher.verify("correct horse battery", &phc).await.unwrap(), "and allocated again on demand");
    }

    #[tokio::test]
    async fn hashes_interoperate_with_the_argon2_crates_own_phc_format() {
        use argon2::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = PasswordHasher::new(1);
        let params = Params::new(M_COST_KIB, T_COST, 1, None).unwrap();
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        // Ours verifies with theirs…
        let ours = hasher.hash("interop-password").await.unwrap();
        assert!(reference.verify_password(b"interop-password", ours.as_str()).is_ok(), "{ours}");
        assert!(reference.verify_password(b"other-password", ours.as_str()).is_err());
        // …and theirs with ours (same and different parameters).
        let theirs = reference.hash_password(b"interop-password").unwrap().to_string();
        assert!(hasher.verify("interop-password", &theirs).await.unwrap(), "{theirs}");
        let weaker = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8 * 1024, 1, 1, None).unwrap());
        let old = weaker.hash_password(b"interop-password").unwrap().to_string();
        assert!(hasher.verify("interop-password", &old).await.unwrap(), "older parameters still verify");
        assert!(!hasher.verify("nope", &old).await.unwrap());
    }
}

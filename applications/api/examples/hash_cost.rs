//! Prints the cost of one argon2id password hash with Cercat's parameters (m = 19 MiB, t = 2,
//! p = 1), averaged over sequential hashes: `hash_cost [count]` (default 20).

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let count: u32 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(20).max(1);
    let hasher = cercat_user::password::PasswordHasher::new(1);
    let started = std::time::Instant::now();
    for i in 0..count {
        if let Err(err) = hasher.hash(&format!("bench-password-{i}")).await {
            eprintln!("hashing failed: {err}");
            std::process::exit(1);
        }
    }
    let per_hash = started.elapsed().as_secs_f64() * 1000.0 / f64::from(count);
    println!("argon2id m=19456KiB t=2 p=1: {per_hash:.1} ms per hash ({count} sequential hashes, one core)");
}

//! `sqlx::migrate!` embeds the migration folders at compile time, but on stable Rust cargo is not
//! told about them: a new migration file would not rebuild the store, and a binary built after it
//! would lack the migration. Watching the folder makes cargo rebuild when a file is added or changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

// sqlx::migrate! embeds the migration files at compile time; a new file must trigger a rebuild.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

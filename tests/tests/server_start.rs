//! Opening the server's database on PostgreSQL: a failure says PostgreSQL's own reason, never a
//! bare "db error". (Runs when `cargo xtask test` has started a PostgreSQL: `KADIAN_TEST_PG`.)

#[tokio::test]
async fn a_missing_postgresql_database_is_named_in_the_error() {
    let Ok(base) = std::env::var("KADIAN_TEST_PG") else {
        return;
    };
    let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
    let url = format!("{server}/kadian_no_such_database");
    let err = match kadian_server::connect(&url).await {
        Ok(_) => panic!("connected to a database that does not exist"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("\"kadian_no_such_database\" does not exist") && err.contains("3D000"),
        "{err}"
    );
}

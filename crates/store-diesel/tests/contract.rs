//! The record ports' contract (`ticketd-testkit`), on SQLite and on
//! PostgreSQL: the same cases the in-memory fakes pass.

use ticketd_store_diesel::testing::TestDatabase;

mod sqlite {
    use super::*;

    ticketd_testkit::contract_tests!(tokio::test(flavor = "multi_thread");
        |_case: &str| Some(TestDatabase::sqlite()));
}

mod postgres {
    use super::*;

    ticketd_testkit::contract_tests!(tokio::test(flavor = "multi_thread");
        |case: &str| TestDatabase::postgres(case));
}

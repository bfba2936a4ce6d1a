//! Whether the database answers, and how the pool is used.

use ticketd_ports::RepoError;

use crate::{Store, db_error};

#[async_trait::async_trait]
impl ticketd_ports::StoreHealth for Store {
    async fn ping(&self) -> Result<(), RepoError> {
        self.read(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1").map_err(db_error)
        })
        .await
    }

    fn pool_stats(&self) -> ticketd_ports::PoolStats {
        let state = self.pool.state();
        ticketd_ports::PoolStats {
            connections: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }
}

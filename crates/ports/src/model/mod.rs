//! The values that cross the storage ports: what to write, and what to read.

mod events;
mod reads;
mod webhooks;
mod writes;

pub use events::*;
pub use reads::*;
pub use webhooks::*;
pub use writes::*;

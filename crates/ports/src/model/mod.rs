//! The values that cross the storage ports: what to write, and what to read.

mod reads;
mod writes;

pub use reads::*;
pub use writes::*;

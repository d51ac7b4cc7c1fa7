//! What the crate's test modules share: in-memory stores of its ports.

pub(crate) mod fakes;

//! What a store answers when it cannot do what it was asked. Stores decide
//! nothing about HTTP: the web kit maps these to answers at the edge.

/// A store's failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// What was asked for is not there.
    #[error("not found")]
    NotFound,
    /// The data as it is now refuses the change (it moved meanwhile, or the
    /// step does not fit its state); the key names the message.
    #[error("refused by the current state: {0}")]
    Conflict(&'static str),
    /// The change names something that does not fit (a person who is not a
    /// member, say); the key names the message.
    #[error("does not fit the data: {0}")]
    Invalid(&'static str),
    #[error("the database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

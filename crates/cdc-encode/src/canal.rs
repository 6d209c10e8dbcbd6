//! Canal JSON flat messages.

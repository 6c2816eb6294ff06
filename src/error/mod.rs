//! The one table of error codes and the `application/problem+json` body every error becomes.
//!
//! Each layer has its own error type that implements [`Coded`] to say which [`ErrorCode`] it is;
//! one blanket conversion turns any of them into an [`ApiError`], whose code always answers with
//! the same status and body. Internal causes travel to the request's log line, once, and never
//! reach the client.

mod coded;
mod codes;
mod fallback;
mod problem;

pub(crate) use coded::{Coded, Members, members};
pub(crate) use codes::ErrorCode;
pub(crate) use fallback::{path_error, problem_fallback};
pub(crate) use problem::{ApiError, Problem};

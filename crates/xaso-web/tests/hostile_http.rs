//! The hostile-input suite over HTTP (issue #15, reliability), on SQLite and on PostgreSQL:
//! oversized bodies and uploads, malformed multipart, bytes that are not UTF-8, decomposed
//! Vietnamese, SQL and script injection in every text field, path-traversal file names, numbers
//! and dates out of range. Each refusal is a clear 4xx that changed no table and wrote no file;
//! each accepted hostile string is kept verbatim and shown escaped.

mod common;
mod hostile;

//! What lifecycle clients were told, kept so that a run can be checked against the database:
//! every acknowledged step with the version and status the server answered, every refusal with
//! the moment it came, and the step each client had in flight when it stopped hearing back.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value;

use super::load::Recorder;
use super::scenarios::Failure;

/// A step the server acknowledged (2xx with the dossier as it now is).
#[derive(Debug, Clone)]
pub struct Ack {
    pub client: usize,
    pub code: String,
    pub action: String,
    pub version: i64,
    pub status: i64,
    pub at: Instant,
}

/// A step that failed: answered with an error status, or left without an answer.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub at: Instant,
    pub action: String,
    pub failure: Failure,
}

/// A step sent and not answered (yet): the server may or may not have done it.
#[derive(Debug, Clone)]
pub struct InFlight {
    /// None for a reception, whose code only the answer would tell.
    pub code: Option<String>,
    pub action: String,
}

#[derive(Debug, Default, Clone)]
pub struct Entries {
    pub acks: Vec<Ack>,
    pub refusals: Vec<Refusal>,
    /// Steps sent that never got an answer (the connection failed, or the client was stopped
    /// while waiting).
    pub unanswered: Vec<InFlight>,
    /// The step each client is waiting for, by client.
    in_flight: HashMap<usize, InFlight>,
}

impl Entries {
    /// The codes of the dossiers whose reception was acknowledged.
    pub fn received_codes(&self) -> Vec<String> {
        self.acks
            .iter()
            .filter(|a| a.action == "receive")
            .map(|a| a.code.clone())
            .collect()
    }
}

#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<Entries>,
}

impl Journal {
    /// Sends one lifecycle step, timing it in `recorder` and noting it here; the dossier the
    /// server answered with, on success.
    ///
    /// The note is made without any await after the answer arrives, so a client stopped abruptly
    /// (its task aborted) has either noted an answer it received, or still has the step in flight.
    pub async fn step(
        &self,
        recorder: &mut Recorder,
        client: usize,
        code: Option<&str>,
        action: &str,
        request: impl Future<Output = Result<Value, Failure>>,
    ) -> Option<Value> {
        self.with(|e| {
            e.in_flight.insert(
                client,
                InFlight {
                    code: code.map(str::to_string),
                    action: action.to_string(),
                },
            );
        });
        let started = Instant::now();
        let outcome = request.await;
        recorder.record(started, outcome.as_ref());
        self.with(|e| match &outcome {
            Ok(dossier) => {
                e.in_flight.remove(&client);
                e.acks.push(Ack {
                    client,
                    code: dossier["code"].as_str().unwrap_or_default().to_string(),
                    action: action.to_string(),
                    version: dossier["version"].as_i64().unwrap_or(-1),
                    status: dossier["status"]["code"].as_i64().unwrap_or(-1),
                    at: Instant::now(),
                });
            }
            Err(failure) => {
                // An error answer means the step was not done; without an answer it may have been.
                let pending = e.in_flight.remove(&client);
                if let (Failure::Transport(_), Some(pending)) = (failure, pending) {
                    e.unanswered.push(pending);
                }
                e.refusals.push(Refusal {
                    at: Instant::now(),
                    action: action.to_string(),
                    failure: failure.clone(),
                });
            }
        });
        outcome.ok()
    }

    /// Everything noted so far, leaving the journal empty; steps still awaiting an answer count
    /// as unanswered.
    pub fn take(&self) -> Entries {
        let mut entries = self.with(std::mem::take);
        let waiting = std::mem::take(&mut entries.in_flight);
        entries.unanswered.extend(waiting.into_values());
        entries
    }

    fn with<R>(&self, f: impl FnOnce(&mut Entries) -> R) -> R {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut entries)
    }
}

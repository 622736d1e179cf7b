//! The requests each scenario's clients send, as a browser or an integrator would send them.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};

use super::journal::Journal;
use super::load::Recorder;

/// How a request says who sends it.
#[derive(Clone)]
pub enum Auth {
    Public,
    /// An API token (`Authorization: Bearer`).
    Token(String),
    /// A session, as a signed-in browser sends it.
    Session(String),
}

#[derive(Clone)]
pub struct Http {
    pub client: reqwest::Client,
}

impl Http {
    pub fn new() -> anyhow::Result<Http> {
        Ok(Http {
            client: reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(256)
                .timeout(std::time::Duration::from_secs(60))
                .build()?,
        })
    }

    fn with_auth(builder: reqwest::RequestBuilder, auth: &Auth) -> reqwest::RequestBuilder {
        match auth {
            Auth::Public => builder,
            Auth::Token(token) => builder.bearer_auth(token),
            Auth::Session(token) => builder.header(
                reqwest::header::COOKIE,
                format!("{}={token}", xaso_web::identity::SESSION_COOKIE),
            ),
        }
    }

    /// Sends a request; the body of a 2xx answer.
    async fn send(builder: reqwest::RequestBuilder, auth: &Auth) -> Result<Vec<u8>, Failure> {
        let response = Self::with_auth(builder, auth)
            .send()
            .await
            .map_err(|e| Failure::Transport(e.to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| Failure::Transport(e.to_string()))?;
        if !status.is_success() {
            return Err(Failure::Answered {
                status: status.as_u16(),
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        Ok(body.to_vec())
    }

    /// GET; the size of a 2xx answer's body.
    pub async fn get(&self, url: &str, auth: &Auth) -> Result<usize, Failure> {
        Ok(Self::send(self.client.get(url), auth).await?.len())
    }

    /// POST of a JSON body; the JSON of a 2xx answer.
    pub async fn post_json(&self, url: &str, auth: &Auth, body: &Value) -> Result<Value, Failure> {
        let request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        Self::json(Self::send(request, auth).await?)
    }

    pub async fn get_json(&self, url: &str, auth: &Auth) -> Result<Value, Failure> {
        Self::json(Self::send(self.client.get(url), auth).await?)
    }

    fn json(answer: Vec<u8>) -> Result<Value, Failure> {
        serde_json::from_slice(&answer).map_err(|e| Failure::Answered {
            status: 200,
            body: format!("không phải JSON: {e}"),
        })
    }
}

/// A request that did not succeed: the server answered with an error, or no answer came (the
/// connection failed or broke), in which case the server may or may not have done the work.
#[derive(Debug, Clone)]
pub enum Failure {
    Answered { status: u16, body: String },
    Transport(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Answered { status, body } => {
                let excerpt: String = body.chars().take(200).collect();
                write!(f, "{status} {excerpt}")
            }
            Failure::Transport(error) => write!(f, "không có trả lời: {error}"),
        }
    }
}

/// GETs of one address by every client until the deadline.
pub async fn repeat_get(http: Http, url: String, auth: Auth, deadline: Instant) -> Recorder {
    let mut recorder = Recorder::default();
    while Instant::now() < deadline {
        recorder.time(http.get(&url, &auth)).await;
    }
    recorder
}

/// Public tracking look-ups of sampled codes, each client walking the sample from its own start.
pub async fn lookups(
    http: Http,
    base: String,
    codes: Arc<Vec<String>>,
    client: usize,
    deadline: Instant,
) -> Recorder {
    let mut recorder = Recorder::default();
    let mut next = client.wrapping_mul(7919);
    while Instant::now() < deadline && !codes.is_empty() {
        let code = &codes[next % codes.len()];
        next += 1;
        let url = format!("{base}/api/v1/public/dossiers/{code}");
        recorder.time(http.get(&url, &Auth::Public)).await;
    }
    recorder
}

/// The officers of one commune, by their API tokens.
#[derive(Clone)]
pub struct Crew {
    pub centre_code: String,
    pub counter: Auth,
    pub specialist: Auth,
    pub leader: Auth,
}

/// What every lifecycle client files: a procedure of the default workflow, the applicant, and
/// the mandatory components marked provided.
pub struct Filing {
    pub procedure: String,
    pub components: Value,
}

/// Dossiers carried from the counter to the returned result, one after the other: receive
/// (accepted at once), forward to the specialist, forward to the leader, approve, return. Every
/// step is one request and one committed transaction; what the server acknowledged (and what was
/// in flight) goes to the journal. After a failure the client leaves that dossier and starts
/// another.
pub async fn lifecycle(
    http: Http,
    base: String,
    crew: Crew,
    filing: Arc<Filing>,
    journal: Arc<Journal>,
    client: usize,
    deadline: Instant,
) -> Recorder {
    let mut recorder = Recorder::default();
    let mut result_number = 0u64;
    while Instant::now() < deadline {
        // A different citizen each time (Đồng Nai, born 2001): one person's data store does not
        // fill with thousands of results.
        let id_number = format!(
            "0752010{:05}",
            (client * 10_007 + result_number as usize) % 100_000
        );
        let new = json!({
            "procedure_code": filing.procedure,
            "channel": "counter",
            "receiving_agency": crew.centre_code,
            "applicant": {
                "name": "Nguyễn Văn An", "id_number": id_number, "phone": "0912345678",
                "address": "Ấp 3"
            },
            "components": filing.components,
            "decision": { "decision": "accept" }
        });
        let url = format!("{base}/api/v1/dossiers");
        let request = http.post_json(&url, &crew.counter, &new);
        let Some(mut dossier) = journal
            .step(&mut recorder, client, None, "receive", request)
            .await
        else {
            // A pause, so that a server that is down is not hammered.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let Some(code) = dossier["code"].as_str().map(str::to_string) else {
            continue;
        };
        result_number += 1;
        let steps = [
            (&crew.counter, json!({ "action": "forward" })),
            (
                &crew.specialist,
                json!({ "action": "forward", "note": "Đủ điều kiện" }),
            ),
            (
                &crew.leader,
                json!({ "action": "approve", "result_number": format!("{result_number}/BENCH") }),
            ),
            (&crew.counter, json!({ "action": "return_result" })),
        ];
        for (who, mut action) in steps {
            action["version"] = dossier["version"].clone();
            let url = format!("{base}/api/v1/dossiers/{code}/actions");
            let name = action["action"].as_str().unwrap_or_default().to_string();
            let request = http.post_json(&url, who, &action);
            match journal
                .step(&mut recorder, client, Some(&code), &name, request)
                .await
            {
                Some(next) => dossier = next,
                None => break,
            }
        }
    }
    recorder
}

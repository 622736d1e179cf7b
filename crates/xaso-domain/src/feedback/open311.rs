//! A new request of Open311 GeoReport v2 (`POST requests.json`, form-encoded) read into the
//! feedback it submits, without IO: the web handler and the fuzz target read it the same way.

use serde::{Deserialize, Serialize};

/// What an unreadable form is told (a required field missing, a field given twice…).
pub const UNREADABLE: &str = "cần service_code và description";

/// The author named when the form gives no name.
pub const ANONYMOUS: &str = "Người dân (không nêu tên)";

/// The fields of the form, as Open311 names them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestForm {
    pub service_code: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub lat: Option<String>,
    #[serde(default)]
    pub long: Option<String>,
    #[serde(default)]
    pub address_string: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    /// The commune's agency code.
    #[serde(default)]
    pub jurisdiction_id: Option<String>,
}

/// The feedback a form submits.
#[derive(Debug, Clone, PartialEq)]
pub struct Open311Request {
    /// `None`: the first commune of the installation.
    pub agency_code: Option<String>,
    pub service_code: String,
    pub author_name: String,
    pub author_contact: Option<String>,
    pub description: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// A coordinate of the form, or the message saying why it is not one.
fn coordinate(value: &Option<String>, what: &str) -> Result<Option<f64>, String> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse::<f64>()
            .map(Some)
            .map_err(|_| format!("{what} “{text}” không phải là số")),
    }
}

/// The form of a url-encoded body, as the web layer's `Form` extractor reads it.
pub fn parse_form(body: &str) -> Result<RequestForm, String> {
    serde_urlencoded::from_str(body).map_err(|_| UNREADABLE.to_string())
}

/// The feedback of a form: its coordinates checked, the author's names and contacts joined.
pub fn read_request(form: RequestForm) -> Result<Open311Request, String> {
    let lat = coordinate(&form.lat, "lat")?;
    let lon = coordinate(&form.long, "long")?;
    let joined = |parts: [Option<&str>; 2], separator: &str| {
        parts
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(separator)
    };
    let name = joined([form.first_name.as_deref(), form.last_name.as_deref()], " ");
    let contact = joined([form.phone.as_deref(), form.email.as_deref()], ", ");
    Ok(Open311Request {
        agency_code: form.jurisdiction_id.filter(|j| !j.trim().is_empty()),
        service_code: form.service_code,
        author_name: if name.is_empty() {
            ANONYMOUS.into()
        } else {
            name
        },
        author_contact: Some(contact).filter(|c| !c.is_empty()),
        description: form.description,
        address: form.address_string,
        lat,
        lon,
    })
}

/// The feedback of a url-encoded body.
pub fn parse_request(body: &str) -> Result<Open311Request, String> {
    read_request(parse_form(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_form_reads() {
        let request = parse_request(
            "service_code=moi-truong&description=R%C3%A1c+th%E1%BA%A3i&lat=21.03&long=105.85\
             &first_name=V%C4%83n&last_name=An&phone=0912&email=a%40b.vn&jurisdiction_id=H56",
        )
        .expect("valid");
        assert_eq!(request.description, "Rác thải");
        assert_eq!((request.lat, request.lon), (Some(21.03), Some(105.85)));
        assert_eq!(request.author_name, "Văn An");
        assert_eq!(request.author_contact.as_deref(), Some("0912, a@b.vn"));
        assert_eq!(request.agency_code.as_deref(), Some("H56"));
    }

    #[test]
    fn an_anonymous_form_without_place_reads() {
        let request = parse_request("service_code=x&lat=+&jurisdiction_id=+").expect("valid");
        assert_eq!(request.author_name, ANONYMOUS);
        assert_eq!(
            (request.lat, request.lon, request.agency_code),
            (None, None, None)
        );
    }

    #[test]
    fn a_form_without_service_code_is_unreadable() {
        assert_eq!(parse_request("description=x"), Err(UNREADABLE.to_string()));
    }
}

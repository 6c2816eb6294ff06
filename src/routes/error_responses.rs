//! The error answers of every operation, written into the OpenAPI document.
//!
//! Handlers document the answers particular to them (409 `out_of_stock`, 402, a 429 of their own
//! rate). What every operation of a kind can answer is added here, in one place, from what the
//! operation is: one that takes a body or parameters can answer 400 and 422, a body also 413 and
//! 415; one that needs a token 401 and 403; one with an id in its path 404; everything but
//! liveness and the public keys 503 while the database or Redis is down. Every error answer is
//! documented as `application/problem+json` with the `Problem` schema, which is what the server
//! sends (`crate::error`, and the fallback for actix's own errors).

use serde_json::{Map, Value, json};

/// Operations that answer without the database or Redis.
const ALWAYS_AVAILABLE: [&str; 2] = ["/healthz", "/.well-known/jwks.json"];

/// `document` with every operation's error answers documented.
pub(crate) fn documented(document: Value) -> Value {
    let mut document = document;
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(operations) = item.as_object_mut() else {
                continue;
            };
            for operation in operations.values_mut() {
                if let Some(operation) = operation.as_object_mut() {
                    document_operation(path, operation);
                }
            }
        }
    }
    document
}

fn document_operation(path: &str, operation: &mut Map<String, Value>) {
    let takes_body = operation.contains_key("requestBody");
    let takes_parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|parameters| parameters.iter().any(|p| p["in"] != "path"));
    let needs_token = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|security| !security.is_empty());
    let mut statuses = Vec::new();
    if takes_body || takes_parameters {
        statuses.push(("400", "the request is malformed"));
        statuses.push((
            "422",
            "a field or parameter is invalid; `errors` names each",
        ));
    }
    if takes_body {
        statuses.push(("413", "the body is too large"));
        statuses.push(("415", "the body is not of a type this operation reads"));
    }
    if needs_token {
        statuses.push(("401", "no, a bad, an expired or a revoked access token"));
        statuses.push(("403", "the caller's role does not allow it"));
    }
    if path.contains('{') {
        statuses.push(("404", "nothing of that id that the caller may see"));
    }
    if !ALWAYS_AVAILABLE.contains(&path) {
        statuses.push((
            "503",
            "the database or Redis is not answering; see Retry-After",
        ));
    }
    let responses = operation
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else {
        return;
    };
    for (status, description) in statuses {
        responses
            .entry(status)
            .or_insert_with(|| json!({ "description": description }));
    }
    for (status, response) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            response["content"] = json!({
                "application/problem+json": {
                    "schema": { "$ref": "#/components/schemas/Problem" }
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_gets_the_errors_of_what_it_is_all_as_problems() {
        let document = json!({"paths": {
            "/things/{id}": {"post": {
                "security": [{"bearer": []}],
                "requestBody": {},
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {}}},
                    "409": {"description": "taken", "content": {"application/json": {}}}
                }
            }},
            "/healthz": {"get": {"responses": {"200": {"description": "up"}}}}
        }});
        let documented = documented(document);
        let thing = &documented["paths"]["/things/{id}"]["post"]["responses"];
        for status in [
            "400", "401", "403", "404", "409", "413", "415", "422", "503",
        ] {
            assert!(
                thing[status]["content"]["application/problem+json"].is_object(),
                "{status}: {thing}"
            );
            assert!(thing[status]["content"].get("application/json").is_none());
        }
        assert_eq!(
            thing["409"]["description"], "taken",
            "a handler's own words stay"
        );
        assert!(thing["200"]["content"]["application/json"].is_object());
        let health = &documented["paths"]["/healthz"]["get"]["responses"];
        assert_eq!(health.as_object().unwrap().len(), 1, "{health}");
    }
}

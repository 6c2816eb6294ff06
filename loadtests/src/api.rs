//! The few calls of Bazaar's HTTP API the load tests make to set a scenario up.

use serde_json::{Value, json};

/// POSTs `body` (with a bearer `token`), failing unless the answer is a success.
pub async fn post(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    success(request).await
}

/// The JSON answer of `request`, failing unless it is a success.
async fn success(request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let response = request.send().await?;
    let status = response.status();
    let body: Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "{status}: {body}");
    Ok(body)
}

/// PATCHes `body` with a bearer `token`, failing unless the answer is a success.
pub async fn patch(
    client: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
) -> anyhow::Result<Value> {
    success(client.patch(url).bearer_auth(token).json(&body)).await
}

/// Signs in; the access token.
pub async fn login(
    client: &reqwest::Client,
    server: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let body = post(
        client,
        format!("{server}/api/v1/auth/login"),
        None,
        json!({"email": email, "password": password}),
    )
    .await?;
    Ok(body["access_token"].as_str().unwrap_or_default().to_owned())
}

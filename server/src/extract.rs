//! Extractors whose rejections use the app's error shape instead of axum's plain text.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// `axum::Json` with rejections turned into [`AppError`]: a malformed or mistyped body is a
/// 400 with a Chinese message, a missing `Content-Type` a 415, an oversized body a 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(rejection.into()),
        }
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonSyntaxError(_) => {
                AppError::BadRequest("请求内容不是有效的 JSON，请检查后重试。".to_owned())
            }
            JsonRejection::JsonDataError(e) => {
                // serde's own words name the offending field; useful to whoever debugs the client.
                let detail = e.body_text();
                let detail = detail
                    .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                    .unwrap_or(&detail);
                AppError::BadRequest(format!("请求数据不符合要求（{detail}），请检查后重试。"))
            }
            JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType(
                "请求须为 JSON（Content-Type: application/json）。".to_owned(),
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::PayloadTooLarge("请求内容过大，请分批提交。".to_owned())
            }
            _ => AppError::BadRequest("无法读取请求内容，请检查网络后重试。".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::post;
    use axum::Router;
    use http_body_util::BodyExt;
    use serde::Deserialize;
    use tower::ServiceExt;

    #[derive(Deserialize)]
    struct Probe {
        #[allow(dead_code)]
        name: String,
    }

    async fn call(content_type: Option<&str>, body: &str) -> (StatusCode, serde_json::Value) {
        let app = Router::new().route("/", post(|Json(_): Json<Probe>| async { "ok" }));
        let mut req = Request::post("/");
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = app
            .oneshot(req.body(Body::from(body.to_owned())).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    #[tokio::test]
    async fn malformed_json_is_a_400_with_a_chinese_message() {
        let (status, body) = call(Some("application/json"), "{not json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "bad_request");
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains("不是有效的 JSON"));
    }

    #[tokio::test]
    async fn a_missing_field_is_a_400_naming_the_field() {
        let (status, body) = call(Some("application/json"), "{}").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("请求数据不符合要求"), "{message}");
        assert!(message.contains("name"), "{message}");
    }

    #[tokio::test]
    async fn a_body_without_json_content_type_is_a_415() {
        let (status, body) = call(None, r#"{"name":"x"}"#).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(body["code"], "unsupported_media_type");
    }

    #[tokio::test]
    async fn valid_json_passes_through() {
        let (status, _) = call(Some("application/json"), r#"{"name":"x"}"#).await;
        assert_eq!(status, StatusCode::OK);
    }
}

//! [`MethodNotAllowed`]: the answer to a request no route took, telling a wrong method (405,
//! with `Allow`) from an unknown path (404).
//!
//! Each route is its own resource guarded by its method, so actix alone would answer 404 to
//! both. The routes and their methods are read once from the OpenAPI document the route table
//! generates, so this list is never written by hand.

use actix_web::dev::ResourceDef;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::Arc;
use utoipa::openapi::OpenApi;

/// Every route's path pattern with the methods it answers.
#[derive(Clone)]
pub(crate) struct MethodNotAllowed {
    routes: Arc<Vec<(ResourceDef, String)>>,
}

impl MethodNotAllowed {
    pub(crate) fn from_openapi(document: &OpenApi) -> Self {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                (ResourceDef::new(path.as_str()), methods.join(", "))
            })
            .collect();
        Self {
            routes: Arc::new(routes),
        }
    }

    /// The default service: 405 with the methods the path answers, or 404 if no route has it
    /// (the problem middleware renders either as problem+json).
    pub(crate) async fn answer(req: HttpRequest, known: web::Data<Self>) -> HttpResponse {
        let allowed = known
            .routes
            .iter()
            .find(|(pattern, _)| pattern.is_match(req.path()));
        match allowed {
            Some((_, methods)) => HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, methods.as_str()))
                .finish(),
            None => HttpResponse::NotFound().finish(),
        }
    }
}

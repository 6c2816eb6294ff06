//! `/api/v1/couriers` (→ `accounts::couriers`): whom a seller can hand a shipment to.

use crate::accounts::Accounts;
use crate::auth::SellerUser;
use crate::domain::{Page, PageParams};
use crate::error::{ApiError, Problem};
use actix_web::{HttpResponse, get, web};

/// Active couriers by id and name, newest first, for sellers choosing who carries a shipment.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "`{items: [{id, name}], page, per_page, total}`"),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
#[get("/couriers")]
pub(crate) async fn list(
    accounts: web::Data<Accounts>,
    _seller: SellerUser,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let couriers = accounts.active_couriers(Page::parse(&paging)?).await?;
    Ok(HttpResponse::Ok().json(couriers))
}

//! The benchmark baseline: a bare actix-web server answering one fixed JSON body, with no
//! middleware, database or cache. `bench/run.sh` loads it beside the real API so the report
//! shows what Cercat's own layers cost.
//!
//! Usage: `bare_actix <port>` (default 18081).

use actix_web::{App, HttpResponse, HttpServer, get};

const BODY: &str = r#"{"responseCode":"SUCCESS","result":{"certificateId":1,"certificateName":"bare"}}"#;

#[get("/bare")]
async fn bare() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(BODY)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(18081);
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    println!("bare actix listening on http://127.0.0.1:{port}/bare");
    HttpServer::new(|| App::new().service(bare)).workers(workers).bind(("127.0.0.1", port))?.run().await
}

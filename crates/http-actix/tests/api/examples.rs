//! The OpenAPI document as a guide in Swagger UI: its request examples, as
//! "Try it out" sends them, work as they stand for the role they name on a new
//! desk, in the order of README's walk-through; every parameter and header is
//! described.

use crate::common::*;
use actix_web::http::Method;
use serde_json::Value;
use ticketd_http_actix::OPENAPI_PATH;
use ticketd_store_diesel::test_on_both_databases;
use ticketd_store_diesel::testing::TestDatabase;

const API: &str = "/backend/api/support-ticket";

/// The request examples of an operation, in the document's order (the first
/// is the one Swagger UI fills in: the document orders them by name), or the example of its body's schema.
fn examples(doc: &Value, method: &str, path: &str) -> Vec<(String, Value)> {
    let body = &doc["paths"][path][method]["requestBody"]["content"]["application/json"];
    match body["examples"].as_object() {
        Some(named) => named
            .iter()
            .map(|(name, e)| (name.clone(), e["value"].clone()))
            .collect(),
        None => vec![("schema".to_owned(), body["example"].clone())],
    }
}

test_on_both_databases! { actix_web::test;

async fn each_request_example_works_unchanged_for_its_role(db: &TestDatabase) {
    let api = api(db).await;
    let doc = api.call(Method::GET, OPENAPI_PATH, None, None).await.expect(200).body;
    let (c, staff) = (customer("user01"), admin());

    // An admin creates the category the other examples name; its example is
    // built from the schema's own examples.
    let schema = &doc["components"]["schemas"]["CreateCategoryRequest"]["properties"];
    let category = serde_json::json!({
        "categoryName": schema["categoryName"]["example"],
        "parentCategoryId": schema["parentCategoryId"]["example"],
    });
    assert_eq!(api.post(&format!("{API}/categories"), &staff, category).await.expect(201).data()["id"], 1);

    // Opening a ticket: the first example is a customer's, the second staff's.
    let open = examples(&doc, "post", API);
    let names: Vec<&str> = open.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["1-customer", "2-staff"]);
    let opened = api.post(API, &c, open[0].1.clone()).await.expect(201);
    let id = opened.data()["id"].as_i64().unwrap();
    assert_eq!(opened.data()["userId"], "user01");
    let r = api.post(API, &c, open[1].1.clone()).await.expect_error(403);
    assert!(r.body["message"].as_str().is_some());
    let theirs = api.post(API, &staff, open[1].1.clone()).await.expect(201);
    assert_eq!(theirs.data()["userId"], "user01");
    assert_eq!(theirs.data()["assigneeId"], "admin1");

    // Adding a message: the default works for the customer; the file example
    // works once its filePath is the one the upload answered.
    let path = "/backend/api/support-ticket/{id}";
    let add = examples(&doc, "post", path);
    let names: Vec<&str> = add.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["1-message", "2-with-file", "3-internal-note"]);
    let url = format!("{API}/{id}");
    api.post(&url, &c, add[0].1.clone()).await.expect(200);
    api.post(&url, &c, add[1].1.clone()).await.expect_error(400);
    let uploaded = api.upload(&c, "invoice.pdf", PDF).await;
    let mut with_file = add[1].1.clone();
    with_file["attachments"][0]["filePath"] = uploaded["filePath"].clone();
    let added = api.post(&url, &c, with_file).await.expect(200);
    assert_eq!(added.data()["attachments"][0]["filePath"], uploaded["filePath"]);
    api.post(&url, &c, add[2].1.clone()).await.expect_error(403);
    assert_eq!(api.post(&url, &staff, add[2].1.clone()).await.expect(200).data()["visibility"], "internal");

    // The customer reads the ticket, and the file at its filePath.
    let details = api.get(&url, &c).await.expect(200);
    assert_eq!(details.data()["ticketMessage"].as_array().unwrap().len(), 2);
    let file = api.download(uploaded["filePath"].as_str().unwrap(), Some(&c)).await;
    assert_eq!(file.status.as_u16(), 200);
    assert_eq!(file.bytes, PDF);
}

}

/// Swagger UI shows each parameter's and header's description beside its
/// field: none is left blank.
#[actix_web::test]
async fn every_parameter_and_header_is_described() {
    let db = TestDatabase::sqlite();
    let api = api(&db).await;
    let doc = api
        .call(Method::GET, OPENAPI_PATH, None, None)
        .await
        .expect(200)
        .body;
    let mut blank = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["description"]
                    .as_str()
                    .is_none_or(|d| d.trim().is_empty())
                {
                    blank.push(format!("{method} {path}: {} {}", p["in"], p["name"]));
                }
            }
            for (status, answer) in op["responses"].as_object().unwrap() {
                for (name, header) in answer["headers"].as_object().into_iter().flatten() {
                    if header["description"]
                        .as_str()
                        .is_none_or(|d| d.trim().is_empty())
                    {
                        blank.push(format!("{method} {path}: {status} header {name}"));
                    }
                }
            }
        }
    }
    assert!(blank.is_empty(), "described nowhere: {blank:#?}");
}

/// The 401 example Swagger UI shows under each operation is what the server
/// answers there without a token, word for word.
#[actix_web::test]
async fn each_documented_401_is_the_answer_without_a_token() {
    let db = TestDatabase::sqlite();
    let api = api(&db).await;
    let doc = api
        .call(Method::GET, OPENAPI_PATH, None, None)
        .await
        .expect(200)
        .body;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(example) =
                op["responses"]["401"]["content"]["application/json"].get("example")
            else {
                continue;
            };
            let uri = path.replace("{id}", "1").replace("{key}", &"a".repeat(32));
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = api
                .call(method.clone(), &uri, None, None)
                .await
                .expect_error(401);
            assert_eq!(&r.body, example, "{method} {path}");
            checked += 1;
        }
    }
    assert!(checked >= 14, "{checked}");
}

//! The served OpenAPI document: it names every route the server has, its
//! schemas hold for real responses, and it changes only on purpose.

use std::collections::BTreeSet;

use crate::common::*;
use actix_web::http::Method;
use serde_json::{Value, json};
use ticketd_http_actix::OPENAPI_PATH;
use ticketd_store_diesel::test_on_both_databases;
use ticketd_store_diesel::testing::TestDatabase;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if item.get(m).is_some() {
                ops.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// The routes declared on handlers in the source, as the document writes them:
/// the API's (`/support-ticket...`) under its prefix, the others (operations,
/// files at their `filePath`) at the root.
fn handler_routes() -> BTreeSet<(String, String)> {
    let sources = [
        (
            include_str!("../../src/routes/tickets.rs"),
            ticketd_http_actix::PREFIX,
        ),
        (
            include_str!("../../src/routes/changes.rs"),
            ticketd_http_actix::PREFIX,
        ),
        (
            include_str!("../../src/routes/messages.rs"),
            ticketd_http_actix::PREFIX,
        ),
        (
            include_str!("../../src/routes/logs.rs"),
            ticketd_http_actix::PREFIX,
        ),
        (
            include_str!("../../src/routes/categories.rs"),
            ticketd_http_actix::PREFIX,
        ),
        (
            include_str!("../../src/routes/events.rs"),
            ticketd_http_actix::PREFIX,
        ),
        (
            include_str!("../../src/routes/sla.rs"),
            ticketd_http_actix::PREFIX,
        ),
        (
            include_str!("../../src/routes/webhooks.rs"),
            ticketd_http_actix::PREFIX,
        ),
        (
            include_str!("../../src/files/mod.rs"),
            ticketd_http_actix::PREFIX,
        ),
        (
            include_str!("../../src/files/download.rs"),
            ticketd_http_actix::PREFIX,
        ),
        (include_str!("../../src/observe.rs"), ""),
    ];
    let mut routes = BTreeSet::new();
    for (source, prefix) in sources {
        for line in source.lines().map(str::trim) {
            for m in METHODS {
                if let Some(rest) = line.strip_prefix(&format!("#[{m}(\"")) {
                    let path = rest.split("\")").next().unwrap().replace(":\\\\d+", "");
                    let prefix = if path.starts_with("/support-ticket") {
                        prefix
                    } else {
                        ""
                    };
                    routes.insert((m.to_uppercase(), format!("{prefix}{path}")));
                }
            }
        }
    }
    routes
}

async fn served_document(db: &TestDatabase) -> Value {
    let api = api(db).await;
    let r = api
        .call(Method::GET, OPENAPI_PATH, None, None)
        .await
        .expect(200);
    r.body
}

/// What in `body` breaks the document's schema for this response.
fn violations(doc: &Value, method: &str, path: &str, status: u16, body: &Value) -> Vec<String> {
    let schema = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(
        schema.is_object(),
        "the document has no {status} schema for {method} {path}"
    );
    let mut root = schema.as_object().unwrap().clone();
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("components".into(), doc["components"].clone());
    let validator = jsonschema::validator_for(&Value::Object(root)).unwrap();
    validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn assert_valid(doc: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let errors = violations(doc, method, path, status, body);
    assert!(
        errors.is_empty(),
        "{method} {path} {status} does not match the document: {errors:#?}\n{body:#}"
    );
}

#[actix_web::test]
async fn every_handler_route_is_in_the_document_and_nothing_else() {
    let doc = served_document(&TestDatabase::sqlite()).await;
    let routes = handler_routes();
    assert_eq!(routes.len(), 30, "{routes:?}");
    assert_eq!(operations(&doc), routes);
}

#[actix_web::test]
async fn the_document_has_bearer_auth_and_per_endpoint_status_types() {
    let doc = served_document(&TestDatabase::sqlite()).await;
    let scheme = &doc["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    for (method, path) in operations(&doc) {
        let op = &doc["paths"][&path][method.to_lowercase()];
        if !path.starts_with(ticketd_http_actix::PREFIX) && !path.starts_with("/uploads/") {
            assert!(
                op["security"].is_null(),
                "{method} {path} is open to probes"
            );
            continue;
        }
        // A download takes a token or a signed link instead.
        let security = if path.ends_with("/uploads/{key}") {
            json!([{"bearerAuth": []}, {}])
        } else {
            json!([{"bearerAuth": []}])
        };
        assert_eq!(op["security"], security, "{method} {path}");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.contains_key("401"),
            "{method} {path} documents 401"
        );
        let success = responses.keys().find(|k| k.starts_with('2')).unwrap();
        if op["responses"][success]["content"]["application/json"].is_null() {
            // A file, or the live stream, not an envelope.
            assert!(
                path.ends_with("/uploads/{key}") || path.ends_with("/events/stream"),
                "{method} {path}"
            );
            continue;
        }
        let reference = op["responses"][success]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap();
        let name = reference.rsplit('/').next().unwrap();
        let status_type = &doc["components"]["schemas"][name]["properties"]["status"]["type"];
        let is_list = method == "GET"
            && (path.ends_with("/support-ticket")
                || path.ends_with("/ticket-logs")
                || path.ends_with("/logs")
                || path.ends_with("/events")
                || path.ends_with("/deliveries"));
        assert_eq!(
            status_type,
            if is_list { "string" } else { "integer" },
            "{method} {path}"
        );
    }
}

/// Each event type sent has its webhook in the document, with headers and
/// an example that holds to the event's schema.
#[actix_web::test]
async fn every_event_type_sent_is_a_documented_webhook_with_a_valid_example() {
    let doc = served_document(&TestDatabase::sqlite()).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let hooks = doc["webhooks"].as_object().unwrap();
    let sent: Vec<&str> = ticketd_domain::EventType::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    assert_eq!(
        hooks.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        sent.into_iter().collect()
    );
    let mut root = json!({"$ref": "#/components/schemas/EventDto"});
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["components"] = doc["components"].clone();
    let validator = jsonschema::validator_for(&root).unwrap();
    for (name, hook) in hooks {
        let post = &hook["post"];
        let headers: Vec<&str> = post["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            headers,
            ["webhook-id", "webhook-timestamp", "webhook-signature"],
            "{name}"
        );
        let example = &post["requestBody"]["content"]["application/json"]["example"];
        assert_eq!(example["type"], name.as_str());
        let errors: Vec<String> = validator
            .iter_errors(example)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[actix_web::test]
async fn the_document_matches_its_snapshot() {
    let doc = served_document(&TestDatabase::sqlite()).await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");
    let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(path, &pretty).unwrap();
    }
    let snapshot = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        snapshot == pretty,
        "the OpenAPI document changed; review it and run with UPDATE_SNAPSHOTS=1 to accept"
    );
}

/// Every request field's `minLength`, `maxLength` and `pattern` in the served
/// document are the domain's rule for it (the same constants the request
/// DTOs' `validator` attributes use; `openapi::tests` checks those).
#[actix_web::test]
async fn request_fields_state_the_domains_rules() {
    let doc = served_document(&TestDatabase::sqlite()).await;
    for (schema, field, rule) in ticketd_http_actix::FIELD_RULES {
        let owner = &doc["components"]["schemas"][*schema];
        // The message call's body is refined into an `allOf`, its own
        // properties first.
        let properties = if owner["allOf"].is_array() {
            &owner["allOf"][0]["properties"]
        } else {
            &owner["properties"]
        };
        let property = &properties[*field];
        assert_eq!(
            property["minLength"],
            json!(rule.min_chars),
            "{schema}.{field}"
        );
        assert_eq!(
            property["maxLength"],
            json!(rule.max_chars),
            "{schema}.{field}"
        );
        assert_eq!(
            property["pattern"],
            json!(rule.pattern()),
            "{schema}.{field}"
        );
    }
    let keyword = doc["paths"]["/backend/api/support-ticket"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "keyword")
        .unwrap();
    let rule = ticketd_domain::rules::KEYWORD;
    assert_eq!(keyword["schema"]["maxLength"], json!(rule.max_chars));
    assert_eq!(keyword["schema"]["pattern"], json!(rule.pattern()));
    let attachments =
        &doc["components"]["schemas"]["AddMessageRequest"]["allOf"][0]["properties"]["attachments"];
    assert_eq!(
        attachments["maxItems"],
        json!(ticketd_domain::rules::MAX_ATTACHMENTS)
    );
}

/// The caps the document states are the ones the desk applies.
#[actix_web::test]
async fn the_documented_offset_maximum_and_count_cap_are_the_served_ones() {
    let doc = served_document(&TestDatabase::sqlite()).await;
    let mut lists = 0;
    for (method, path) in operations(&doc) {
        let op = &doc["paths"][&path][method.to_lowercase()];
        for param in op["parameters"].as_array().into_iter().flatten() {
            if param["name"] == "offset" {
                assert_eq!(
                    param["schema"]["maximum"],
                    json!(ticketd_app::MAX_OFFSET),
                    "{path}"
                );
                lists += 1;
            }
        }
    }
    assert_eq!(
        lists, 5,
        "tickets, logs, one ticket's history, events and deliveries"
    );
    let count = &doc["components"]["schemas"]["CountDto"]["properties"]["count"];
    assert_eq!(count["maximum"], json!(ticketd_app::COUNT_CAP));
    assert!(
        count["description"]
            .as_str()
            .unwrap()
            .contains(&ticketd_app::COUNT_CAP.to_string())
    );
}

/// Every documented query parameter is one the server reads: a value it cannot
/// take is refused naming that very parameter.
#[actix_web::test]
async fn every_documented_query_parameter_is_read_under_its_documented_name() {
    let db = TestDatabase::sqlite();
    let api = api(&db).await;
    let doc = served_document(&db).await;
    let cat = api.category("General", 0).await;
    let id = api.ticket(&customer("c1"), cat, "Params").await;
    // Parameters for which any text is a valid value.
    let free_text = ["keyword", "assigneeId", "userId"];
    let mut checked = 0;
    for (method, path) in operations(&doc) {
        let op = &doc["paths"][&path][method.to_lowercase()];
        for param in op["parameters"].as_array().into_iter().flatten() {
            let name = param["name"].as_str().unwrap();
            // A download link's parameters are checked together: a bad one
            // makes the link invalid (403; see files.rs).
            let link = path.ends_with("/uploads/{key}");
            if param["in"] != "query" || free_text.contains(&name) || link {
                continue;
            }
            let concrete = path.replace("{id}", &id.to_string());
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            let r = api
                .call(
                    m,
                    &format!("{concrete}?{name}=%3Fbad"),
                    Some(&admin()),
                    None,
                )
                .await;
            assert_eq!(
                r.status.as_u16(),
                400,
                "{method} {path}?{name}: {:#}",
                r.body
            );
            assert_eq!(r.error_fields(), [name], "{method} {path}?{name}");
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} parameters checked");
}

test_on_both_databases! { actix_web::test;

async fn every_documented_operation_is_served(db: &TestDatabase) {
    let api = api(db).await;
    let doc = served_document(db).await;
    let cat = api.category("General", 0).await;
    let id = api.ticket(&customer("c1"), cat, "Served").await;
    for (method, path) in operations(&doc) {
        if path.ends_with("/events/stream") {
            // A stream that stays open: served, it refuses an id it never sent.
            assert_eq!(api.open_stream(Some(&admin()), Some("x")).await.status, 400);
            continue;
        }
        let concrete = path.replace("{id}", &id.to_string());
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let r = api.call(m, &concrete, Some(&admin()), Some(json!({}))).await;
        assert_ne!(r.status.as_u16(), 405, "{method} {path}");
        assert!(!r.body["message"].as_str().unwrap_or("").starts_with("No route"), "{method} {path}");
    }
}

async fn real_responses_validate_against_the_document(db: &TestDatabase) {
    let api = api(db).await;
    let doc = served_document(db).await;
    let tickets = "/backend/api/support-ticket";
    let one = "/backend/api/support-ticket/{id}";
    let logs = "/backend/api/support-ticket/ticket-logs";
    let cats = "/backend/api/support-ticket/categories";
    let c = customer("c1");

    let r = api.post(&format!("{API}/categories"), &admin(), json!({"categoryName": "Refund"})).await.expect(201);
    assert_valid(&doc, "post", cats, 201, &r.body);
    let cat = r.data()["id"].as_i64().unwrap();
    let r = api.post(API, &c, json!({"subject": "s", "description": "d", "categoryId": cat})).await.expect(201);
    assert_valid(&doc, "post", tickets, 201, &r.body);
    let id = r.data()["id"].as_i64().unwrap();
    let r = api.upload_parts(&c, &[("files", "; filename=\"a.pdf\"", PDF)]).await.expect(201);
    assert_valid(&doc, "post", &format!("{API}/uploads"), 201, &r.body);
    let a = json!({"fileName": "a.pdf", "filePath": r.data()[0]["filePath"]});
    let r = api.post(&format!("{API}/{id}"), &c, json!({"message": "m", "attachments": [a]})).await.expect(200);
    assert_valid(&doc, "post", one, 200, &r.body);
    let b = api.attachment(&c, "b.pdf").await;
    let r = api.post(&format!("{API}/{id}"), &c, json!({"attachments": [b]})).await.expect(200);
    assert_valid(&doc, "post", one, 200, &r.body);
    let r = api.get(&format!("{API}/{id}"), &c).await.expect(200);
    assert_valid(&doc, "get", one, 200, &r.body);
    // The check has teeth: a string status, or a missing field, breaks it.
    let mut wrong = r.body.clone();
    wrong["status"] = json!("1");
    assert!(!violations(&doc, "get", one, 200, &wrong).is_empty());
    let mut wrong = r.body.clone();
    wrong["data"].as_object_mut().unwrap().remove("refId");
    assert!(!violations(&doc, "get", one, 200, &wrong).is_empty());
    let r = api.put(&format!("{API}/{id}"), &agent(), json!({"status": 4})).await.expect(200);
    assert_valid(&doc, "put", one, 200, &r.body);
    for q in ["", "?count=true", "?keyword=s&limit=1"] {
        let r = api.get(&format!("{API}{q}"), &c).await.expect(200);
        assert_valid(&doc, "get", tickets, 200, &r.body);
        let mut wrong = r.body.clone();
        wrong["status"] = json!(1);
        assert!(!violations(&doc, "get", tickets, 200, &wrong).is_empty());
    }
    for q in ["", "?count=1", &format!("?ticketId={id}")] {
        let r = api.get(&format!("{API}/ticket-logs{q}"), &c).await.expect(200);
        assert_valid(&doc, "get", logs, 200, &r.body);
    }
    let r = api.get(&format!("{API}/categories"), &c).await.expect(200);
    assert_valid(&doc, "get", cats, 200, &r.body);

    // The workflow's additions hold to the document too.
    let history = "/backend/api/support-ticket/{id}/logs";
    let restore = "/backend/api/support-ticket/{id}/restore";
    api.get(API, &agent()).await.expect(200);
    let r = api
        .put(&format!("{API}/{id}"), &admin(), json!({"priority": "high", "assigneeId": "agent1"}))
        .await
        .expect(200);
    assert_valid(&doc, "put", one, 200, &r.body);
    let r = api.post(&format!("{API}/{id}"), &agent(), json!({"message": "note", "visibility": "internal"})).await.expect(200);
    assert_valid(&doc, "post", one, 200, &r.body);
    for q in ["", "?count=true", "?limit=1&offset=1"] {
        let r = api.get(&format!("{API}/{id}/logs{q}"), &agent()).await.expect(200);
        assert_valid(&doc, "get", history, 200, &r.body);
    }
    let r = api.get(&format!("{API}?status=resolved&priority=high&assigneeId=agent1&sort=-priority"), &agent()).await.expect(200);
    assert_valid(&doc, "get", tickets, 200, &r.body);
    let r = api.get(&format!("{API}?status=nope"), &agent()).await.expect(400);
    assert_valid(&doc, "get", tickets, 400, &r.body);
    let r = api.call(Method::DELETE, &format!("{API}/{id}"), Some(&admin()), None).await.expect(200);
    assert_valid(&doc, "delete", one, 200, &r.body);
    let r = api.call(Method::DELETE, &format!("{API}/{id}"), Some(&agent()), None).await.expect(403);
    assert_valid(&doc, "delete", one, 403, &r.body);
    let r = api.call(Method::POST, &format!("{API}/{id}/restore"), Some(&admin()), None).await.expect(200);
    assert_valid(&doc, "post", restore, 200, &r.body);
    let r = api.call(Method::POST, &format!("{API}/{id}/restore"), Some(&admin()), None).await.expect(409);
    assert_valid(&doc, "post", restore, 409, &r.body);

    // Errors hold to the documented error envelope.
    let r = api.post(API, &c, json!({})).await.expect(400);
    assert_valid(&doc, "post", tickets, 400, &r.body);
    let r = api.call(Method::GET, API, None, None).await.expect(401);
    assert_valid(&doc, "get", tickets, 401, &r.body);
    let r = api.put(&format!("{API}/{id}"), &c, json!({"status": 2})).await.expect(403);
    assert_valid(&doc, "put", one, 403, &r.body);
    let r = api.get(&format!("{API}/987654"), &c).await.expect(404);
    assert_valid(&doc, "get", one, 404, &r.body);
    api.put(&format!("{API}/{id}"), &c, json!({"status": 5})).await.expect(200);
    let r = api.post(&format!("{API}/{id}"), &c, json!({"message": "late"})).await.expect(409);
    assert_valid(&doc, "post", one, 409, &r.body);

    // Every kind of event this walk left, as the event list answers it.
    let events = &format!("{API}/events");
    let r = api.get(&format!("{events}?limit=100"), &admin()).await.expect(200);
    assert!(r.data().as_array().unwrap().len() >= 8);
    assert_valid(&doc, "get", events, 200, &r.body);
    let r = api.get(events, &agent()).await.expect(403);
    assert_valid(&doc, "get", events, 403, &r.body);
    let r = api.get(&format!("{events}?type=ticket.closed"), &admin()).await.expect(400);
    assert_valid(&doc, "get", events, 400, &r.body);
}

}

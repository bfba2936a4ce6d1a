//! The document's `webhooks` (OpenAPI 3.1): one POST per event type, which
//! ticketd sends to registered endpoints, with its headers and an example.

use serde_json::{Value, json};
use ticketd_domain::EventType;
use utoipa::openapi::OpenApi;

/// A ticket as events carry it.
fn ticket(status: &str, assignee: Value, is_delete: bool) -> Value {
    json!({
        "createdBy": "user01", "createdByType": "customer", "createdDate": "2025-04-01T10:00:00Z",
        "modifiedBy": "agent7", "modifiedByType": "agent", "modifiedDate": "2025-04-01T10:05:00Z",
        "id": 123, "refId": "TKT-7K3M9Q2XAB", "userId": "user01", "userType": "customer",
        "categoryId": 1, "subCategoryId": 0, "subject": "Refund Request",
        "description": "Request for a refund on order #XYZ", "isActive": true,
        "isDelete": is_delete, "status": status, "priority": "normal", "assigneeId": assignee,
        "firstResponseDueAt": "2025-04-01T18:00:00Z", "firstResponseSla": "met",
        "resolutionDueAt": "2025-04-03T10:00:00Z", "resolutionSla": "running",
        "ticketCategory": {"createdBy": "admin1", "createdByType": "admin",
            "createdDate": "2025-04-01T09:00:00Z", "modifiedBy": "admin1",
            "modifiedByType": "admin", "modifiedDate": "2025-04-01T09:00:00Z", "id": 1,
            "categoryName": "Refund", "parentCategoryId": 0, "isActive": true, "isDelete": false}})
}

/// An example event of each type sent, as webhooks and the event list send it.
pub fn event_examples() -> Vec<(EventType, Value)> {
    let event = |id: u32, kind: EventType, actor: (&str, &str), visibility: &str, data: Value| {
        json!({"id": format!("evt_{id}"), "type": kind.as_str(), "timestamp": "2025-04-01T10:05:00Z",
               "ticketId": 123, "actorId": actor.0, "actorType": actor.1,
               "visibility": visibility, "data": data})
    };
    let agent = ("agent7", "agent");
    let change =
        |field: &str, from: Value, to: Value| json!([{"field": field, "from": from, "to": to}]);
    let assigned = json!({"ticket": ticket("in_progress", json!("agent7"), false),
        "changes": [{"field": "status", "from": "open", "to": "in_progress"},
                    {"field": "assigneeId", "from": null, "to": "agent7"}]});
    EventType::ALL
        .into_iter()
        .map(|kind| {
            let example = match kind {
                EventType::TicketCreated => event(
                    41,
                    kind,
                    ("user01", "customer"),
                    "public",
                    json!({"ticket": ticket("open", Value::Null, false), "changes": []}),
                ),
                EventType::TicketUpdated => event(42, kind, agent, "public", assigned.clone()),
                EventType::TicketStatusChanged => {
                    event(43, kind, agent, "public", assigned.clone())
                }
                EventType::TicketAssigned => event(44, kind, agent, "public", assigned.clone()),
                EventType::MessageCreated => event(
                    45,
                    kind,
                    agent,
                    "internal",
                    json!({
                    "ticket": ticket("in_progress", json!("agent7"), false), "changes": [],
                    "message": {"createdBy": "agent7", "createdByType": "agent",
                        "createdDate": "2025-04-01T10:05:00Z", "modifiedBy": "agent7",
                        "modifiedByType": "agent", "modifiedDate": "2025-04-01T10:05:00Z",
                        "id": 456, "ticketId": 123, "senderId": "agent7", "senderType": "agent",
                        "message": "Refund approved by billing", "sentAt": "2025-04-01T10:05:00Z",
                        "visibility": "internal", "isActive": true, "isDelete": false,
                        "ticketAttachments": []}}),
                ),
                EventType::TicketDeleted => event(
                    46,
                    kind,
                    ("admin1", "admin"),
                    "public",
                    json!({
                    "ticket": ticket("in_progress", json!("agent7"), true),
                    "changes": change("isDelete", json!("false"), json!("true"))}),
                ),
                EventType::TicketRestored => event(
                    47,
                    kind,
                    ("admin1", "admin"),
                    "public",
                    json!({
                    "ticket": ticket("in_progress", json!("agent7"), false),
                    "changes": change("isDelete", json!("true"), json!("false"))}),
                ),
                EventType::SlaBreached => {
                    let mut late = ticket("open", Value::Null, false);
                    late["firstResponseSla"] = json!("breached");
                    let mut e = event(
                        48,
                        kind,
                        ("", ""),
                        "public",
                        json!({"ticket": late, "changes": [], "target": "firstResponse"}),
                    );
                    e["timestamp"] = json!("2025-04-01T18:00:07Z");
                    e["actorId"] = Value::Null;
                    e["actorType"] = Value::Null;
                    e
                }
            };
            (kind, example)
        })
        .collect()
}

fn header(name: &str, description: &str, example: &str) -> Value {
    json!({"name": name, "in": "header", "required": true, "description": description,
           "schema": {"type": "string"}, "example": example})
}

/// Adds `webhooks` to the document.
pub(crate) fn add_webhooks(openapi: &mut OpenApi) {
    let mut hooks = serde_json::Map::new();
    for (kind, example) in event_examples() {
        let operation = json!({"post": {
            "summary": format!("{kind}"),
            "description": format!(
                "Sent to each active endpoint that takes `{kind}` (see Register a webhook \
                 endpoint). The body is the event as the event list shows it. Verify the \
                 signature with any Standard Webhooks library and the endpoint's secret; answer \
                 2xx within the timeout (10 s by default). Anything else is retried with \
                 exponential backoff and jitter for a day; one ticket's events are sent one at a \
                 time, in order."),
            "tags": ["Webhooks"],
            "parameters": [
                header("webhook-id", "The event's id: the same on every retry, to drop duplicates", "evt_42"),
                header("webhook-timestamp", "When this attempt was signed, in seconds since the Unix epoch", "1743501900"),
                header("webhook-signature", "`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` with the secret's key; two, separated by a space, while an old secret's grace lasts",
                    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
            ],
            "requestBody": {"required": true, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/EventDto"}, "example": example}}},
            "responses": {
                "2XX": {"description": "Delivered"},
                "default": {"description": "Not delivered: retried later"}}}});
        hooks.insert(kind.as_str().to_owned(), operation);
    }
    openapi
        .extensions
        .get_or_insert_with(Default::default)
        .insert("webhooks".to_owned(), Value::Object(hooks));
}

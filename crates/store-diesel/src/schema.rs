//! The tables, as both databases hold them.

diesel::table! {
    ticket_categories (id) {
        id -> BigInt,
        category_name -> Text,
        name_key -> Text,
        parent_category_id -> Nullable<BigInt>,
        is_active -> Bool,
        is_delete -> Bool,
        created_by -> Text,
        created_by_type -> Text,
        created_date -> Timestamp,
        modified_by -> Text,
        modified_by_type -> Text,
        modified_date -> Timestamp,
    }
}

diesel::table! {
    sla_policy (id) {
        id -> Integer,
        policy -> Text,
    }
}

diesel::table! {
    tickets (id) {
        id -> BigInt,
        ref_id -> Text,
        user_id -> Text,
        user_type -> Text,
        category_id -> BigInt,
        sub_category_id -> Nullable<BigInt>,
        subject -> Text,
        description -> Text,
        search_text -> Text,
        status -> Integer,
        priority -> Integer,
        assignee_id -> Nullable<Text>,
        version -> BigInt,
        is_active -> Bool,
        is_delete -> Bool,
        created_by -> Text,
        created_by_type -> Text,
        created_date -> Timestamp,
        modified_by -> Text,
        modified_by_type -> Text,
        modified_date -> Timestamp,
        sla -> Nullable<Text>,
        first_response_due -> Timestamp,
        resolution_due -> Timestamp,
        sla_breached -> Bool,
        sla_check_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ticket_messages (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        sender_id -> Text,
        sender_type -> Text,
        message -> Nullable<Text>,
        sent_at -> Timestamp,
        visibility -> Text,
        is_active -> Bool,
        is_delete -> Bool,
        created_by -> Text,
        created_by_type -> Text,
        created_date -> Timestamp,
        modified_by -> Text,
        modified_by_type -> Text,
        modified_date -> Timestamp,
    }
}

diesel::table! {
    ticket_attachments (id) {
        id -> BigInt,
        message_id -> BigInt,
        ticket_id -> BigInt,
        file_name -> Text,
        file_path -> Text,
        upload_key -> Nullable<Text>,
        is_active -> Bool,
        is_delete -> Bool,
        created_by -> Text,
        created_by_type -> Text,
        created_date -> Timestamp,
        modified_by -> Text,
        modified_by_type -> Text,
        modified_date -> Timestamp,
    }
}

diesel::table! {
    ticket_logs (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        action_taken -> Text,
        action_by -> Text,
        action_by_type -> Text,
        action_at -> Timestamp,
        visibility -> Text,
        changes -> Text,
        is_active -> Bool,
        is_delete -> Bool,
        created_by -> Text,
        created_by_type -> Text,
        created_date -> Timestamp,
        modified_by -> Text,
        modified_by_type -> Text,
        modified_date -> Timestamp,
    }
}

diesel::table! {
    users (user_id) {
        user_id -> Text,
        user_type -> Text,
        first_seen -> Timestamp,
        last_seen -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, idem_key) {
        user_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status_code -> Nullable<Integer>,
        response -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    uploads (upload_key) {
        upload_key -> Text,
        owner_id -> Text,
        owner_type -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    written_files (upload_key) {
        upload_key -> Text,
        written_at -> Timestamp,
    }
}

diesel::table! {
    ticket_events (id) {
        id -> BigInt,
        position -> Nullable<BigInt>,
        event_type -> Text,
        ticket_id -> BigInt,
        owner_id -> Text,
        visibility -> Text,
        actor_id -> Text,
        actor_type -> Text,
        occurred_at -> Timestamp,
        snapshot -> Text,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> BigInt,
        url -> Text,
        description -> Text,
        event_types -> Text,
        include_internal -> Bool,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_by_type -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_queue (id) {
        id -> Integer,
        position -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        endpoint_id -> BigInt,
        event_id -> BigInt,
        event_position -> BigInt,
        event_type -> Text,
        ticket_id -> BigInt,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        first_attempt_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        duration_ms -> BigInt,
        error -> Nullable<Text>,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));

diesel::joinable!(ticket_messages -> tickets (ticket_id));
diesel::joinable!(ticket_logs -> tickets (ticket_id));
diesel::joinable!(ticket_attachments -> ticket_messages (message_id));

diesel::allow_tables_to_appear_in_same_query!(
    ticket_categories,
    tickets,
    ticket_messages,
    ticket_attachments,
    ticket_logs,
    users,
    idempotency_keys,
    uploads,
    written_files,
    ticket_events,
    webhook_endpoints,
    webhook_queue,
    webhook_deliveries,
    webhook_attempts,
    sla_policy,
);

//! The contract of the record ports: what every store keeps, written once and
//! run against the in-memory fakes (this crate's tests), SQLite and
//! PostgreSQL (`ticketd-store-diesel`'s tests), so that a fake can never
//! drift from the stores.
//!
//! A store's tests run the whole suite with [`contract_tests!`](crate::contract_tests):
//! one test per case, each on a fresh store.

mod events;
mod listing;
mod logs;
mod messages;
mod sla;
pub mod support;
mod tickets;
mod uploads;
mod webhooks;

use ticketd_ports::{
    AuditLogRepository, CategoryRepository, EventLog, IdempotencyStore, SlaStore, TicketRepository,
    UploadRepository, UserDirectory, WebhookStore,
};

pub use events::{
    a_change_that_fails_leaves_no_event, events_are_read_in_order_from_a_position_within_a_scope,
    every_change_writes_its_events_with_the_ticket_as_it_left_it,
    old_events_are_forgotten_and_ids_never_reused,
};
pub use listing::{
    cursor_pages_follow_every_sort_in_both_directions,
    keyword_search_is_case_insensitive_and_takes_wildcards_literally,
    lists_are_newest_first_paged_and_counted_without_paging, owner_filter_scopes_tickets_and_logs,
};
pub use logs::log_cursors_walk_both_orders_and_counts_stop_where_asked;
pub use messages::{
    a_closed_ticket_refuses_messages_and_a_missing_one_is_not_found,
    a_message_lands_with_its_attachments_and_log_entry,
    a_message_without_text_keeps_its_attachments,
    a_reopening_reply_changes_the_status_only_from_the_status_it_expects,
    a_targeted_message_is_checked_against_the_ticket_its_write_finds,
};
pub use sla::{
    a_breach_is_marked_and_announced_once, a_policy_with_business_hours_counts_working_time,
    clocks_pause_resume_and_stop_with_the_ticket,
    lists_sort_by_due_time_with_tickets_without_one_last,
};
pub use tickets::{
    a_created_ticket_reads_back_field_for_field, a_duplicate_reference_is_a_conflict,
    an_update_applies_only_at_the_version_it_was_decided_on,
    deleted_tickets_leave_lists_and_logs_unless_asked_for, details_read_only_what_the_scope_admits,
};
pub use uploads::{
    an_upload_is_attached_once_and_a_swept_one_not_at_all,
    an_upload_reads_back_and_knows_where_it_is_attached,
    noted_files_that_no_upload_records_are_the_sweeps_only_candidates,
    the_sweep_takes_only_old_unattached_uploads,
};
pub use webhooks::{
    an_event_for_several_endpoints_is_claimed_for_each,
    claims_keep_each_tickets_order_and_lease_what_they_take,
    endpoints_are_registered_changed_rotated_and_removed,
    events_are_queued_once_for_each_endpoint_that_wants_them,
};

/// Every record port, as one store implements them (the diesel store, the
/// in-memory fake).
pub trait Ports:
    TicketRepository
    + CategoryRepository
    + AuditLogRepository
    + EventLog
    + UserDirectory
    + IdempotencyStore
    + UploadRepository
    + WebhookStore
    + SlaStore
{
}

impl<T> Ports for T where
    T: TicketRepository
        + CategoryRepository
        + AuditLogRepository
        + EventLog
        + UserDirectory
        + IdempotencyStore
        + UploadRepository
        + WebhookStore
        + SlaStore
        + ?Sized
{
}

/// Defines one test per case of the contract, each on a fresh store:
/// `contract_tests!(tokio::test; |case| make(case))` where `make` gives
/// `Option<D>` (`None` skips the case, say for a database that is not
/// configured) and `D` derefs to a store that implements [`Ports`].
#[macro_export]
macro_rules! contract_tests {
    ($attr:meta; $make:expr) => {
        $crate::contract_tests!(@cases $attr; $make;
            uploads::an_upload_reads_back_and_knows_where_it_is_attached,
            uploads::noted_files_that_no_upload_records_are_the_sweeps_only_candidates,
            uploads::an_upload_is_attached_once_and_a_swept_one_not_at_all,
            uploads::the_sweep_takes_only_old_unattached_uploads,
            tickets::a_created_ticket_reads_back_field_for_field,
            tickets::a_duplicate_reference_is_a_conflict,
            listing::lists_are_newest_first_paged_and_counted_without_paging,
            listing::keyword_search_is_case_insensitive_and_takes_wildcards_literally,
            listing::owner_filter_scopes_tickets_and_logs,
            tickets::an_update_applies_only_at_the_version_it_was_decided_on,
            tickets::deleted_tickets_leave_lists_and_logs_unless_asked_for,
            listing::cursor_pages_follow_every_sort_in_both_directions,
            tickets::details_read_only_what_the_scope_admits,
            messages::a_message_lands_with_its_attachments_and_log_entry,
            messages::a_message_without_text_keeps_its_attachments,
            messages::a_closed_ticket_refuses_messages_and_a_missing_one_is_not_found,
            messages::a_reopening_reply_changes_the_status_only_from_the_status_it_expects,
            messages::a_targeted_message_is_checked_against_the_ticket_its_write_finds,
            logs::log_cursors_walk_both_orders_and_counts_stop_where_asked,
            events::every_change_writes_its_events_with_the_ticket_as_it_left_it,
            events::a_change_that_fails_leaves_no_event,
            events::events_are_read_in_order_from_a_position_within_a_scope,
            events::old_events_are_forgotten_and_ids_never_reused,
            webhooks::endpoints_are_registered_changed_rotated_and_removed,
            webhooks::events_are_queued_once_for_each_endpoint_that_wants_them,
            webhooks::claims_keep_each_tickets_order_and_lease_what_they_take,
            webhooks::an_event_for_several_endpoints_is_claimed_for_each,
            sla::clocks_pause_resume_and_stop_with_the_ticket,
            sla::lists_sort_by_due_time_with_tickets_without_one_last,
            sla::a_breach_is_marked_and_announced_once,
            sla::a_policy_with_business_hours_counts_working_time
        );
    };
    (@cases $attr:meta; $make:expr; $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[$attr]
            async fn $case() {
                let make = $make;
                let Some(store) = make(stringify!($case)) else {
                    return;
                };
                $crate::contract::$case(&*store).await;
            }
        )*
    };
}

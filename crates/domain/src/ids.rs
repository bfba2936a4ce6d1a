macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl $name {
            /// The number behind the id.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies a ticket.
    TicketId
);
id_type!(
    /// Identifies a ticket category (top-level or sub-category).
    CategoryId
);
id_type!(
    /// Identifies a message on a ticket.
    MessageId
);
id_type!(
    /// Identifies an attachment of a message.
    AttachmentId
);
id_type!(
    /// Identifies an audit-log entry.
    LogEntryId
);
id_type!(
    /// Identifies an event: its place in the order events were written.
    EventId
);
id_type!(
    /// Identifies a webhook endpoint.
    EndpointId
);
id_type!(
    /// Identifies the delivery of one event to one webhook endpoint.
    DeliveryId
);

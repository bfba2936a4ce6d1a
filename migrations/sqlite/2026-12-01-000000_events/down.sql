DROP TABLE ticket_events;

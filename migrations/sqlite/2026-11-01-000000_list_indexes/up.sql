-- Every documented sort and filter of the ticket list has an index that hands
-- out rows in the list's order, so that a page reads only its own rows. They
-- cover live tickets only (the lists' default); the full indexes of the
-- earlier migrations serve admins who ask for deleted tickets too.
CREATE INDEX tickets_live_modified ON tickets (modified_date, id) WHERE NOT is_delete;
CREATE INDEX tickets_live_priority ON tickets (priority, id) WHERE NOT is_delete;
CREATE INDEX tickets_live_status ON tickets (status, id) WHERE NOT is_delete;
CREATE INDEX tickets_live_category ON tickets (category_id, created_date, id) WHERE NOT is_delete;
CREATE INDEX tickets_live_sub_category ON tickets (sub_category_id, created_date, id) WHERE NOT is_delete;

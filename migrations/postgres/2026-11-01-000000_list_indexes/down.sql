DROP INDEX tickets_live_sub_category;
DROP INDEX tickets_live_category;
DROP INDEX tickets_live_status;
DROP INDEX tickets_live_priority;
DROP INDEX tickets_live_modified;

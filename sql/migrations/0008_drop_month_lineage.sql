-- Undoes 0008: snapshots read their lineage from the facts again.
DROP TABLE core.month_load_batch;

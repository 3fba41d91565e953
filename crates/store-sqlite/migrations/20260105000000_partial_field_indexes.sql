-- Most indexed fields are text (types, parties, extension values); only quantities, sensor values
-- and some extension values are numbers or times. Indexing only the rows that have a number or a
-- time spares two B-tree inserts per text field on capture. A comparison on `number` or `time_us`
-- implies IS NOT NULL, so the planner still uses these indexes for GT_/GE_/LT_/LE_/EQ_.
DROP INDEX event_fields_number;
DROP INDEX event_fields_time;
CREATE INDEX event_fields_number ON event_fields (name, number, sequence) WHERE number IS NOT NULL;
CREATE INDEX event_fields_time ON event_fields (name, time_us, sequence) WHERE time_us IS NOT NULL;

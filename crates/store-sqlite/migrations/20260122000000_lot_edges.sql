-- The genealogy links of stored events (`NewEvent::lot_links` in the domain crate): `product` was
-- made from, holds, or was taken out of `source`. A trace finds every identifier it will reach
-- with one recursive query over this table and reads all their events with one more, instead of
-- one lookup per level. Transformations link each output to each input; aggregation ADD and
-- OBSERVE link the parent to each child; aggregation DELETE links each child to the parent it
-- left. Shipping, receiving and the other object events keep an identifier what it is and make
-- none. A pair is kept once however many events make it (a pallet observed every day), so a
-- walk meets it once; the walk reads the events themselves. Written with the events, in the
-- same transaction; append-only like them.

CREATE TABLE lot_edges (
    product  TEXT NOT NULL,
    source   TEXT NOT NULL,
    PRIMARY KEY (product, source)
) STRICT, WITHOUT ROWID;

CREATE INDEX lot_edges_source ON lot_edges (source, product);

-- The links of the events stored before this table existed, by the same rule and the same
-- bound per event (10,000, `MAX_LINKS_PER_EVENT`).
INSERT OR IGNORE INTO lot_edges (product, source)
SELECT product, source FROM (
    SELECT p.identifier AS product, s.identifier AS source,
           row_number() OVER (PARTITION BY e.sequence) AS n
    FROM events e
    JOIN event_identifiers p ON p.sequence = e.sequence
    JOIN event_identifiers s ON s.sequence = e.sequence
    WHERE p.identifier <> s.identifier
      AND ((e.event_type = 'TransformationEvent'
            AND p.role IN ('output', 'output_class') AND s.role IN ('input', 'input_class'))
        OR (e.event_type = 'AggregationEvent' AND e.action = 'DELETE'
            AND p.role IN ('epc', 'epc_class') AND s.role = 'parent')
        OR (e.event_type = 'AggregationEvent' AND e.action IS NOT 'DELETE'
            AND p.role = 'parent' AND s.role IN ('epc', 'epc_class')))
)
WHERE n <= 10000;

CREATE TRIGGER lot_edges_no_update BEFORE UPDATE ON lot_edges
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER lot_edges_no_delete BEFORE DELETE ON lot_edges
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

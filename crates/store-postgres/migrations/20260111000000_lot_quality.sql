-- Lots' data-quality scores, one row per lot, replaced whenever the lot is scored again (when
-- events naming it are captured, when its page is opened, by `nguon quality refresh`). The
-- score is kept beside the whole breakdown (JSON) so `/quality` sorts and sums without reading
-- the breakdowns. `organisation_id` is who the lot is counted for: its product's owner, or the
-- owner of its first event. With Citus: a reference table, like the registry it sums up.

CREATE TABLE lot_quality (
    identifier       text        COLLATE "C" NOT NULL PRIMARY KEY,
    organisation_id  uuid        REFERENCES organisations (id),
    score            smallint    NOT NULL CHECK (score BETWEEN 0 AND 100),
    breakdown        text        NOT NULL,
    computed_at      timestamptz NOT NULL
);

-- An organisation's lots, worst first.
CREATE INDEX lot_quality_organisation ON lot_quality (organisation_id, score, identifier);
-- The province's worst lots.
CREATE INDEX lot_quality_score ON lot_quality (score, identifier);

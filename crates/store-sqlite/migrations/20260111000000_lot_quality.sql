-- Lots' data-quality scores, one row per lot, replaced whenever the lot is scored again (when
-- events naming it are captured, when its page is opened, by `nguon quality refresh`). The
-- score is kept beside the whole breakdown (JSON) so `/quality` sorts and sums without reading
-- the breakdowns. `organisation_id` is who the lot is counted for: its product's owner, or the
-- owner of its first event.

CREATE TABLE lot_quality (
    identifier       TEXT    NOT NULL PRIMARY KEY,
    organisation_id  BLOB    REFERENCES organisations (id),
    score            INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    breakdown        TEXT    NOT NULL,
    computed_at      TEXT    NOT NULL
) STRICT;

-- An organisation's lots, worst first.
CREATE INDEX lot_quality_organisation ON lot_quality (organisation_id, score, identifier);
-- The province's worst lots.
CREATE INDEX lot_quality_score ON lot_quality (score, identifier);
